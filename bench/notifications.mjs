#!/usr/bin/env node
// Notification fan-out benchmark (issue 19): 1,000 notification events (new tickets written through the mirror's
// DealsRepository.upsertFromBitrix, the path a Bitrix webhook takes, each recording its event in its transaction)
// fanned out by the outbox to department channels on local Teams and Slack receivers; prints the time to the last
// delivery, deliveries per second, per-message latency (commit of the ticket -> receiver got the post) and the
// requests each channel received.
//
//   node bench/notifications.mjs [--events 1000] [--departments 10] [--spacing off|production] [--concurrency 8]
//
// The app runs in this process from src/ (ts-node with swc), on a throw-away embedded PostgreSQL with migrations
// applied; the receivers are node:http servers on 127.0.0.1 in this process too, answering 202 (Teams) / 200
// (Slack) at once. Each department has one Teams and one Slack channel, so 1,000 events are 2,000 deliveries.
// `--spacing off` sets NOTIFICATIONS_TEAMS/SLACK_MIN_INTERVAL_MS to 0 (the pipeline's own throughput);
// `production` keeps the defaults (250 ms per Teams webhook, 1 s per Slack webhook), which then bound the run.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchSecrets } from './support.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const EVENTS = Number(arg('events', 1000));
const DEPARTMENTS = Number(arg('departments', 10));
const SPACING = arg('spacing', 'off');
const CONCURRENCY = arg('concurrency', '8');

require('ts-node').register({ transpileOnly: true, swc: true, project: path.join(root, 'tsconfig.json') });
require('reflect-metadata');
const { startEmbeddedPostgres, ensureDatabase } = await import('../scripts/embedded-postgres.mjs');
const { runMigrationsOn } = require('../src/database/migrate');
const { loadAppConfig } = require('../src/config/config.loader');
const { createApp } = require('../src/app.setup');
const { DealsRepository } = require('../src/tickets/deals.repository');
const { NotificationSettingsService } = require('../src/notifications/notification-settings.service');
const { DataSource } = require('typeorm');

// --- receivers ---------------------------------------------------------------------------------
const received = new Map(); // path -> count
const deliveredAt = new Map(); // `${kind}:${ticket}` -> ms
let lastAt = 0;
const receiver = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const kind = req.url.startsWith('/teams') ? 'teams' : 'slack';
    const text = kind === 'teams' ? body.attachments[0].content.body[0].text : body.text;
    const ticket = Number(/#(\d+)/.exec(text)[1]);
    received.set(req.url, (received.get(req.url) ?? 0) + 1);
    const now = performance.now();
    deliveredAt.set(`${kind}:${ticket}`, now);
    lastAt = now;
    res.writeHead(kind === 'teams' ? 202 : 200).end('ok');
  });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
const receiverUrl = `http://127.0.0.1:${receiver.address().port}`;

// --- app ---------------------------------------------------------------------------------------
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'notifications-bench-'));
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
  BITRIX_PORTAL_CHECK: 'off',
  STORAGE_DRIVER: 'local',
  STORAGE_LOCAL_DIR: path.join(dir, 'storage'),
  MAIL_TRANSPORT: 'file',
  MAIL_DIR: path.join(dir, 'mail'),
  WEBHOOK_RECONCILE_CRON: 'off',
  NOTIFICATIONS_SLA_CHECK_SECONDS: '0',
  NOTIFICATIONS_WEBHOOK_HOSTS: '127.0.0.1',
  NOTIFICATIONS_CONCURRENCY: CONCURRENCY,
  ...(SPACING === 'off' ? { NOTIFICATIONS_TEAMS_MIN_INTERVAL_MS: '0', NOTIFICATIONS_SLACK_MIN_INTERVAL_MS: '0' } : {}),
  ...benchSecrets(),
});
const app = await createApp(config);
await app.init();
const settings = app.get(NotificationSettingsService);
const departments = Array.from({ length: DEPARTMENTS }, (_, i) => `Depto ${i + 1}`);
for (const [i, department] of departments.entries()) {
  await settings.createChannel({ department, kind: 'teams', url: `${receiverUrl}/teams/${i}?sig=x` });
  await settings.createChannel({ department, kind: 'slack', url: `${receiverUrl}/slack/${i}` });
}

// --- produce -----------------------------------------------------------------------------------
const deals = app.get(DealsRepository);
const committedAt = new Map();
const started = performance.now();
let next = 0;
async function producer() {
  while (next < EVENTS) {
    const n = next++;
    const bitrixDealId = 100_000 + n;
    const now = new Date();
    await deals.upsertFromBitrix({
      bitrixDealId,
      fields: { title: `Chamado de carga ${n}`, priority: 'Médio', assigneeDepartment: departments[n % DEPARTMENTS], opened: 'Y', closed: 'N', createdAt: now, dateDeadline: new Date(now.getTime() + 86_400_000) },
      bitrixModifiedAt: now,
      requesterUserId: null,
    });
    committedAt.set(bitrixDealId, performance.now());
  }
}
await Promise.all(Array.from({ length: 10 }, producer));
const produced = performance.now();
const expected = EVENTS * 2;
const deadline = Date.now() + 30 * 60_000;
while (deliveredAt.size < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
await new Promise((r) => setTimeout(r, 1000)); // anything posted twice would arrive now

const latencies = [...deliveredAt.entries()].map(([key, at]) => at - committedAt.get(Number(key.split(':')[1]))).sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
const requests = [...received.values()];
const perKind = (kind) => [...received.entries()].filter(([p]) => p.startsWith(`/${kind}`)).reduce((s, [, n]) => s + n, 0);
const [states] = await Promise.all([app.get(DataSource).query('SELECT state, count(*)::int AS n FROM notification_deliveries GROUP BY state ORDER BY state')]);

console.log(`notifications fan-out: ${EVENTS} events -> ${expected} deliveries (${DEPARTMENTS} departments x Teams + Slack), spacing ${SPACING}, concurrency ${CONCURRENCY}`);
console.log(`  events recorded (10 producers, one transaction each): ${(produced - started).toFixed(0)} ms`);
console.log(`  time to last delivery (from the first event):       ${(lastAt - started).toFixed(0)} ms`);
console.log(`  deliveries per second:                              ${(deliveredAt.size / ((lastAt - started) / 1000)).toFixed(1)}`);
console.log(`  latency commit -> receiver (ms): p50 ${pct(50).toFixed(0)}, p95 ${pct(95).toFixed(0)}, p99 ${pct(99).toFixed(0)}, max ${latencies.at(-1).toFixed(0)}`);
console.log(`  requests: Teams ${perKind('teams')}, Slack ${perKind('slack')}; per channel min ${Math.min(...requests)}, max ${Math.max(...requests)} (expected ${EVENTS / DEPARTMENTS} each)`);
console.log(`  distinct deliveries received: ${deliveredAt.size}/${expected}; outbox rows: ${states.map((s) => `${s.state} ${s.n}`).join(', ')}`);

await app.close();
receiver.close();
await pg.stop();
fs.rmSync(dir, { recursive: true, force: true });
process.exit(deliveredAt.size === expected && perKind('teams') + perKind('slack') === expected ? 0 : 1);
