// Listing benchmark (issue 9): GET /tickets/{user_id} for a user with 200 tickets, each with 5 activities
// and 1 file, in full and with limit=20, at 50 concurrent connections — against a baseline written for
// the benchmark only (bench/baseline-listing-server.mjs: node:http + pg, JWT check, one SQL query, presigning).
// Targets: product >= 50% of the baseline's requests/s on both; product paged p99 <= 2x baseline paged p99.
// Also prints the app's resident memory idle and under this load.
// The paged pair runs --rounds times, alternating product and baseline: on two cores shared with the load
// generator and PostgreSQL, one run's p99 ratio swings by ±0.5, so the verdict is on the median round.
//
// Run: npm run build && node bench/listing.mjs [--duration 20] [--connections 50] [--rounds 3]
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { freePort } from '../scripts/embedded-postgres.mjs';
import { ensureBuilt, load, median, numberArg, printTable, registerAndLogin, ROOT, rssMiB, startApp, startInfra, wireBytes } from './support.mjs';

const DURATION = numberArg('duration', 20);
const CONNECTIONS = numberArg('connections', 50);
const ROUNDS = numberArg('rounds', 3);
const TICKETS = 200;

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
  const app = await startApp(env);
  const stops = [() => app.stop(), () => infra.stop()];
  try {
    const requester = await registerAndLogin(app.url, 0);
    const responsible = await registerAndLogin(app.url, 1);
    const { cookie } = requester;
    await seed(infra.databaseUrl, requester.id, responsible.id);

    const basePort = await freePort();
    const baseline = fork(path.join(ROOT, 'bench/baseline-listing-server.mjs'), [String(basePort)], { env: { ...process.env, ...env }, stdio: 'inherit' });
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
    let rssPeak = rssIdle;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMiB(app.pid))), 250);
    const run = async (name, url) => {
      rows[name] = await load({ url, headers: { cookie }, connections: CONNECTIONS, duration: DURATION, warmup: 5 });
      return rows[name];
    };
    await run('product full', `${app.url}/tickets/${requester.id}`);
    await run('baseline full', `${baseUrl}/tickets/${requester.id}`);
    // Repeated unchanged fetches (issue 18): the client sends the ETag it has; the product answers 304 from the
    // rows' versions without building the cards. The baseline has no validator and serves its full 200.
    const etag = (await fetch(`${app.url}/tickets/${requester.id}`, { headers: { cookie } })).headers.get('etag');
    rows['product 304 (If-None-Match)'] = await load({ url: `${app.url}/tickets/${requester.id}`, headers: { cookie, 'if-none-match': etag }, connections: CONNECTIONS, duration: DURATION, warmup: 5 });
    const rounds = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const product = await run(`product limit=20 #${round}`, `${app.url}/tickets/${requester.id}?limit=20`);
      const baselinePaged = await run(`baseline limit=20 #${round}`, `${baseUrl}/tickets/${requester.id}?limit=20`);
      rounds.push({ rps: product.rps / baselinePaged.rps, p99: product.p99 / baselinePaged.p99 });
    }
    clearInterval(sampler);

    printTable(`GET /tickets/{user_id}: ${TICKETS} tickets x 5 activities x 1 file, ${CONNECTIONS} connections, ${DURATION} s each`, rows);
    const ratioFull = rows['product full'].rps / rows['baseline full'].rps;
    const ratioPaged = median(rounds.map((r) => r.rps));
    const p99Ratio = median(rounds.map((r) => r.p99));
    const each = (key) => rounds.map((r) => r[key].toFixed(2)).join(' / ');
    const ratio304 = rows['product 304 (If-None-Match)'].rps / rows['baseline full'].rps;
    const verdicts = {
      'full: product/baseline req/s (>= 0.50)': { value: ratioFull.toFixed(2), ok: ratioFull >= 0.5 },
      'unchanged: product 304 req/s / baseline full 200 req/s (>= 5)': { value: ratio304.toFixed(1), ok: ratio304 >= 5 },
      'paged: product/baseline req/s, median (>= 0.50)': { value: `${ratioPaged.toFixed(2)} (${each('rps')})`, ok: ratioPaged >= 0.5 },
      'paged: product/baseline p99, median (<= 2.00)': { value: `${p99Ratio.toFixed(2)} (${each('p99')})`, ok: p99Ratio <= 2 },
      'app RSS idle (MiB)': { value: rssIdle.toFixed(0), ok: true },
      'app RSS peak under load (MiB)': { value: rssPeak.toFixed(0), ok: true },
    };
    printTable('Targets', verdicts);
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
