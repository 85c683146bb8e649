// Shared pieces of the benchmarks: an embedded PostgreSQL, an s3rver, the compiled app as a child
// process, and a small autocannon runner. Every benchmark starts the product on the embedded default
// (real PostgreSQL from npm, real S3 protocol server) and removes what it created at the end.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDatabase, freePort, startEmbeddedPostgres } from '../scripts/embedded-postgres.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

export function ensureBuilt() {
  if (!fs.existsSync(path.join(ROOT, 'dist/src/main.js'))) {
    throw new Error('dist/ is missing: run `npm run build` first (npm run bench does it).');
  }
}

/** Embedded PostgreSQL + s3rver in a temp dir. */
export async function startInfra() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-bench-'));
  const pg = await startEmbeddedPostgres({ databaseDir: path.join(dir, 'db'), persistent: false });
  await ensureDatabase(pg, 'bench');
  const S3rver = require('s3rver');
  const s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: path.join(dir, 's3'), configureBuckets: [{ name: 'anexos-email-bitrix' }] });
  const { port: s3Port } = await s3.run();
  const s3Endpoint = `http://127.0.0.1:${s3Port}`;
  return {
    databaseUrl: pg.url('bench'),
    s3Endpoint,
    /** The app's env on this infrastructure (fresh secrets, S3 on s3rver, mail as files); add Bitrix settings. */
    appEnv: () => ({
      ...benchSecrets(),
      DATABASE_URL: pg.url('bench'),
      STORAGE_DRIVER: 's3',
      S3_ENDPOINT: s3Endpoint,
      S3_ACCESS_KEY: 'S3RVER',
      S3_SECRET_KEY: 'S3RVER',
      S3_BUCKET: 'anexos-email-bitrix',
      MAIL_TRANSPORT: 'file',
      MAIL_DIR: path.join(dir, 'mail'),
      PUBLIC_URL: 'http://127.0.0.1',
      LOGIN_RATE_LIMIT: '100000',
      BCRYPT_COST: '10',
    }),
    async stop() {
      await s3.close();
      await pg.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function benchSecrets() {
  return {
    JWT_SECRET: randomBytes(32).toString('hex'),
    JWT_REFRESH_SECRET: randomBytes(32).toString('hex'),
    CPF_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    CPF_HMAC_KEY: randomBytes(32).toString('hex'),
  };
}

/**
 * Starts `node dist/src/main.js` with env; resolves when /health answers. `onStdout` receives the app's
 * stdout (its log lines) as it comes; without it stdout is discarded.
 */
export async function startApp(env, { onStdout, nodeArgs = appNodeArgs() } = {}) {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeArgs, path.join(ROOT, 'dist/src/main.js')], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'production', ...env },
    stdio: ['ignore', onStdout ? 'pipe' : 'ignore', 'inherit'],
  });
  child.stdout?.on('data', onStdout);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`app exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error('app did not start in 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    pid: child.pid,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** BENCH_APP_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the app under load. */
export function appNodeArgs() {
  return (process.env.BENCH_APP_NODE_ARGS ?? '').split(' ').filter(Boolean);
}

/** Resident memory of a process in MiB (Linux /proc). */
export function rssMiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

/**
 * One autocannon run of `warmup` + `duration` seconds on the same connections; rates and latency
 * percentiles (ms) are computed from the responses after the warm-up only. (Fresh connections show a
 * start-up transient, about 1% of requests waiting 2–4 s in any server, which otherwise decides a p99.)
 */
export async function load({ url, headers = {}, connections = 50, duration = 10, warmup = 2, method = 'GET', body, overallRate }) {
  const measured = [];
  const window = { from: Date.now() + warmup * 1000, to: 0 }; // epoch ms of the measured part (bench/phase-trace.cjs)
  let bytes = 0;
  let non2xx = 0;
  const startedAt = performance.now();
  const result = await new Promise((resolve, reject) => {
    const run = autocannon({ url, headers, connections, duration: warmup + duration, method, body, overallRate, timeout: 30 }, (error, out) =>
      error ? reject(error) : resolve(out),
    );
    run.on('response', (_client, statusCode, responseBytes, responseTime) => {
      if (performance.now() - startedAt < warmup * 1000) return;
      measured.push(responseTime);
      bytes += responseBytes;
      if ((statusCode < 200 || statusCode >= 300) && statusCode !== 304) non2xx += 1; // 304: a conditional request answered
    });
  });
  window.to = Date.now();
  measured.sort((a, b) => a - b);
  const round = (ms) => Math.round(ms * 10) / 10;
  const summary = {
    rps: round(measured.length / duration),
    p50: round(percentile(measured, 50)),
    p90: round(percentile(measured, 90)),
    p99: round(percentile(measured, 99)),
    max: round(measured.at(-1) ?? NaN),
    total: measured.length,
    failures: non2xx + result.errors + result.timeouts,
    over10s: measured.filter((ms) => ms > 10_000).length + result.timeouts, // issue 18's "timed out (> 10 s)"
    bytesPerReq: measured.length ? Math.round(bytes / measured.length) : 0,
  };
  // Not a column of the printed tables.
  return Object.defineProperty(summary, 'window', { value: window, enumerable: false });
}

export function printTable(title, rows) {
  console.log(`\n${title}`);
  console.table(rows);
}

/** Registers a user through the API and logs in; returns its id and a Bearer header. */
export async function registerAndLogin(url, n, overrides = {}) {
  const cpfs = ['52998224725', '11144477735', '15350946056', '39053344705'];
  const body = { full_name: `Bench ${n}`, email: `bench${n}@carvalima.test`, password: 'SenhaSegura123', department: 'TI', filial: 'Matriz', cpf: cpfs[n], matricula: String(5000 + n), ...overrides };
  const res = await fetch(`${url}/auth/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
  const { id } = await res.json();
  const login = await fetch(`${url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ matricula: body.matricula, password: body.password }) });
  if (login.status !== 200) throw new Error(`login: ${login.status}`);
  const { token } = await login.json();
  return { id, ...body, authorization: `Bearer ${token.access_token}`, cookie: login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ') };
}

/** Bytes on the wire of one GET with this Accept-Encoding (node:http: nothing decoded), and the encoding used. */
export function wireBytes(url, headers, acceptEncoding) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { ...headers, 'accept-encoding': acceptEncoding } }, (res) => {
        let bytes = 0;
        res.on('data', (chunk) => (bytes += chunk.length));
        res.on('end', () => resolve({ bytes, encoding: res.headers['content-encoding'] ?? 'identity' }));
      })
      .on('error', reject);
  });
}

/** Percentile of a sorted array of numbers (nearest rank). */
export function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The number after `--name` on the command line, or `fallback`. */
export function numberArg(name, fallback) {
  const args = process.argv.slice(2);
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

/** Median of a list of numbers (the mean of the middle two for an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
