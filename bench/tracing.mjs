// Tracing cost (issue 18): the same requests against two app processes on one database, one with tracing off (no
// OTEL_* variable: no SDK loaded) and one exporting every span by OTLP/HTTP to a local sink that discards them.
// Two paths: the webhook intake (Bitrix24's form post, the fast path ahead of Express: server span, webhook.intake,
// the inbox INSERT's pg span, its traceparent stored) and a paged listing (`GET /tickets/{id}?limit=20`: server,
// Express and pg spans). Each at full speed (no rate cap) for --duration seconds after a warm-up; the modes
// alternate (off, on, then on, off, ...) for --rounds rounds, since the machine is shared. Workers are off on both
// instances, so no background job competes with the measured requests.
//
// First, in this process (no SDK registered, as in the app with tracing off): what our span calls cost per event
// with the API's no-ops, against calling the same work directly.
//
// Run: npm run build && node bench/tracing.mjs [--duration 10] [--rounds 4] [--connections 20] [--span-names]
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';
import pg from 'pg';
import { ensureBuilt, load, median, numberArg, printTable, registerAndLogin, ROOT, startApp, startInfra } from './support.mjs';

const require = createRequire(import.meta.url);
const DURATION = numberArg('duration', 10);
const ROUNDS = numberArg('rounds', 4);
const CONNECTIONS = numberArg('connections', 20);
const TICKETS = 100;
const SPAN_NAMES = process.argv.includes('--span-names');

/**
 * An OTLP/HTTP endpoint that reads and discards what it gets (counts requests and bytes). With --span-names it also
 * parses the JSON and counts spans by name (costs the load generator's CPU: for a look at what is exported, not for
 * the timings).
 */
async function startSink() {
  const stats = { requests: 0, bytes: 0, names: new Map() };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => {
      stats.bytes += chunk.length;
      if (SPAN_NAMES) chunks.push(chunk);
    });
    req.on('end', () => {
      stats.requests += 1;
      if (SPAN_NAMES) {
        for (const resource of JSON.parse(Buffer.concat(chunks).toString('utf8')).resourceSpans ?? []) {
          for (const scope of resource.scopeSpans ?? []) {
            for (const span of scope.spans ?? []) {
              const key = `${scope.scope?.name ?? '?'}: ${span.name.replace(/\d+/g, 'N')}`;
              stats.names.set(key, (stats.names.get(key) ?? 0) + 1);
            }
          }
        }
      }
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, stats, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** Requests the app answered on a route so far, from its own metric (warm-up included, unlike `load`'s counts). */
async function requestsServed(url, route) {
  const text = await (await fetch(`${url}/metrics`)).text();
  let n = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('http_request_duration_seconds_count{') && line.includes(`route="${route}"`)) n += Number(line.split(' ').pop());
  }
  return n;
}

async function seed(databaseUrl, requesterId) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(
    `INSERT INTO deals (deal_id, title, description, stage_id, opened, closed, created_by_id, assignee_department, priority,
                        responsible, responsible_email, user_id, date_deadline, begin_date, created_at)
     SELECT 300000 + g, 'Sistema travando #' || g, 'Ao gerar o relatório o sistema congela. ' || repeat('Detalhes. ', 5),
            'C19:NEW', 'Y', 'N', '5', 'TI', 'Alto', 'João Tech', 'joao.tech@carvalima.test', $1,
            now() + interval '4 hours', now(), now() - (g || ' minutes')::interval
       FROM generate_series(1, $2) g`,
    [requesterId, TICKETS],
  );
  await client.query(
    `INSERT INTO activities (activity_id, bitrix_source, deal_id, owner_type_id, type_id, direction, subject, description, created_at_bitrix)
     SELECT 700000 + d.id * 10 + n, 'activity', d.id, '2', '4', 'incoming', 'Re: chamado ' || d.deal_id, 'Analisando. ' || n, now()
       FROM deals d, generate_series(1, 3) n`,
  );
  await client.end();
}

/** ns per call of the tracing-off path: `inSpan` + `activeTraceparent` (what the intake adds per event) vs the bare work. */
async function offPathCost() {
  const { inSpan, activeTraceparent, objectAttributes } = require(path.join(ROOT, 'dist/src/common/spans.js'));
  const work = async () => 1;
  const traced = () => inSpan('webhook.intake', {}, async (span) => {
    span.setAttributes(objectAttributes('deal', 1001));
    activeTraceparent();
    return work();
  });
  const N = 300_000;
  const time = async (fn) => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < N; i++) await fn();
    return Number(process.hrtime.bigint() - started) / N;
  };
  const rows = {};
  for (let round = 1; round <= 3; round++) {
    await time(work); // warm-up of both
    await time(traced);
    rows[`round ${round}`] = { 'bare ns/call': Math.round(await time(work)), 'with span calls ns/call': Math.round(await time(traced)) };
  }
  printTable(`Tracing off: our span calls per event, no SDK registered (${N} calls per run)`, rows);
}

async function main() {
  ensureBuilt();
  await offPathCost();
  const { startBitrixEmulator } = require(path.join(ROOT, 'dist/bitrix-emulator/src/index.js'));
  const infra = await startInfra();
  const bitrix = await startBitrixEmulator({ rateLimit: 0 });
  const sink = await startSink();
  const env = { ...infra.appEnv(), BITRIX_INBOUND_URL: bitrix.inboundUrl, BITRIX_APP_TOKEN: bitrix.options.applicationToken, WEBHOOK_WORKERS: 'false', WEBHOOK_RATE_LIMIT: '100000000' };
  const apps = {
    off: await startApp(env),
    on: await startApp({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: sink.url }),
  };
  try {
    const requester = await registerAndLogin(apps.off.url, 0);
    await seed(infra.databaseUrl, requester.id);
    const form = new URLSearchParams({
      event: 'ONCRMDEALUPDATE',
      event_handler_id: '7',
      'data[FIELDS][ID]': '300001',
      ts: String(Math.floor(Date.now() / 1000)),
      'auth[domain]': 'carvalima.bitrix24.com.br',
      'auth[member_id]': 'd897063e1ce7c5eb9f04b9751eef5915',
      'auth[application_token]': bitrix.options.applicationToken,
    }).toString();
    const scenarios = {
      'POST /webhook-bitrix24': (url) => ({ url: `${url}/webhook-bitrix24`, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form }),
      'GET /tickets/{id}?limit=20': (url) => ({ url: `${url}/tickets/${requester.id}?limit=20`, headers: { authorization: requester.authorization } }),
    };
    const routes = { 'POST /webhook-bitrix24': '/webhook-bitrix24', 'GET /tickets/{id}?limit=20': '/tickets/:user_id' };
    // Sanity: both instances answer both requests.
    for (const [mode, app] of Object.entries(apps)) {
      for (const [name, request] of Object.entries(scenarios)) {
        const r = request(app.url);
        const res = await fetch(r.url, { method: r.method ?? 'GET', headers: r.headers, body: r.body });
        if (res.status !== 200) throw new Error(`${mode}: ${name} answered ${res.status}: ${await res.text()}`);
      }
    }
    const results = {};
    for (const name of Object.keys(scenarios)) {
      const rows = {};
      results[name] = { off: [], on: [] };
      for (let round = 1; round <= ROUNDS; round++) {
        const order = round % 2 ? ['off', 'on'] : ['on', 'off'];
        for (const mode of order) {
          const before = { ...sink.stats };
          sink.stats.names.clear();
          const servedBefore = await requestsServed(apps[mode].url, routes[name]);
          const row = await load({ ...scenarios[name](apps[mode].url), connections: CONNECTIONS, duration: DURATION, warmup: 2 });
          const served = (await requestsServed(apps[mode].url, routes[name])) - servedBefore;
          if (mode === 'on') {
            // Spans go out in batches every 5 s (the SDK default): give the last one a moment before counting.
            await new Promise((resolve) => setTimeout(resolve, 5500));
            row.otlpKBperReq = Math.round(((sink.stats.bytes - before.bytes) / 1024 / Math.max(1, served)) * 100) / 100;
          }
          if (mode === 'on' && SPAN_NAMES) {
            const perRequest = Object.fromEntries([...sink.stats.names].sort((a, b) => b[1] - a[1]).map(([k, n]) => [k, Math.round((n / served) * 100) / 100]));
            console.log(`\n${name}: spans exported per request, by scope and name`);
            console.table(perRequest);
          }
          rows[`${mode} #${round}`] = row;
          results[name][mode].push(row);
        }
      }
      printTable(`${name}, ${CONNECTIONS} connections, ${DURATION} s per run, tracing off vs on (OTLP to a discarding sink)`, rows);
    }
    console.log('\nSummary (median of rounds; [min–max]):');
    for (const [name, { off, on }] of Object.entries(results)) {
      const fixed = (n) => Math.round(n * 10) / 10;
      const span = (rows, key) => `${fixed(median(rows.map((r) => r[key])))} [${Math.min(...rows.map((r) => r[key]))}–${Math.max(...rows.map((r) => r[key]))}]`;
      const ratios = off.map((r, i) => on[i].rps / r.rps);
      console.log(
        `${name}: req/s off ${span(off, 'rps')}, on ${span(on, 'rps')}; p99 ms off ${span(off, 'p99')}, on ${span(on, 'p99')}; ` +
          `on/off req/s per round ${ratios.map((r) => r.toFixed(2)).join(' / ')}; failures off ${off.reduce((n, r) => n + r.failures, 0)}, on ${on.reduce((n, r) => n + r.failures, 0)}`,
      );
    }
    console.log(`OTLP sink received ${sink.stats.requests} export requests, ${(sink.stats.bytes / 1024 / 1024).toFixed(1)} MiB in all`);
  } finally {
    await apps.on.stop();
    await apps.off.stop();
    await sink.close();
    await bitrix.close();
    await infra.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
