// Webhook intake benchmark (issue 9): acknowledgement latency of POST /webhook-bitrix24 at a fixed 500
// requests/s (Bitrix24's real form-encoded body with the application token), against a baseline written
// for the benchmark only (bench/baseline-webhook-server.mjs: node:http + pg, one INSERT per event).
// Target: product p99 at most twice the baseline's. The app runs with its workers on, draining the queue
// against the Bitrix24 emulator (2 req/s, burst 50) while events arrive.
//
// The pair runs --rounds times, alternating product and baseline; the verdict is on the median round's ratio
// (both p99s are a few tens of ms on a machine shared with the load generator, so one round swings by ±0.5).
//
// Run: npm run build && node bench/webhook-intake.mjs [--rate 500] [--duration 15] [--connections 20] [--rounds 3]
import { fork } from 'node:child_process';
import path from 'node:path';
import { createRequire } from 'node:module';
import { freePort } from '../scripts/embedded-postgres.mjs';
import { ensureBuilt, load, median, numberArg, printTable, ROOT, startApp, startInfra } from './support.mjs';

const require = createRequire(import.meta.url);
const RATE = numberArg('rate', 500);
const DURATION = numberArg('duration', 15);
const CONNECTIONS = numberArg('connections', 20);
const ROUNDS = numberArg('rounds', 3);

async function main() {
  ensureBuilt();
  const { startBitrixEmulator } = require(path.join(ROOT, 'dist/bitrix-emulator/src/index.js'));
  const infra = await startInfra();
  const bitrix = await startBitrixEmulator({ rateLimit: 2, rateBurst: 50 });
  const deals = Array.from({ length: 100 }, (_, n) => Number(bitrix.createDeal({ TITLE: `Chamado ${n}` }).ID));
  const env = { ...infra.appEnv(), BITRIX_INBOUND_URL: bitrix.inboundUrl, BITRIX_APP_TOKEN: bitrix.options.applicationToken };
  const app = await startApp(env);
  const basePort = await freePort();
  const baseline = fork(path.join(ROOT, 'bench/baseline-webhook-server.mjs'), [String(basePort)], { env: { ...process.env, DATABASE_URL: infra.databaseUrl }, stdio: 'inherit' });
  await new Promise((resolve) => baseline.once('message', resolve));
  try {
    const body = (id) =>
      new URLSearchParams({
        event: 'ONCRMDEALUPDATE',
        event_handler_id: '7',
        'data[FIELDS][ID]': String(id),
        ts: String(Math.floor(Date.now() / 1000)),
        'auth[domain]': 'carvalima.bitrix24.com.br',
        'auth[client_endpoint]': 'https://carvalima.bitrix24.com.br/rest/',
        'auth[server_endpoint]': 'https://oauth.bitrix.info/rest/',
        'auth[member_id]': 'd897063e1ce7c5eb9f04b9751eef5915',
        'auth[application_token]': bitrix.options.applicationToken,
      }).toString();
    const probe = await fetch(`${app.url}/webhook-bitrix24`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body(deals[0]) });
    if (probe.status !== 200) throw new Error(`product answered ${probe.status}: ${await probe.text()}`);
    const rows = {};
    const ratios = [];
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name, url] of [
        [`product #${round}`, `${app.url}/webhook-bitrix24`],
        [`baseline (INSERT only) #${round}`, `http://127.0.0.1:${basePort}/webhook-bitrix24`],
      ]) {
        const request = { url, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: body(deals[1]) };
        rows[name] = await load({ ...request, connections: CONNECTIONS, duration: DURATION, warmup: 3, overallRate: RATE });
      }
      ratios.push(rows[`product #${round}`].p99 / rows[`baseline (INSERT only) #${round}`].p99);
    }
    printTable(`POST /webhook-bitrix24 at ${RATE} requests/s, ${CONNECTIONS} connections, ${DURATION} s`, rows);
    const ratio = median(ratios);
    console.log(
      `product p99 / baseline p99 = ${ratio.toFixed(2)} median of ${ratios.map((r) => r.toFixed(2)).join(' / ')} (target <= 2.00): ${ratio <= 2 ? 'PASS' : 'FAIL'}`,
    );
  } finally {
    await new Promise((r) => {
      baseline.once('exit', r);
      baseline.kill('SIGTERM');
    });
    await app.stop();
    await bitrix.close();
    await infra.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
