// Benchmark of GET /reports/sla over 100,000 tickets (target: p95 under 500 ms).
//
// Run from the repository root (nothing else needed; no Docker, no external database):
//   node bench/reports.mjs                 # 100,000 tickets, 30 timed runs per variant
//   node bench/reports.mjs --tickets 20000 --runs 10 --explain
//   node bench/reports.mjs --hold          # seed, print the database URL and an admin token, wait for Ctrl-C
//
// What it does: starts a throw-away embedded PostgreSQL (scripts/embedded-postgres.mjs), boots the real
// app from the TypeScript sources (ts-node, transpile only) with DB_RUN_MIGRATIONS=true so the schema is
// the migrations' own, seeds users and tickets with realistic distributions in one SQL statement each,
// logs in as an admin through the API, then times sequential requests per variant (warm-up first) and
// prints p50/p95/min/max. Everything is removed at the end. `--explain` also prints the query plan.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { ensureDatabase, freePort, startEmbeddedPostgres } from '../scripts/embedded-postgres.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? Number(args[i + 1]) : fallback;
};
const TICKETS = option('tickets', 100_000);
const RUNS = option('runs', 30);
const WARMUP = 3;
const EXPLAIN = args.includes('--explain');
const HOLD = args.includes('--hold');
const TARGET_MS = 500;

const daysAgo = (days) => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
const VARIANTS = [
  ['group_by=priority', '/reports/sla'],
  ['group_by=assignee_department', '/reports/sla?group_by=assignee_department'],
  ['group_by=responsible', '/reports/sla?group_by=responsible'],
  ['group_by=service_category', '/reports/sla?group_by=service_category'],
  ['group_by=day', '/reports/sla?group_by=day'],
  ['group_by=week', '/reports/sla?group_by=week'],
  ['group_by=month', '/reports/sla?group_by=month'],
  // The seed spreads tickets over the last 365 days: this is the last quarter of them.
  ['90 days + department', `/reports/sla?from=${daysAgo(90)}&to=${daysAgo(0)}&assignee_department=TI%20-%20Infraestrutura&group_by=responsible`],
  ['csv group_by=priority', '/reports/sla.csv'],
];

const log = (message) => process.stdout.write(`${message}\n`);

/** A valid CPF (check digits computed) for registering the benchmark's admin through the API. */
function makeCpf() {
  const digits = [...String(100000000 + Math.floor(Math.random() * 899999999)).slice(0, 9)].map(Number);
  const dv = (len) => {
    let sum = 0;
    for (let i = 0; i < len; i++) sum += digits[i] * (len + 1 - i);
    const rest = (sum * 10) % 11;
    return rest === 10 ? 0 : rest;
  };
  digits.push(dv(9));
  digits.push(dv(10));
  return digits.join('');
}

/** 40 IT staff members (responsibles) and, per ticket, realistic values drawn in SQL (setseed: same data every run). */
async function seed(client) {
  await client.query(`
    INSERT INTO users (full_name, matricula, email, cpf, cpf_hash, hashed_password, department, filial)
    SELECT 'Técnico ' || n, 'B' || lpad(n::text, 6, '0'), 'tecnico' || n || '@bench.test', 'x', md5('bench' || n), 'x',
           CASE WHEN n % 3 = 0 THEN 'TI - Sistemas' ELSE 'TI - Infraestrutura' END, 'Matriz'
    FROM generate_series(1, 40) AS n`);
  await client.query('SELECT setseed(0.42)');
  // created_at: the last 365 days, business hours mostly; priority Crítico 5% / Alto 20% / Médio 50% / Baixo 25%;
  // 88% closed, hours to close log-normal-ish around the SLA (about 80% within it); 6% legacy tickets without deadline;
  // ratings on 60% of closed tickets, skewed to 4-5; 0.5% deleted.
  await client.query(
    `
    WITH base AS (
      SELECT n,
             date_trunc('day', now() - (random() * 365) * interval '1 day')
               + (7 + floor(random() * 12)) * interval '1 hour' + floor(random() * 3600) * interval '1 second' AS created_at,
             random() AS r_priority, random() AS r_closed, random() AS r_duration, random() AS r_deadline,
             random() AS r_rating, random() AS r_rating_value, random() AS r_department, random() AS r_category,
             random() AS r_responsible, random() AS r_deleted
      FROM generate_series(1, $1::int) AS n
    ), shaped AS (
      SELECT b.*,
             CASE WHEN r_priority < 0.05 THEN 'Crítico' WHEN r_priority < 0.25 THEN 'Alto' WHEN r_priority < 0.75 THEN 'Médio' ELSE 'Baixo' END AS priority,
             CASE WHEN r_priority < 0.05 THEN 1 WHEN r_priority < 0.25 THEN 4 WHEN r_priority < 0.75 THEN 24 ELSE 72 END AS sla_hours
      FROM base b
    )
    INSERT INTO deals (deal_id, title, stage_id, opened, closed, created_at, close_date, date_deadline, priority,
                       assignee_department, service_category, requester_department, responsible_id, responsible, rating, deleted_at)
    SELECT 100000 + n,
           'Chamado ' || n,
           CASE WHEN r_closed < 0.88 THEN 'C19:WON' ELSE 'C19:NEW' END,
           CASE WHEN r_closed < 0.88 THEN 'N' ELSE 'Y' END,
           CASE WHEN r_closed < 0.88 THEN 'Y' ELSE 'N' END,
           created_at,
           CASE WHEN r_closed < 0.88 THEN created_at + sla_hours * exp(ln(r_duration + 0.02) * 0.9 + 0.35) * interval '1 hour' END,
           CASE WHEN r_deadline >= 0.06 THEN created_at + sla_hours * interval '1 hour' END,
           priority,
           (ARRAY['TI - Infraestrutura','TI - Sistemas','TI - Suporte N1','TI - Redes','TI - Segurança','TI - ERP'])[1 + floor(power(r_department, 1.6) * 6)::int],
           (ARRAY['Acessos e Permissões','Hardware','Software','Rede','E-mail','Impressoras','ERP','Telefonia'])[1 + floor(power(r_category, 1.3) * 8)::int],
           (ARRAY['Financeiro','Operações','RH','Comercial','Frota'])[1 + floor(random() * 5)::int],
           CASE WHEN r_responsible < 0.97 THEN (SELECT min(id) FROM users) + floor(power(r_responsible, 1.4) * 40)::int END,
           CASE WHEN r_responsible < 0.97 THEN 'Técnico ' || (1 + floor(power(r_responsible, 1.4) * 40)::int) END,
           CASE WHEN r_closed < 0.88 AND r_rating < 0.6 THEN
             CASE WHEN r_rating_value < 0.05 THEN 1 WHEN r_rating_value < 0.12 THEN 2 WHEN r_rating_value < 0.27 THEN 3 WHEN r_rating_value < 0.6 THEN 4 ELSE 5 END
           END,
           CASE WHEN r_deleted < 0.005 THEN created_at + interval '2 days' END
    FROM shaped`,
    [TICKETS],
  );
  await client.query('ANALYZE users; ANALYZE deals');
}

async function waitForHealth(url, child, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`app exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error('app did not start in time');
}

async function loginAdmin(url, client) {
  const body = {
    full_name: 'Admin Benchmark',
    email: `admin.bench.${Date.now()}@carvalima.test`,
    password: 'SenhaSegura123',
    department: 'TI - Infraestrutura',
    filial: 'Matriz',
    cpf: makeCpf(),
    matricula: String(9000000 + Math.floor(Math.random() * 999999)),
  };
  const created = await fetch(`${url}/auth/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (created.status !== 201) throw new Error(`register failed: ${created.status} ${await created.text()}`);
  const { id } = await created.json();
  await client.query('UPDATE users SET is_admin = true WHERE id = $1', [id]);
  const login = await fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ matricula: body.matricula, password: body.password }),
  });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  return (await login.json()).token.access_token;
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];

async function timeVariant(url, token, pathAndQuery) {
  const once = async () => {
    const started = performance.now();
    const res = await fetch(`${url}${pathAndQuery}`, { headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    const ms = performance.now() - started;
    if (res.status !== 200) throw new Error(`${pathAndQuery}: HTTP ${res.status} ${text.slice(0, 300)}`);
    return { ms, text };
  };
  for (let i = 0; i < WARMUP; i++) await once();
  const times = [];
  let last = '';
  for (let i = 0; i < RUNS; i++) {
    const { ms, text } = await once();
    times.push(ms);
    last = text;
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 0.5), p95: percentile(times, 0.95), min: times[0], max: times[times.length - 1], last };
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-bench-reports-'));
  let postgres;
  let app;
  let client;
  try {
    log(`Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}`);
    log('Starting embedded PostgreSQL...');
    postgres = await startEmbeddedPostgres({ databaseDir: path.join(dir, 'db'), persistent: false });
    await ensureDatabase(postgres, 'helpdesk_bench');
    const databaseUrl = postgres.url('helpdesk_bench');

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    log('Starting the app (ts-node, migrations on boot)...');
    app = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        ...process.env,
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        PORT: String(port),
        DATABASE_URL: databaseUrl,
        DB_RUN_MIGRATIONS: 'true',
        BITRIX_INBOUND_URL: 'http://127.0.0.1:9/rest/1/not-configured/',
        BITRIX_APP_TOKEN: 'bench-application-token',
        STORAGE_DRIVER: 'local',
        STORAGE_LOCAL_DIR: path.join(dir, 'storage'),
        MAIL_TRANSPORT: 'file',
        MAIL_DIR: path.join(dir, 'mail'),
        JWT_SECRET: randomBytes(32).toString('hex'),
        JWT_REFRESH_SECRET: randomBytes(32).toString('hex'),
        CPF_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
        CPF_HMAC_KEY: randomBytes(32).toString('hex'),
        BCRYPT_COST: '4',
        LOGIN_RATE_LIMIT: '1000',
        COOKIE_SECURE: 'false',
      },
    });
    let appErrors = '';
    app.stderr.on('data', (chunk) => {
      appErrors = (appErrors + chunk.toString()).slice(-4000);
    });
    await waitForHealth(url, app).catch((error) => {
      throw new Error(`${error.message}\n${appErrors}`);
    });

    client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    log(`Seeding ${TICKETS.toLocaleString('en-US')} tickets...`);
    const seedStarted = performance.now();
    await seed(client);
    log(`  seeded in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);
    const token = await loginAdmin(url, client);
    if (HOLD) {
      log(`Holding (Ctrl-C to stop): DATABASE_URL=${databaseUrl} APP=${url} TOKEN=${token}`);
      await new Promise((resolve) => process.once('SIGINT', resolve));
      return;
    }

    log(`\nGET /reports/sla — ${RUNS} sequential runs per variant after ${WARMUP} warm-up runs (ms):`);
    log(`${'variant'.padEnd(32)} ${'p50'.padStart(8)} ${'p95'.padStart(8)} ${'min'.padStart(8)} ${'max'.padStart(8)}  groups`);
    let worstP95 = 0;
    for (const [name, pathAndQuery] of VARIANTS) {
      const result = await timeVariant(url, token, pathAndQuery);
      worstP95 = Math.max(worstP95, result.p95);
      const groups = pathAndQuery.includes('.csv') ? result.last.trim().split('\n').length - 2 : JSON.parse(result.last).groups.length;
      const fmt = (n) => n.toFixed(1).padStart(8);
      log(`${name.padEnd(32)} ${fmt(result.p50)} ${fmt(result.p95)} ${fmt(result.min)} ${fmt(result.max)}  ${groups}`);
    }
    const sample = JSON.parse((await timeVariant(url, token, '/reports/sla')).last);
    log(`\nTotals (group_by=priority): ${JSON.stringify(sample.totals)}`);
    log(`Worst p95: ${worstP95.toFixed(1)} ms — target ${TARGET_MS} ms: ${worstP95 < TARGET_MS ? 'MET' : 'NOT MET'}`);

    if (EXPLAIN) {
      const { rows } = await client.query(`
        EXPLAIN (ANALYZE, BUFFERS)
        SELECT GROUPING(d.priority) = 1, d.priority, count(*),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY (EXTRACT(EPOCH FROM d.close_date) - EXTRACT(EPOCH FROM d.created_at))::float8 / 3600)
                 FILTER (WHERE d.closed = 'Y' AND d.close_date IS NOT NULL)
        FROM deals d WHERE d.deleted_at IS NULL GROUP BY GROUPING SETS ((d.priority), ())`);
      log(`\nPlan (main aggregate, group_by=priority, no filter):\n${rows.map((r) => r['QUERY PLAN']).join('\n')}`);
    }
    process.exitCode = worstP95 < TARGET_MS ? 0 : 1;
  } finally {
    await client?.end().catch(() => undefined);
    if (app && app.exitCode === null) {
      app.kill('SIGTERM');
      await new Promise((r) => {
        const timer = setTimeout(() => {
          app.kill('SIGKILL');
          r();
        }, 10_000);
        app.once('exit', () => {
          clearTimeout(timer);
          r();
        });
      });
    }
    await postgres?.stop().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
});
