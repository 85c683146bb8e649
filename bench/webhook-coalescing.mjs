#!/usr/bin/env node
// Webhook coalescing benchmark (issue 5, outcome 4): a mass update in Bitrix24 sends 1,000 ONCRMDEALUPDATE
// events over 100 deals, one POST at a time. Target: the mirror converges (every acknowledged event
// processed, every deal at its last version) with at most 10 Bitrix HTTP requests and within 15 s, against
// a portal enforcing 2 requests/s with burst 50 (and the app's own limiter at the same settings).
//
//   node bench/webhook-coalescing.mjs [--deals 100] [--versions 10]
//
// No build step, no services: a throw-away embedded PostgreSQL with the migrations applied, the Bitrix24
// emulator (rate limit on) and the real app from src/ (ts-node with swc), all in this process; the
// emulator POSTs its events to the app over real HTTP. Default webhook settings (coalescing window:
// quiet 400 ms, max wait 5 s).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { benchSecrets } from './support.mjs';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const option = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const DEALS = option('deals', 100);
const VERSIONS = option('versions', 10);
const log = (message) => process.stderr.write(`${message}\n`);

require('ts-node').register({ transpileOnly: true, swc: true, project: path.join(root, 'tsconfig.json') });
require('reflect-metadata');
process.env.WEBHOOK_RECONCILE_CRON = 'off';
const { startEmbeddedPostgres, ensureDatabase } = await import('../scripts/embedded-postgres.mjs');
const { runMigrationsOn } = require('../src/database/migrate');
const { loadAppConfig } = require('../src/config/config.loader');
const { createApp } = require('../src/app.setup');
const { startBitrixEmulator } = require('../bitrix-emulator/src');
const { DataSource } = require('typeorm');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webhook-coalescing-'));
const pg = await startEmbeddedPostgres({ databaseDir: path.join(dir, 'db'), persistent: false });
let app;
let bitrix;
try {
  await ensureDatabase(pg, 'bench');
  await runMigrationsOn(pg.url('bench'));
  bitrix = await startBitrixEmulator({ rateLimit: 2, rateBurst: 50, eventDelayMs: 5 });
  const config = loadAppConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'silent',
    PORT: '0',
    PUBLIC_URL: 'http://127.0.0.1',
    DATABASE_URL: pg.url('bench'),
    DB_RUN_MIGRATIONS: 'false',
    BITRIX_INBOUND_URL: bitrix.inboundUrl,
    BITRIX_APP_TOKEN: bitrix.options.applicationToken,
    BITRIX_RATE_LIMIT: '2',
    BITRIX_RATE_BURST: '50',
    STORAGE_DRIVER: 'local',
    STORAGE_LOCAL_DIR: path.join(dir, 'storage'),
    MAIL_TRANSPORT: 'file',
    MAIL_DIR: path.join(dir, 'mail'),
    COOKIE_SECURE: 'false',
    ...benchSecrets(),
  });
  app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  bitrix.options.eventHandlerUrl = `http://127.0.0.1:${app.getHttpServer().address().port}/webhook-bitrix24`;
  const db = app.get(DataSource);
  const unfinished = async () =>
    Number(
      (
        await db.query(
          `SELECT (SELECT count(*) FROM pgboss.job WHERE name = 'bitrix-webhook-event' AND state IN ('created', 'retry', 'active'))
                + (SELECT count(*) FROM webhook_inbox) AS n`,
        )
      )[0].n,
    );
  const titles = async (ids) => new Map((await db.query('SELECT deal_id, title FROM deals WHERE deal_id = ANY($1::int[])', [ids])).map((r) => [r.deal_id, r.title]));
  const waitFor = async (what, check, timeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  log(`Creating ${DEALS} deals and waiting for their mirror...`);
  const ids = Array.from({ length: DEALS }, (_, n) => Number(bitrix.createDeal({ TITLE: `deal ${n} v0` }).ID));
  await bitrix.flush();
  await waitFor('deals mirrored', async () => (await titles(ids)).size === DEALS && (await unfinished()) === 0, 60_000);
  bitrix.resetStats();

  log(`Sending ${DEALS * VERSIONS} ONCRMDEALUPDATE events...`);
  const started = Date.now();
  for (let version = 1; version <= VERSIONS; version++) for (const id of ids) bitrix.updateDeal(id, { TITLE: `deal ${id} v${version}` });
  await bitrix.flush();
  const deliveredAfter = (Date.now() - started) / 1000;
  await waitFor(
    'convergence',
    async () => {
      const now = await titles(ids);
      return ids.every((id) => now.get(id) === `deal ${id} v${VERSIONS}`) && (await unfinished()) === 0;
    },
    120_000,
  );
  const seconds = (Date.now() - started) / 1000;
  const delivered = bitrix.deliveries.filter((d) => d.event === 'ONCRMDEALUPDATE' && d.outcome === 'delivered').length;
  const stats = bitrix.stats;
  const result = {
    events_acknowledged: delivered,
    deals: DEALS,
    bitrix_http_requests: stats.httpRequests,
    requests_by_method: stats.byMethod,
    rejected_by_rate_limit: stats.rejectedByRateLimit,
    all_delivered_after_s: Number(deliveredAfter.toFixed(2)),
    converged_after_s: Number(seconds.toFixed(2)),
    target: '<= 10 requests, <= 15 s',
    pass: stats.httpRequests <= 10 && seconds <= 15 && delivered === DEALS * VERSIONS,
  };
  console.log(JSON.stringify(result, null, 2));
  process.exitCode = result.pass ? 0 : 1;
} finally {
  await app?.close();
  await bitrix?.close();
  await pg.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
