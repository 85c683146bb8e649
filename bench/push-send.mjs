#!/usr/bin/env node
// Web Push sender benchmark (issue 19): what one browser notification costs this service, and how fast
// WebPushSender.send fans a notice out to many browsers through a push service.
//
//   node bench/push-send.mjs [--subscriptions 1000] [--concurrency 1,10,50]
//
// How it runs (no build step, no database: the sender needs only its settings):
//   - a CHILD process (this script forked with --push-service) runs the tests' push service
//     (test/support/push-service.ts, loaded through ts-node/swc) on 127.0.0.1 over HTTPS: it verifies every
//     request's VAPID JWT and decrypts its aes128gcm body, as a real push service would, and creates the N
//     browser subscriptions (P-256 key pair + auth secret each). It runs in its own process so its work is
//     not counted as the sender's.
//   - this process builds WebPushSender from src/ with a VAPID key pair (settings through loadAppConfig),
//     trusts the child's self-signed certificate (tls.setDefaultCACertificates), and
//       1. times the per-message work alone: buildPushMessage + web-push's generateRequestDetails (payload
//          encryption, RFC 8291, and the VAPID ES256 JWT) for N messages, no network;
//       2. for each concurrency C: sends one notice to each of the N subscriptions, C at a time, and reports wall
//          time, sends/s, latency per send (p50/p95/p99) and this process's CPU per send; then checks with the
//          child that it verified and decrypted exactly N messages, and refused none.
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

function option(name, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
}

function registerTs() {
  require('ts-node').register({ transpileOnly: true, swc: true, project: path.join(root, 'tsconfig.json') });
  require('reflect-metadata');
}

if (process.argv.includes('--push-service')) await runPushService();
else await runBenchmark();

// ---------------------------------------------------------------- push service (child process)

async function runPushService() {
  registerTs();
  const { startPushService } = require('../test/support/push-service');
  const publicKey = option('vapid', '');
  const count = Number(option('subscriptions', 1000));
  const service = await startPushService(publicKey);
  const subscriptions = Array.from({ length: count }, () => {
    const s = service.subscribe();
    return { endpoint: s.endpoint, keys: s.keys };
  });
  process.on('message', (message) => {
    if (message === 'stats') process.send({ received: service.received.length, refused: service.refused.length, refusedSample: service.refused.slice(0, 3) });
    if (message === 'reset') {
      service.received.length = 0;
      process.send({ reset: true });
    }
    if (message === 'stop') void service.close().then(() => process.exit(0));
  });
  process.send({ ready: true, origin: service.origin, certificatePem: service.certificatePem, subscriptions });
}

// ---------------------------------------------------------------- benchmark (this process)

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function runBenchmark() {
  registerTs();
  const webpush = require('web-push');
  const { loadAppConfig } = require('../src/config/config.loader');
  const { WebPushSender } = require('../src/notifications/push/web-push.sender');
  const { buildPushMessage } = require('../src/notifications/push/push-message');
  const count = Number(option('subscriptions', 1000));
  const concurrencies = String(option('concurrency', '1,10,50')).split(',').map(Number);
  const vapid = webpush.generateVAPIDKeys();

  const child = fork(fileURLToPath(import.meta.url), ['--push-service', '--vapid', vapid.publicKey, '--subscriptions', String(count)], { stdio: 'inherit' });
  const ask = (message) => new Promise((resolve) => { child.once('message', resolve); child.send(message); });
  const ready = await new Promise((resolve) => child.once('message', resolve));
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), ready.certificatePem]);

  const config = loadAppConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    DATABASE_URL: 'postgres://unused@127.0.0.1:9/unused',
    BITRIX_INBOUND_URL: 'http://127.0.0.1:9/rest/1/unused/',
    BITRIX_APP_TOKEN: 'bench-app-token',
    STORAGE_DRIVER: 'local',
    MAIL_TRANSPORT: 'file',
    JWT_SECRET: 'j'.repeat(32),
    JWT_REFRESH_SECRET: 'r'.repeat(32),
    CPF_ENCRYPTION_KEY: 'a'.repeat(64),
    CPF_HMAC_KEY: 'h'.repeat(32),
    VAPID_PUBLIC_KEY: vapid.publicKey,
    VAPID_PRIVATE_KEY: vapid.privateKey,
    VAPID_SUBJECT: 'mailto:ti@carvalima.test',
    PUSH_ENDPOINT_HOSTS: '127.0.0.1',
  });
  const sender = new WebPushSender(config);
  const notice = {
    event: 'ticket_commented',
    ticket: { number: 1001, title: 'Servidor de arquivos fora do ar', priority: 'Crítico', requester: 'Maria Santos', assigneeDepartment: 'TI', deadline: new Date().toISOString(), url: 'https://helpdesk.carvalima.test/chamados/1001' },
    comment: { author: 'João (TI)', excerpt: 'Reiniciei o serviço de arquivos; pode testar de novo, por favor?' },
  };
  const destinations = ready.subscriptions.map((s, i) => ({ id: i + 1, userId: i + 1, endpoint: s.endpoint, keys: s.keys }));

  console.log(`Web Push sender: ${count} subscriptions at a local HTTPS push service (VAPID verified, aes128gcm decrypted, in another process)`);
  console.log(`Node ${process.version}, ${(await import('node:os')).cpus().length} cores, load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')}`);

  // 1. The per-message work alone.
  const vapidDetails = { subject: 'mailto:ti@carvalima.test', publicKey: vapid.publicKey, privateKey: vapid.privateKey };
  for (let i = 0; i < 50; i++) webpush.generateRequestDetails(destinations[i % count], buildPushMessage(notice).text, { vapidDetails });
  const cpu0 = process.cpuUsage();
  const t0 = nowMs();
  for (let i = 0; i < count; i++) webpush.generateRequestDetails(destinations[i], buildPushMessage(notice).text, { vapidDetails, TTL: 86400, urgency: 'high' });
  const elapsed = nowMs() - t0;
  const cpu = process.cpuUsage(cpu0);
  console.log(`\nper message, no network (encrypt + VAPID JWT + payload): ${((elapsed / count) * 1000).toFixed(0)} µs wall, ${((cpu.user + cpu.system) / count).toFixed(0)} µs CPU`);

  // 2. Fan-out through the push service.
  console.log('\n| concurrency | wall ms | sends/s | p50 ms | p95 ms | p99 ms | sender CPU µs/send | delivered | verified+decrypted by the push service |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  let failed = false;
  for (const concurrency of concurrencies) {
    await ask('reset');
    const latencies = [];
    const outcomes = {};
    let next = 0;
    const cpuStart = process.cpuUsage();
    const start = nowMs();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < destinations.length) {
          const destination = destinations[next++];
          const sentAt = nowMs();
          const outcome = await sender.send(destination, notice);
          latencies.push(nowMs() - sentAt);
          outcomes[outcome.kind] = (outcomes[outcome.kind] ?? 0) + 1;
        }
      }),
    );
    const wall = nowMs() - start;
    const usage = process.cpuUsage(cpuStart);
    const stats = await ask('stats');
    latencies.sort((a, b) => a - b);
    const delivered = outcomes.delivered ?? 0;
    if (delivered !== count || stats.received !== count || stats.refused !== 0) failed = true;
    console.log(
      `| ${concurrency} | ${wall.toFixed(0)} | ${((count / wall) * 1000).toFixed(0)} | ${percentile(latencies, 50).toFixed(1)} | ${percentile(latencies, 95).toFixed(1)} | ${percentile(latencies, 99).toFixed(1)} | ${((usage.user + usage.system) / count).toFixed(0)} | ${delivered}/${count} | ${stats.received}${stats.refused ? ` (refused ${stats.refused}: ${stats.refusedSample.join('; ')})` : ''} |`,
    );
    if (delivered !== count) console.log(`  outcomes: ${JSON.stringify(outcomes)}`);
  }
  child.send('stop');
  if (failed) {
    console.error('Not every notice was delivered, verified and decrypted exactly once.');
    process.exit(1);
  }
  process.exit(0);
}
