// Listing benchmark (issue 9): GET /tickets/{user_id} for a user with 200 tickets, each with 5 activities
// and 1 file, in full and with limit=20, at 50 concurrent connections — against a baseline written for
// the benchmark only (bench/baseline-listing-server.mjs: node:http + pg, JWT check, one SQL query, presigning).
// Targets (issue 9, raised by issue 18): product/baseline req/s >= 0.90 full and >= 0.70 paged; full p99 <= 1.5x the
// baseline's with no request over 10 s; paged p99 <= 2x; the 304 path >= 5x the baseline's full req/s.
// Also prints the app's resident memory idle and under this load.
// The full and paged pairs run --rounds times, alternating product and baseline: on two cores shared with the load
// generator and PostgreSQL, one run's p99 ratio swings by ±0.5, so the verdicts are on the median round.
//
// Run: npm run build && node bench/listing.mjs [--duration 20] [--connections 50] [--rounds 3]
//        [--only full|paged|304] [--trace]
// --only runs one scenario; --trace preloads bench/phase-trace.cjs into the app and the baseline and prints, per run,
// where the requests' time went (bench/listing-phases.mjs).
import { fork } from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../scripts/embedded-postgres.mjs';
import { printPhaseReport, phaseReport } from './listing-phases.mjs';
import { appNodeArgs, ensureBuilt, load, median, numberArg, printTable, registerAndLogin, ROOT, rssMiB, startApp, startInfra, wireBytes } from './support.mjs';

const DURATION = numberArg('duration', 20);
const CONNECTIONS = numberArg('connections', 50);
const ROUNDS = numberArg('rounds', 3);
const TICKETS = 200;
const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
const TRACE = process.argv.includes('--trace');
const scenario = (name) => !ONLY || ONLY === name;

// With --trace, the load generator's side of each connection: created, connected, first and last byte received.
const clientSockets = [];
if (TRACE) {
  diagnostics.subscribe('net.client.socket', ({ socket }) => {
    const entry = { created: Date.now() };
    clientSockets.push(entry);
    socket.once('connect', () => Object.assign(entry, { connected: Date.now(), port: socket.localPort }));
    socket.on('data', () => {
      entry.firstData ??= Date.now();
    });
  });
}

async function seed(databaseUrl, requesterId, responsibleId) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(
    `INSERT INTO deals (deal_id, title, description, stage_id, opened, closed, created_by_id, requester_department,
                        assignee_department, service_category, system_type, priority, matricula, responsible,
                        responsible_email, requester_email, responsible_id, user_id, date_deadline, begin_date, created_at)
     SELECT 100000 + g, 'Sistema travando ao gerar relatório #' || g,
            'Ao clicar em Gerar Relatório, o sistema congela e precisa ser reiniciado. ' || repeat('Detalhes do erro. ', 5),
            'C19:NEW', 'Y', 'N', '5', 'Financeiro', 'TI', 'Sistema Financeiro', 'ERP', 'Alto', '87654321',
            'João Tech', 'joao.tech@carvalima.test', 'maria@carvalima.test', $2, $1,
            now() + interval '4 hours', now(), now() - (g || ' minutes')::interval
       FROM generate_series(1, $3) g`,
    [requesterId, responsibleId, TICKETS],
  );
  await client.query(
    `INSERT INTO deal_files (deal_id, file_id, file_url, filename)
     SELECT d.id, d.deal_id, 'attachments/' || md5(d.id::text) || '/screenshot.png', 'screenshot.png' FROM deals d`,
  );
  await client.query(
    `INSERT INTO activities (activity_id, bitrix_source, deal_id, owner_type_id, type_id, direction, subject, description,
                             responsible_name, responsible_email, created_at_bitrix)
     SELECT 500000 + d.id * 10 + n, 'activity', d.id, '2', CASE WHEN n % 2 = 0 THEN '4' ELSE '2' END,
            CASE WHEN n % 2 = 0 THEN 'incoming' ELSE 'outgoing' END, 'Re: chamado ' || d.deal_id,
            'Estou analisando o problema. Aguarde um retorno em breve. ' || n, 'João Tech', 'joao.tech@carvalima.test',
            now() - (n || ' minutes')::interval
       FROM deals d, generate_series(1, 5) n`,
  );
  await client.end();
}

async function main() {
  ensureBuilt();
  const infra = await startInfra();
  const env = { ...infra.appEnv(), BITRIX_INBOUND_URL: 'http://127.0.0.1:9/rest/1/unused/', BITRIX_APP_TOKEN: 'bench-application-token' };
  const traceDir = TRACE ? fs.mkdtempSync(path.join(os.tmpdir(), 'listing-trace-')) : null;
  const traceArgs = TRACE ? ['--require', path.join(ROOT, 'bench/phase-trace.cjs')] : [];
  const traceFiles = { product: traceDir && path.join(traceDir, 'product.json'), baseline: traceDir && path.join(traceDir, 'baseline.json') };
  const app = await startApp({ ...env, ...(TRACE ? { PHASE_TRACE_FILE: traceFiles.product } : {}) }, { nodeArgs: [...appNodeArgs(), ...traceArgs] });
  const stops = [() => app.stop(), () => infra.stop()];
  try {
    const requester = await registerAndLogin(app.url, 0);
    const responsible = await registerAndLogin(app.url, 1);
    const { cookie } = requester;
    await seed(infra.databaseUrl, requester.id, responsible.id);

    const basePort = await freePort();
    const baseline = fork(path.join(ROOT, 'bench/baseline-listing-server.mjs'), [String(basePort)], {
      env: { ...process.env, ...env, ...(TRACE ? { PHASE_TRACE_FILE: traceFiles.baseline } : {}) },
      execArgv: [...appNodeArgs(), ...traceArgs],
      stdio: 'inherit',
    });
    await new Promise((resolve) => baseline.once('message', resolve));
    stops.unshift(() => new Promise((r) => { baseline.once('exit', r); baseline.kill('SIGTERM'); }));
    const baseUrl = `http://127.0.0.1:${basePort}`;

    // Sanity: both answer 200 with the same number of tickets and activities.
    for (const [name, url] of [['product', app.url], ['baseline', baseUrl]]) {
      const res = await fetch(`${url}/tickets/${requester.id}`, { headers: { cookie } });
      const body = await res.json();
      if (res.status !== 200 || body.length !== TICKETS || body[0].activities.length !== 5 || body[0].files.length !== 1) {
        throw new Error(`${name} answered ${res.status} with ${Array.isArray(body) ? body.length : JSON.stringify(body).slice(0, 200)}`);
      }
      const paged = await (await fetch(`${url}/tickets/${requester.id}?limit=20`, { headers: { cookie } })).json();
      if (paged.length !== 20) throw new Error(`${name} paged answered ${paged.length} tickets`);
    }

    // Bytes of one full listing on the wire, by the encoding the client accepts (issue 18), and the time to
    // the last byte of each over a 10 Mbit/s branch link (bytes × 8 / 10^7 s, transfer only).
    const wire = {};
    for (const accept of ['identity', 'gzip', 'br']) {
      const { bytes, encoding } = await wireBytes(`${app.url}/tickets/${requester.id}`, { cookie }, accept);
      wire[accept] = { encoding, bytes, 'vs identity': '', 'ms at 10 Mbit/s': Math.round((bytes * 8) / 10_000) };
    }
    for (const row of Object.values(wire)) row['vs identity'] = `${((100 * row.bytes) / wire.identity.bytes).toFixed(1)}%`;
    printTable(`Bytes of one full listing (${TICKETS} tickets) by Accept-Encoding`, wire);

    const rssIdle = rssMiB(app.pid);
    const rows = {};
    const windows = []; // [run name, server, measured window] for the phase reports
    let rssPeak = rssIdle;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMiB(app.pid))), 250);
    const run = async (name, server, url, headers = {}) => {
      rows[name] = await load({ url, headers: { cookie, ...headers }, connections: CONNECTIONS, duration: DURATION, warmup: 5 });
      windows.push([name, server, rows[name].window]);
      return rows[name];
    };
    const pairs = async (label, query) => {
      const rounds = [];
      for (let round = 1; round <= ROUNDS; round++) {
        const product = await run(`product ${label} #${round}`, 'product', `${app.url}/tickets/${requester.id}${query}`);
        const base = await run(`baseline ${label} #${round}`, 'baseline', `${baseUrl}/tickets/${requester.id}${query}`);
        rounds.push({ rps: product.rps / base.rps, p99: product.p99 / base.p99, over10s: product.over10s, baseOver10s: base.over10s });
      }
      return rounds;
    };
    const full = scenario('full') ? await pairs('full', '') : [];
    // Repeated unchanged fetches (issue 18): the client sends the ETag it has; the product answers 304 from the
    // rows' versions without building the cards. The baseline has no validator and serves its full 200.
    if (scenario('304')) {
      const etag = (await fetch(`${app.url}/tickets/${requester.id}`, { headers: { cookie } })).headers.get('etag');
      await run('product 304 (If-None-Match)', 'product', `${app.url}/tickets/${requester.id}`, { 'if-none-match': etag });
    }
    const paged = scenario('paged') ? await pairs('limit=20', '?limit=20') : [];
    clearInterval(sampler);

    printTable(`GET /tickets/{user_id}: ${TICKETS} tickets x 5 activities x 1 file, ${CONNECTIONS} connections, ${DURATION} s each; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`, rows);
    const each = (rounds, key) => rounds.map((r) => r[key].toFixed(2)).join(' / ');
    const verdicts = {};
    if (full.length) {
      const ratioFull = median(full.map((r) => r.rps));
      const p99Full = median(full.map((r) => r.p99));
      const over10s = full.reduce((s, r) => s + r.over10s, 0);
      verdicts['full: product/baseline req/s, median (>= 0.90)'] = { value: `${ratioFull.toFixed(2)} (${each(full, 'rps')})`, ok: ratioFull >= 0.9 };
      verdicts['full: product/baseline p99, median (<= 1.50)'] = { value: `${p99Full.toFixed(2)} (${each(full, 'p99')})`, ok: p99Full <= 1.5 };
      verdicts['full: product requests over 10 s, all rounds (0)'] = { value: `${over10s} (baseline ${full.reduce((s, r) => s + r.baseOver10s, 0)})`, ok: over10s === 0 };
    }
    if (rows['product 304 (If-None-Match)'] && full.length) {
      const baseFull = median(Object.entries(rows).filter(([name]) => name.startsWith('baseline full')).map(([, row]) => row.rps));
      const ratio304 = rows['product 304 (If-None-Match)'].rps / baseFull;
      verdicts['unchanged: product 304 req/s / baseline full 200 req/s, median (>= 5)'] = { value: ratio304.toFixed(1), ok: ratio304 >= 5 };
    }
    if (paged.length) {
      const ratioPaged = median(paged.map((r) => r.rps));
      const p99Ratio = median(paged.map((r) => r.p99));
      verdicts['paged: product/baseline req/s, median (>= 0.70)'] = { value: `${ratioPaged.toFixed(2)} (${each(paged, 'rps')})`, ok: ratioPaged >= 0.7 };
      verdicts['paged: product/baseline p99, median (<= 2.00)'] = { value: `${p99Ratio.toFixed(2)} (${each(paged, 'p99')})`, ok: p99Ratio <= 2 };
    }
    verdicts['app RSS idle (MiB)'] = { value: rssIdle.toFixed(0), ok: true };
    verdicts['app RSS peak under load (MiB)'] = { value: rssPeak.toFixed(0), ok: true };
    printTable('Targets', verdicts);
    if (TRACE) {
      // The trace files are written when the servers exit.
      for (const stop of stops.splice(0, 2)) await stop().catch(() => undefined);
      for (const [name, server, window] of windows) printPhaseReport(name, phaseReport(traceFiles[server], window, clientSockets));
    }
    fs.mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
    fs.writeFileSync(path.join(ROOT, 'bench/results/listing.json'), JSON.stringify({ date: new Date().toISOString(), rows, verdicts }, null, 2));
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
