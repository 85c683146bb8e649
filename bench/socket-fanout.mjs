#!/usr/bin/env node
// Socket.IO fan-out benchmark (issue 6): N real socket.io-client connections in one deal room receive
// a broadcast; prints p50/p95/p99 delivery latency and the server's memory per idle connection.
//
//   node bench/socket-fanout.mjs [--clients 1000] [--rounds 20] [--warmup 3] [--client-processes 2] [--verbose]
//
// How it runs (no build step, no services needed):
//   - this process forks itself as the SERVER: a throw-away embedded PostgreSQL (scripts/embedded-postgres.mjs),
//     migrations applied, and the real app from src/ (createApp, loaded through ts-node with its swc
//     transpiler), with the PostgreSQL Socket.IO adapter as in production. It registers one user,
//     inserts one ticket, and broadcasts `new_comment` through the app's TicketEventsBroadcaster.
//   - CLIENT processes (forked too, 2 by default) open N socket.io-client sockets between them (websocket
//     transport, `auth: { token }`), each joined to the ticket's room with `join_deal`; this process
//     coordinates the rounds and prints the results.
// Latency = client receive time - server time just before `broadcaster.activityAdded()`, both read from
// process.hrtime (CLOCK_MONOTONIC, shared by processes on one machine). Each client process parses its
// share of the N frames in turn, so the latency includes that client-side queueing too.
// Memory = server RSS after N idle connections minus RSS before, both after a forced GC, divided by N.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { benchSecrets } from './support.mjs';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
}

if (process.argv.includes('--server')) await runServer();
else if (process.argv.includes('--clients')) runClients();
else await runBenchmark();

// ---------------------------------------------------------------- server (child process)

async function runServer() {
  require('ts-node').register({ transpileOnly: true, swc: true, project: path.join(root, 'tsconfig.json') });
  require('reflect-metadata');
  const { startEmbeddedPostgres, ensureDatabase } = await import('../scripts/embedded-postgres.mjs');
  const { runMigrationsOn } = require('../src/database/migrate');
  const { loadAppConfig } = require('../src/config/config.loader');
  const { createApp } = require('../src/app.setup');
  const { TicketEventsBroadcaster } = require('../src/realtime/ticket-events.broadcaster');
  const { DataSource } = require('typeorm');

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'socket-fanout-'));
  const pg = await startEmbeddedPostgres({ databaseDir: path.join(dir, 'db'), persistent: false });
  await ensureDatabase(pg, 'bench');
  await runMigrationsOn(pg.url('bench'));
  const config = loadAppConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    PORT: '0',
    PUBLIC_URL: 'http://127.0.0.1',
    DATABASE_URL: pg.url('bench'),
    DB_RUN_MIGRATIONS: 'false',
    BITRIX_INBOUND_URL: 'http://127.0.0.1:9/rest/1/not-configured/',
    BITRIX_APP_TOKEN: randomBytes(16).toString('hex'),
    STORAGE_DRIVER: 'local',
    STORAGE_LOCAL_DIR: path.join(dir, 'storage'),
    MAIL_TRANSPORT: 'file',
    MAIL_DIR: path.join(dir, 'mail'),
    BCRYPT_COST: '4',
    COOKIE_SECURE: 'false',
    ACCESS_TOKEN_TTL_SECONDS: '3600',
    ...benchSecrets(),
  });
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${app.getHttpServer().address().port}`;

  const user = { full_name: 'Bench User', email: 'bench@carvalima.test', password: 'SenhaSegura123', department: 'TI', filial: 'Matriz', cpf: '529.982.247-25', matricula: '4242' };
  const registered = await fetch(`${url}/auth/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(user) });
  if (registered.status !== 201) throw new Error(`register: ${registered.status} ${await registered.text()}`);
  const { id: userId } = await registered.json();
  const login = await fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ matricula: user.matricula, password: user.password }),
  });
  if (login.status !== 200) throw new Error(`login: ${login.status} ${await login.text()}`);
  const token = (await login.json()).token.access_token;
  const bitrixDealId = 837;
  await app.get(DataSource).query('INSERT INTO deals (deal_id, title, user_id, opened, closed) VALUES ($1, $2, $3, $4, $5)', [bitrixDealId, 'Bench', userId, 'Y', 'N']);
  const broadcaster = app.get(TicketEventsBroadcaster);

  const memory = () => {
    global.gc?.();
    global.gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    return { rss, heapUsed };
  };

  process.on('message', async (message) => {
    if (message.type === 'memory') process.send({ type: 'memory', ...memory() });
    if (message.type === 'broadcast') {
      const sentAt = nowMs();
      await broadcaster.activityAdded(
        { requesterUserId: userId, responsibleUserId: null },
        {
          event: 'new_comment',
          deal_id: bitrixDealId,
          activity: { id: message.round, activity_id: 9876, type_id: '2', description: 'Estou analisando o problema...', responsible_name: 'João Tech', created_at: new Date().toISOString(), sent_at: sentAt },
        },
      );
      process.send({ type: 'emitted', tookMs: nowMs() - sentAt });
    }
    if (message.type === 'stop') {
      await app.close();
      await pg.stop();
      fs.rmSync(dir, { recursive: true, force: true });
      process.exit(0);
    }
  });
  process.send({ type: 'ready', url, token, bitrixDealId });
}

// ---------------------------------------------------------------- clients (child processes)

function runClients() {
  const { io } = require('socket.io-client');
  let sockets = [];
  let round = { latencies: [], armed: false };
  process.on('message', async (message) => {
    if (message.type === 'connect') {
      for (let i = 0; i < message.count; i += 50) {
        const batch = await Promise.all(Array.from({ length: Math.min(50, message.count - i) }, () => connect(io, message.url, message.token, message.bitrixDealId)));
        for (const socket of batch) {
          socket.on('new_comment', (payload) => {
            round.latencies.push(nowMs() - payload.activity.sent_at);
            if (round.armed && round.latencies.length === sockets.length) {
              round.armed = false;
              process.send({ type: 'round', latencies: round.latencies });
            }
          });
        }
        sockets.push(...batch);
      }
      process.send({ type: 'connected' });
    }
    if (message.type === 'disconnect') {
      sockets.forEach((socket) => socket.close());
      sockets = [];
      process.send({ type: 'disconnected' });
    }
    if (message.type === 'arm') {
      round = { latencies: [], armed: true };
      process.send({ type: 'armed' });
    }
    if (message.type === 'stop') {
      sockets.forEach((socket) => socket.close());
      process.exit(0);
    }
  });
}

// ---------------------------------------------------------------- benchmark (parent process)

/** Request/response over a child's IPC channel: `reply(type)` resolves with the next message of that type. */
function channel(child) {
  const queued = [];
  const waiters = [];
  child.on('message', (message) => {
    const waiter = waiters.findIndex((w) => w.type === message.type);
    if (waiter >= 0) waiters.splice(waiter, 1)[0].resolve(message);
    else queued.push(message);
  });
  child.on('exit', (code) => code && (console.error(`a bench process exited with ${code}`), process.exit(1)));
  return {
    send: (message) => child.send(message),
    reply: (type) =>
      new Promise((resolve) => {
        const index = queued.findIndex((m) => m.type === type);
        if (index >= 0) resolve(queued.splice(index, 1)[0]);
        else waiters.push({ type, resolve });
      }),
    exited: () => new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve))),
  };
}

async function runBenchmark() {
  const clients = option('clients', 1000);
  const rounds = option('rounds', 20);
  const warmup = option('warmup', 3);
  // Clients are spread over a few processes, as browsers are spread over machines.
  const clientProcesses = option('client-processes', 2);
  const self = fileURLToPath(import.meta.url);

  const server = channel(fork(self, ['--server'], { execArgv: ['--expose-gc'] }));
  const booted = Date.now();
  const { url, token, bitrixDealId } = await server.reply('ready');
  console.log(`server ready in ${((Date.now() - booted) / 1000).toFixed(1)} s at ${url} (PostgreSQL adapter)`);

  const workers = Array.from({ length: clientProcesses }, () => channel(fork(self, ['--clients'])));
  // Warm the handshake and join paths once, then take the baseline.
  workers[0].send({ type: 'connect', url, token, bitrixDealId, count: 1 });
  await workers[0].reply('connected');
  workers[0].send({ type: 'disconnect' });
  await workers[0].reply('disconnected');
  await sleep(500);
  server.send({ type: 'memory' });
  const before = await server.reply('memory');

  const connectStarted = Date.now();
  await Promise.all(
    workers.map((worker, index) => {
      const count = Math.floor(clients / clientProcesses) + (index < clients % clientProcesses ? 1 : 0);
      worker.send({ type: 'connect', url, token, bitrixDealId, count });
      return worker.reply('connected');
    }),
  );
  const connectSeconds = (Date.now() - connectStarted) / 1000;
  console.log(`${clients} clients (${clientProcesses} processes) connected and joined the room in ${connectSeconds.toFixed(1)} s`);

  await sleep(2000);
  server.send({ type: 'memory' });
  const after = await server.reply('memory');

  const latencies = [];
  const roundTimes = [];
  const firstTimes = [];
  const emitTimes = [];
  for (let index = 0; index < warmup + rounds; index++) {
    workers.forEach((worker) => worker.send({ type: 'arm' }));
    await Promise.all(workers.map((worker) => worker.reply('armed')));
    server.send({ type: 'broadcast', round: index });
    const [{ tookMs }, ...results] = await Promise.all([server.reply('emitted'), ...workers.map((worker) => worker.reply('round'))]);
    const received = results.flatMap((result) => result.latencies);
    if (index >= warmup) {
      latencies.push(...received);
      roundTimes.push(Math.max(...received));
      firstTimes.push(Math.min(...received));
      emitTimes.push(tookMs);
    }
    await sleep(100);
  }

  const sorted = latencies.sort((a, b) => a - b);
  const pct = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  const perConnection = (after.rss - before.rss) / clients;
  const heapPerConnection = (after.heapUsed - before.heapUsed) / clients;
  console.log('');
  console.log(`fan-out: ${clients} clients x ${rounds} broadcasts (after ${warmup} warm-up), ${sorted.length} deliveries`);
  console.log(`  delivery latency  p50 ${pct(50).toFixed(1)} ms   p95 ${pct(95).toFixed(1)} ms   p99 ${pct(99).toFixed(1)} ms   max ${sorted[sorted.length - 1].toFixed(1)} ms`);
  console.log(`  per broadcast (median of rounds): first client ${median(firstTimes).toFixed(1)} ms, last client ${median(roundTimes).toFixed(1)} ms; broadcaster call returned after ${median(emitTimes).toFixed(1)} ms`);
  if (process.argv.includes('--verbose')) console.log(`  per round first/last: ${firstTimes.map((f, i) => `${f.toFixed(0)}/${roundTimes[i].toFixed(0)}`).join(' ')}`);
  console.log(`  target p99 < 200 ms: ${pct(99) < 200 ? 'PASS' : 'FAIL'}`);
  console.log(`  memory per idle connection (server RSS delta / ${clients}): ${(perConnection / 1024).toFixed(1)} KiB (heap ${(heapPerConnection / 1024).toFixed(1)} KiB)`);
  console.log(`  server RSS ${(before.rss / 2 ** 20).toFixed(0)} MiB -> ${(after.rss / 2 ** 20).toFixed(0)} MiB`);

  workers.forEach((worker) => worker.send({ type: 'stop' }));
  server.send({ type: 'stop' });
  await Promise.all([server, ...workers].map((child) => child.exited()));
  process.exit(pct(99) < 200 ? 0 : 1);
}

function connect(io, url, token, bitrixDealId) {
  return new Promise((resolve, reject) => {
    const socket = io(url, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true, timeout: 20_000 });
    socket.once('connect_error', reject);
    socket.once('connect', async () => {
      const ack = await socket.timeout(20_000).emitWithAck('join_deal', { deal_id: bitrixDealId });
      if (ack.ok) resolve(socket);
      else reject(new Error(`join_deal refused: ${JSON.stringify(ack)}`));
    });
  });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
