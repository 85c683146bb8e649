import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import { runMigrationsOn } from '../../src/database/migrate';
import { createTestDatabase } from '../support/test-database';
import { startTestStack, TestStack } from '../support/test-stack';
import { StorageService } from '../../src/storage/storage.service';
import { createUser } from '../support/users';
import * as data from '../fixtures/legacy/legacy-data';
import type { LegacyDatabase, LegacyUser } from '../fixtures/legacy/legacy-data';
import { PNG_1PX, ticketBody } from '../tickets/ticket-test-kit';
import { fastWebhookEnv, unfinishedJobs, waitFor } from '../webhook/webhook-test-kit';

const ROOT = path.resolve(__dirname, '../..');
const LEGACY_DEALS = 120;

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The adoption CLI from compiled code, as in the production image: the production tsconfig is compiled
 * into a temp dir once (tsc, no ts-node at run time) and run with plain node.
 */
let compiledCli = '';
let buildDir = '';
function compileCli(): Promise<void> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-adopt-build-'));
  buildDir = outDir;
  compiledCli = path.join(outDir, 'src/adoption/adopt.cli.js');
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir], { cwd: ROOT }, (error, stdout) =>
      error ? reject(new Error(`tsc failed: ${stdout}`)) : resolve(),
    ),
  );
}

function runAdopt(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [compiledCli, ...args],
      { cwd: os.tmpdir(), env: { PATH: process.env.PATH ?? '', NODE_PATH: path.join(ROOT, 'node_modules'), ...env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

/** Columns, constraints, indexes and sequences of the public schema (names and definitions), minus the bookkeeping tables. */
async function schemaOf(url: string): Promise<string[]> {
  return withClient(url, async (c) => {
    const { rows } = await c.query(
      `SELECT c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '') AS x
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
       UNION ALL SELECT conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND contype <> 'n'
       UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'
       UNION ALL SELECT sequencename || ' ' || data_type FROM pg_sequences WHERE schemaname = 'public'`,
    );
    return rows.map((r) => r.x as string).filter((x) => !/typeorm_migrations|legacy_adoption/.test(x)).sort();
  });
}

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Everything in the public schema (tables, columns, every row, sequence positions), as one comparable value. */
async function fingerprint(url: string): Promise<Record<string, string>> {
  return withClient(url, async (c) => {
    const out: Record<string, string> = {};
    const columns = await c.query(
      `SELECT table_name, string_agg(column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, ''), ', ' ORDER BY column_name) AS d
       FROM information_schema.columns WHERE table_schema = 'public' GROUP BY table_name`,
    );
    for (const row of columns.rows) {
      out[`columns:${row.table_name}`] = row.d;
      const data = await c.query(`SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) AS h FROM public."${row.table_name}" t`);
      out[`rows:${row.table_name}`] = data.rows[0].h;
    }
    const constraints = await c.query(`SELECT conname, pg_get_constraintdef(oid) AS d FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1`);
    out.constraints = constraints.rows.map((r) => `${r.conname} ${r.d}`).join('; ');
    const sequences = await c.query(`SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1`);
    out.sequences = sequences.rows.map((r) => `${r.sequencename}=${r.last_value}`).join(', ');
    return out;
  });
}

describe('Adoption of the legacy FastAPI database (npm run adopt)', () => {
  let stack: TestStack;
  let legacy: LegacyDatabase;
  let fernetKey: string;
  const runs: Record<string, CliRun> = {};
  const prints: Record<string, Record<string, string>> = {};
  let expectedReport: { total: number; closed: number; within: number };
  let bucketBefore: Map<string, Buffer>;

  beforeAll(async () => {
    fernetKey = data.newFernetKey();
    await compileCli();
    stack = await startTestStack({
      bitrix: true,
      env: { ...fastWebhookEnv(), LEGACY_CPF_FERNET_KEY: fernetKey },
      beforeApp: async (env, { bitrix }) => {
        // The cloned test database becomes the FastAPI system's database.
        legacy = await withClient(env.DATABASE_URL, async (c) => {
          await c.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
          return data.createLegacyDatabase(c, { users: 40, deals: LEGACY_DEALS, activitiesPerDeal: 3, dealIdStart: 1001, dealIdStep: 1, fernetKey, bcryptCost: 10 });
        });
        // The Bitrix portal has the tickets the old system mirrored (Bitrix IDs 1001.., the same stages).
        for (const deal of legacy.deals) bitrix!.createDeal({ TITLE: deal.title, CATEGORY_ID: 19, STAGE_ID: deal.closed === 'Y' ? 'C19:WON' : 'C19:NEW' });
        expectedReport = await withClient(env.DATABASE_URL, async (c) => {
          const { rows } = await c.query(
            `SELECT count(*)::int AS total, count(*) FILTER (WHERE closed = 'Y')::int AS closed,
                    count(*) FILTER (WHERE closed = 'Y' AND close_date <= date_deadline)::int AS within FROM deals`,
          );
          return rows[0];
        });
        // MinIO's objects under the old keys (the last one written under a shared name wins, as it did).
        const s3 = new S3Client({ endpoint: env.S3_ENDPOINT, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: env.S3_ACCESS_KEY, secretAccessKey: env.S3_SECRET_KEY } });
        const missing = legacy.objects.find((o) => o.key.startsWith('attachments/avatar_'))!;
        for (const object of legacy.objects) {
          if (object !== missing) await s3.send(new PutObjectCommand({ Bucket: env.S3_BUCKET, Key: object.key, Body: object.body }));
        }
        s3.destroy();
        bucketBefore = new Map(legacy.objects.filter((o) => o !== missing).map((o) => [o.key, o.body]));

        const { LEGACY_CPF_FERNET_KEY: _key, ...withoutKey } = env;
        prints.initial = await fingerprint(env.DATABASE_URL);
        runs.dryRunWithoutKey = await runAdopt(['--dry-run', '--json'], withoutKey);
        runs.dryRunBadKey = await runAdopt(['--dry-run'], { ...env, LEGACY_CPF_FERNET_KEY: 'c2hvcnQ=' });
        runs.dryRun = await runAdopt(['--dry-run', '--json'], env);
        runs.dryRunText = await runAdopt(['--dry-run'], env);
        prints.afterDryRuns = await fingerprint(env.DATABASE_URL);
        runs.adopt = await runAdopt([], env);
        prints.adopted = await fingerprint(env.DATABASE_URL);
        runs.again = await runAdopt([], env);
        prints.again = await fingerprint(env.DATABASE_URL);
      },
    });
  }, 300_000);
  afterAll(async () => {
    await stack?.close();
    if (buildDir) fs.rmSync(buildDir, { recursive: true, force: true });
  });

  const legacyUser = (predicate: (u: LegacyUser) => boolean) => legacy.users.find(predicate)!;
  const login = (u: { matricula: string; password: string }) => request(stack.url).post('/auth/login').send({ matricula: u.matricula, password: u.password });

  describe('dry run', () => {
    it('reports the counts per table, the CPFs by scheme, no conflicts, the missing object, and READY with exit 0', () => {
      expect(runs.dryRun.code).toBe(0);
      const outcome = JSON.parse(runs.dryRun.stdout);
      expect(outcome.kind).toBe('dry-run');
      const report = outcome.report;
      expect(report.counts).toMatchObject(legacy.counts);
      expect(report.counts.inactive_users).toBe(legacy.users.filter((u) => !u.is_active).length);
      expect(report.counts.admins).toBe(legacy.users.filter((u) => u.is_admin).length);
      expect(report.cpfSchemes).toEqual({
        plain: legacy.users.filter((u) => u.cpfScheme === 'plain').length,
        fernet: legacy.users.filter((u) => u.cpfScheme === 'fernet').length,
        unknown: 0,
      });
      expect(report.cpfSchemes.fernet).toBeGreaterThan(0);
      const byKind = Object.fromEntries(report.findings.map((f: { kind: string; count: number }) => [f.kind, f]));
      expect(byKind.missing_objects).toMatchObject({ count: 1, blocking: false, samples: ['attachments/avatar_0.png'] });
      for (const f of report.findings.filter((x: { blocking: boolean }) => x.blocking)) expect(f.count).toBe(0);
      expect(report.verdict).toBe('ready');
      expect(runs.dryRunText.code).toBe(0);
      expect(runs.dryRunText.stdout).toMatch(/deals\s+120/);
      expect(runs.dryRunText.stdout).toMatch(/Verdict: READY/);
    });

    it('is blocked (exit 2) when Fernet CPFs cannot be read without LEGACY_CPF_FERNET_KEY, naming the rows, never their CPF', () => {
      expect(runs.dryRunWithoutKey.code).toBe(2);
      const { report } = JSON.parse(runs.dryRunWithoutKey.stdout);
      const unreadable = report.findings.find((f: { kind: string }) => f.kind === 'unreadable_cpfs');
      expect(unreadable.count).toBe(legacy.users.filter((u) => u.cpfScheme === 'fernet').length);
      expect(unreadable.samples[0]).toMatch(/^user \d+ \(fernet: LEGACY_CPF_FERNET_KEY is not set\)$/);
      expect(report.verdict).toBe('blocked');
      for (const u of legacy.users) expect(runs.dryRunWithoutKey.stdout).not.toContain(u.cpfDigits);
    });

    it('refuses a malformed LEGACY_CPF_FERNET_KEY as a configuration error (exit 78), without printing it', () => {
      expect(runs.dryRunBadKey.code).toBe(78);
      expect(runs.dryRunBadKey.stderr).toMatch(/Fernet key is 32 bytes .*\(LEGACY_CPF_FERNET_KEY\)/);
      expect(runs.dryRunBadKey.stderr).not.toContain('c2hvcnQ=');
    });

    it('changes nothing', () => {
      expect(prints.afterDryRuns).toEqual(prints.initial);
    });
  });

  describe('adoption', () => {
    it('converts the database in one run and says what it did; a second run changes nothing', () => {
      expect(runs.adopt.stderr).not.toMatch(/adopt failed|Error/);
      expect(runs.adopt.code).toBe(0);
      expect(runs.adopt.stdout).toMatch(/Adopted in [\d.]+ s/);
      expect(runs.adopt.stdout).toMatch(/kept: 40 users, 120 deals, 360 activities/);
      expect(runs.adopt.stdout).toMatch(/migrations applied after adoption: SocketIoAttachments1795958051037/);
      expect(runs.again.code).toBe(0);
      expect(runs.again.stdout).toMatch(/^Already adopted on /);
      expect(prints.again).toEqual(prints.adopted);
    });

    it('keeps every internal ID, Bitrix ID and password hash, and moves the sequences past the kept IDs', async () => {
      const users: { id: number; hashed_password: string }[] = await stack.dataSource.query('SELECT id, hashed_password FROM users ORDER BY id');
      expect(users).toEqual(legacy.users.map((u) => ({ id: u.id, hashed_password: u.hashed_password })));
      expect(users[0].hashed_password).toMatch(/^\$2b\$10\$/);
      const deals: { id: number; deal_id: number }[] = await stack.dataSource.query('SELECT id, deal_id FROM deals ORDER BY id');
      expect(deals).toEqual(legacy.deals.map((d) => ({ id: d.id, deal_id: d.deal_id })));
      const fresh = await createUser(stack);
      expect(fresh.id).toBeGreaterThan(Math.max(...legacy.users.map((u) => u.id)));
      const migrations: { name: string }[] = await stack.dataSource.query('SELECT name FROM typeorm_migrations ORDER BY id');
      expect(migrations[0].name).toBe('InitialSchema1795957546684');
      expect((await stack.dataSource.query(`SELECT to_regclass('alembic_version') AS t`))[0].t).toBeNull();
    });
  });

  describe('the product on the adopted data', () => {
    let requester: LegacyUser;
    let session: { accessToken: string };

    beforeAll(async () => {
      // Deal 20 (Bitrix 1021): requester users[20], two files (one under a name deal 16 also used), an e-mail attachment.
      requester = legacy.users[20];
      const res = await login(requester).expect(200);
      session = { accessToken: res.body.token.access_token };
    });

    it('lets a legacy user sign in with the old password, keeps a legacy admin an admin, and still refuses a deactivated user', async () => {
      const me = await request(stack.url).get('/auth/me').set('Authorization', `Bearer ${session.accessToken}`).expect(200);
      expect(me.body).toMatchObject({ id: requester.id, matricula: requester.matricula, is_admin: false });
      const admin = legacyUser((u) => u.is_admin && u.is_active);
      const adminLogin = await login(admin).expect(200);
      const adminMe = await request(stack.url).get('/auth/me').set('Authorization', `Bearer ${adminLogin.body.token.access_token}`).expect(200);
      expect(adminMe.body.is_admin).toBe(true);
      const inactive = legacyUser((u) => !u.is_active);
      const refused = await login(inactive);
      expect(refused.status).toBe(401);
      await login({ matricula: requester.matricula, password: 'wrong-password' }).expect(401);
    });

    it('lists the old tickets with their activities and files, and the presigned URLs download the old objects', async () => {
      const res = await request(stack.url).get(`/tickets/${requester.id}`).set('Authorization', `Bearer ${session.accessToken}`).expect(200);
      const mine = legacy.deals.filter((d) => d.user_id === requester.id);
      expect(res.body.map((c: { deal_id: number }) => c.deal_id).sort()).toEqual(mine.map((d) => d.deal_id).sort());
      const card = res.body.find((c: { deal_id: number }) => c.deal_id === 1021);
      expect(card.id).toBe(legacy.deals[20].id);
      expect(card.files.map((f: { filename: string }) => f.filename).sort()).toEqual(['print_2.png', 'relatorio_20.pdf']);
      expect(card.activities).toHaveLength(3);
      const withFile = card.activities.find((a: { files: unknown[] }) => a.files.length > 0);
      expect(withFile.files[0].filename).toBe('anexo_email_20.txt');
      for (const file of [...card.files, withFile.files[0]]) {
        const download = await fetch(file.file_url);
        expect(download.status).toBe(200);
        expect(Buffer.from(await download.arrayBuffer()).toString()).toBe(bucketBefore.get(`attachments/${file.filename}`)!.toString());
      }
      // Deal 16 (another requester) names the same object: both tickets show the same bytes, as in the old system.
      const shared = bucketBefore.get('attachments/print_2.png')!.toString();
      expect(shared).toContain('last written by deal 1021');
    });

    it('counts the legacy tickets in the reports with their real opening and closing times', async () => {
      const admin = legacyUser((u) => u.is_admin && u.is_active);
      const token = (await login(admin).expect(200)).body.token.access_token;
      const res = await request(stack.url).get('/reports/sla?from=2023-01-01&to=2026-12-31').set('Authorization', `Bearer ${token}`).expect(200);
      expect(res.body.totals).toMatchObject({ opened: expectedReport.total, closed: expectedReport.closed, closed_within_sla: expectedReport.within });
      expect(res.body.totals.median_hours_to_close).toBeGreaterThan(0);
    });

    it('mirrors Bitrix webhooks into the same rows (no duplicate deal for an existing deal_id) and adds new activities to the old tickets', async () => {
      const before: { id: number; user_id: number }[] = await stack.dataSource.query('SELECT id, user_id FROM deals WHERE deal_id = 1021');
      stack.bitrix!.updateDeal(1021, { TITLE: 'Atualizado no Bitrix depois da troca' });
      await stack.bitrix!.flush();
      await waitFor('deal mirrored', async () => {
        const rows: { title: string }[] = await stack.dataSource.query('SELECT title FROM deals WHERE deal_id = 1021');
        return rows[0]?.title === 'Atualizado no Bitrix depois da troca';
      });
      await waitFor('queue drained', async () => (await unfinishedJobs(stack)) === 0);
      const after: { id: number; user_id: number }[] = await stack.dataSource.query('SELECT id, user_id FROM deals WHERE deal_id = 1021');
      expect(after).toEqual(before);
      const [{ n }] = await stack.dataSource.query('SELECT count(*)::int AS n FROM deals');
      expect(n).toBe(LEGACY_DEALS);

      // A new e-mail on the old ticket joins its timeline; its file, named like a legacy one, gets a key of its own.
      const activity = stack.bitrix!.addActivity(1021, { SUBJECT: 'Re: depois da troca', DESCRIPTION: 'novo e-mail', files: [{ name: 'print_2.png', content: PNG_1PX }] });
      await stack.bitrix!.flush();
      const mirrored = await waitFor('activity mirrored', async () => {
        const rows: { deal_id: number; file_url: string | null }[] = await stack.dataSource.query(
          `SELECT a.deal_id, f.file_url FROM activities a LEFT JOIN activity_files f ON f.activity_id = a.id WHERE a.activity_id = $1 AND a.bitrix_source = 'activity'`,
          [Number(activity.ID)],
        );
        return rows[0]?.file_url ? rows[0] : null;
      });
      expect(mirrored!.deal_id).toBe(legacy.deals[20].id);
      expect(mirrored!.file_url).toMatch(/^attachments\/[0-9a-f-]{36}\/print_2\.png$/);
      await waitFor('queue drained', async () => (await unfinishedJobs(stack)) === 0);
      const [{ timeline }] = await stack.dataSource.query('SELECT count(*)::int AS timeline FROM activities WHERE deal_id = $1', [legacy.deals[20].id]);
      expect(timeline).toBe(4);
    });

    it('stores new uploads under new keys, never over a legacy key', async () => {
      const res = await request(stack.url)
        .post('/ticket')
        .set('Authorization', `Bearer ${session.accessToken}`)
        .send(ticketBody({ attachments: [{ filename: 'print_2.png', content: PNG_1PX.toString('base64') }] }))
        .expect(201);
      expect(res.body.deal_id).toBeGreaterThan(1000 + LEGACY_DEALS);
      const rows: { file_url: string }[] = await stack.dataSource.query(
        'SELECT f.file_url FROM deal_files f JOIN deals d ON d.id = f.deal_id WHERE d.deal_id = $1',
        [res.body.deal_id],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0].file_url).toMatch(/^attachments\/[0-9a-f-]{36}\/print_2\.png$/);
      const old = await fetch((await stack.app.get(StorageService).presignedUrl('attachments/print_2.png'))!);
      expect(Buffer.from(await old.arrayBuffer()).toString()).toBe(bucketBefore.get('attachments/print_2.png')!.toString());
    });

    it('leaves no CPF digits anywhere in the database', async () => {
      const forms = legacy.users.flatMap((u) => [u.cpfDigits, data.formatCpf(u.cpfDigits)]).map((s) => s.replace(/\./g, '\\.'));
      const pattern = forms.join('|');
      const tables: { schema: string; name: string }[] = await stack.dataSource.query(
        `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
         WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
      );
      expect(tables.length).toBeGreaterThan(5);
      const hits: string[] = [];
      for (const t of tables) {
        const [{ n }] = await stack.dataSource.query(`SELECT count(*)::int AS n FROM "${t.schema}"."${t.name}" x WHERE x::text ~ $1`, [pattern]);
        if (n) hits.push(`${t.schema}.${t.name}: ${n}`);
      }
      expect(hits).toEqual([]);
      const stored: { cpf: string }[] = await stack.dataSource.query('SELECT cpf FROM users WHERE id = $1', [requester.id]);
      expect(stored[0].cpf).toMatch(/^v1\./);
    });

    it('leaves no CPF digits in the files of the users table either (no dead row versions with the old values)', async () => {
      await stack.dataSource.query('CHECKPOINT');
      const [{ dir }] = await stack.dataSource.query('SELECT current_setting($1) AS dir', ['data_directory']);
      const files: { path: string }[] = await stack.dataSource.query(
        `SELECT pg_relation_filepath(oid) AS path FROM pg_class
         WHERE oid = 'users'::regclass OR oid = (SELECT reltoastrelid FROM pg_class WHERE oid = 'users'::regclass)
            OR oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'users'::regclass)`,
      );
      expect(files.length).toBeGreaterThan(3);
      const bytes = Buffer.concat(files.filter((f) => f.path).map((f) => fs.readFileSync(path.join(dir, f.path))));
      expect(bytes.includes(Buffer.from(legacy.users[1].email.toLowerCase()))).toBe(true);
      const found = legacy.users.filter((u) => bytes.includes(Buffer.from(u.cpfDigits)) || bytes.includes(Buffer.from(data.formatCpf(u.cpfDigits))));
      expect(found.map((u) => u.id)).toEqual([]);
    });
  });

  describe('other legacy shapes, conflicts and unknown databases', () => {
    const databases: { drop: () => Promise<void> }[] = [];
    async function emptyDatabase(): Promise<string> {
      const admin = process.env.TEST_PG_ADMIN_URL!;
      const name = `adopt_${Math.random().toString(36).slice(2, 10)}`;
      await withClient(admin, (c) => c.query(`CREATE DATABASE ${name}`));
      databases.push({ drop: () => withClient(admin, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined) });
      return admin.replace(/\/[^/]*$/, `/${name}`);
    }
    const envFor = (url: string) => ({ ...stack.env, DATABASE_URL: url });
    afterAll(async () => {
      for (const db of databases) await db.drop();
    });

    /** The seed's tables as another team could have created them: identity IDs, naive timestamps, no FKs, a CHECK, an extra column. */
    const variantSchema = () =>
      data.LEGACY_SCHEMA_SQL.replace(/id SERIAL NOT NULL/g, 'id INTEGER GENERATED BY DEFAULT AS IDENTITY')
        .replace(/TIMESTAMP WITH TIME ZONE/g, 'TIMESTAMP WITHOUT TIME ZONE')
        .replace(/,\n\s+FOREIGN KEY[^\n]+/g, '')
        .replace(/\n\s+FOREIGN KEY[^\n]+/g, '')
        .replace('UNIQUE (cpf)\n', "UNIQUE (cpf),\n    CONSTRAINT users_matricula_not_blank CHECK (matricula <> ''),\n    apelido VARCHAR(30) NOT NULL DEFAULT ''\n");

    it('blocks (exit 2) on every kind of conflict, names the rows, and changes nothing, neither in the dry run nor in adopt', async () => {
      const url = await emptyDatabase();
      await withClient(url, async (c) => {
        await c.query(variantSchema());
        await c.query(`INSERT INTO users (full_name, matricula, email, cpf, hashed_password, department, filial, is_active) VALUES
          ('Ana', '123', 'Ana@Carvalima.com', '529.982.247-25', '$2b$04$abcdefghijklmnopqrstuuC7QhKzGAnqZIBpG6pqfVYy0b0eEvG8K', 'TI', 'Matriz', NULL),
          ('Ana 2', '0124', 'ana@carvalima.com', '52998224725', '$2b$04$abcdefghijklmnopqrstuuC7QhKzGAnqZIBpG6pqfVYy0b0eEvG8K', 'TI', 'Matriz', true),
          ('Caio', '125', 'caio@carvalima.com', 'não é um CPF', '$2b$04$abcdefghijklmnopqrstuuC7QhKzGAnqZIBpG6pqfVYy0b0eEvG8K', 'TI', 'Matriz', true)`);
        await c.query(`INSERT INTO deals (deal_id, user_id) VALUES (10, 1), (11, 99)`);
        await c.query(`INSERT INTO activities (activity_id, deal_id) VALUES (100, 1), (101, 77)`);
        await c.query(`INSERT INTO activity_files (activity_id, file_id, file_url) VALUES (1, 5, 'attachments/a.txt'), (1, 5, 'attachments/a.txt'), (55, 1, NULL)`);
        await c.query('CREATE VIEW user_created AS SELECT id, created_at FROM users');
        await c.query(`ALTER TABLE deals ALTER COLUMN opened TYPE VARCHAR(3); UPDATE deals SET opened = 'Sim' WHERE deal_id = 10`);
      });
      const before = await fingerprint(url);
      const dry = await runAdopt(['--dry-run', '--json'], envFor(url));
      expect(dry.code).toBe(2);
      const { report } = JSON.parse(dry.stdout);
      const counts = Object.fromEntries(report.findings.map((f: { kind: string; count: number }) => [f.kind, f.count]));
      expect(counts).toMatchObject({
        case_duplicate_emails: 1,
        duplicate_cpfs: 1,
        unreadable_cpfs: 1,
        invalid_matriculas: 1,
        orphan_activities: 1,
        orphan_files: 1,
        deals_missing_user: 1,
        duplicate_activity_files: 1,
        dependent_views: 1,
        values_too_long: 1,
        missing_objects: 1,
      });
      expect(report.extraColumns).toEqual(['users.apelido']);
      const text = await runAdopt(['--dry-run'], envFor(url));
      expect(text.code).toBe(2);
      expect(text.stdout).toMatch(/Verdict: BLOCKED by 1 e-mails equal apart from case; 1 duplicate CPFs after normalisation/);
      expect(text.stdout).not.toContain('52998224725');
      const adopt = await runAdopt([], envFor(url));
      expect(adopt.code).toBe(2);
      expect(adopt.stdout).toMatch(/Not adopted: nothing was changed/);
      expect(await fingerprint(url)).toEqual(before);
    });

    it('adopts that shape once fixed, to exactly the schema our migrations build; a failure half-way leaves the database as it was', async () => {
      const url = await emptyDatabase();
      await withClient(url, async (c) => {
        await c.query(variantSchema());
        await c.query(`INSERT INTO users (id, full_name, matricula, email, cpf, hashed_password, department, filial, is_active, created_at) VALUES
          (7, 'Ana', '123', 'Ana@Carvalima.com', '529.982.247-25', '$2b$12$abcdefghijklmnopqrstuuC7QhKzGAnqZIBpG6pqfVYy0b0eEvG8K', 'TI', 'Matriz', NULL, '2024-03-01 12:00:00')`);
        await c.query(`INSERT INTO deals (id, deal_id, user_id, closed, created_at, close_date) VALUES (3, 10, 7, 'Y', '2024-03-02 09:00:00', '2024-03-02 10:30:00')`);
        await c.query(`INSERT INTO activities (id, activity_id, deal_id, type_id) VALUES (5, 100, 3, '2')`);
        // A value our schema cannot hold that no check looks for, found half-way (constraints already dropped): all must roll back.
        await c.query(`ALTER TABLE activities ALTER COLUMN read_confirmed TYPE TEXT; UPDATE activities SET read_confirmed = 'sim'`);
      });
      const before = await fingerprint(url);
      const failed = await runAdopt([], envFor(url));
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/adopt failed, the database was left as it was: invalid input syntax for type integer/);
      expect(await fingerprint(url)).toEqual(before);

      await withClient(url, (c) => c.query(`UPDATE activities SET read_confirmed = '1'`));
      // Object storage down: the files cannot be checked, which is a warning, not a reason to stop.
      const blind = await runAdopt(['--dry-run', '--json'], { ...envFor(url), S3_ENDPOINT: 'http://127.0.0.1:9' });
      expect(blind.code).toBe(0);
      const blindReport = JSON.parse(blind.stdout).report;
      expect(blindReport.objects.checked).toBe(false);
      expect(blindReport.findings.find((f: { kind: string }) => f.kind === 'objects_unchecked')).toMatchObject({ count: 1, blocking: false });
      const adopted = await runAdopt([], envFor(url));
      expect(adopted.code).toBe(0);
      const reference = await emptyDatabase();
      await runMigrationsOn(reference);
      const adoptedSchema = await schemaOf(url);
      // The column our schema does not know is kept, made nullable so our INSERTs never trip on it.
      expect(adoptedSchema).toContain("users.apelido character varying(30) false ''::character varying");
      expect(adoptedSchema.filter((x) => !x.startsWith('users.apelido '))).toEqual(await schemaOf(reference));
      await withClient(url, async (c) => {
        const { rows } = await c.query(`SELECT id, email, is_active, created_at, left(cpf, 3) AS cpf, apelido FROM users`);
        expect(rows).toEqual([{ id: 7, email: 'ana@carvalima.com', is_active: false, created_at: new Date('2024-03-01T12:00:00Z'), cpf: 'v1.', apelido: '' }]);
        const deal = await c.query(`SELECT extract(epoch FROM close_date - created_at)::int AS seconds FROM deals WHERE deal_id = 10`);
        expect(deal.rows[0].seconds).toBe(5400);
        const next = await c.query(`INSERT INTO deals (deal_id) VALUES (11) RETURNING id`);
        expect(next.rows[0].id).toBeGreaterThan(3);
      });
    });

    it('refuses (exit 3) an empty database and one that is not the FastAPI schema; says "already ours" (exit 0) for ours', async () => {
      const empty = await emptyDatabase();
      const onEmpty = await runAdopt(['--dry-run'], envFor(empty));
      expect(onEmpty.code).toBe(3);
      expect(onEmpty.stdout).toMatch(/Refused: the database is empty/);
      const other = await emptyDatabase();
      await withClient(other, (c) => c.query('CREATE TABLE users (id serial PRIMARY KEY, login text); CREATE TABLE deals (id serial PRIMARY KEY)'));
      const before = await fingerprint(other);
      const onOther = await runAdopt([], envFor(other));
      expect(onOther.code).toBe(3);
      expect(onOther.stdout).toMatch(/Refused: not the FastAPI helpdesk database: tables activities, deal_files, activity_files are missing/);
      expect(await fingerprint(other)).toEqual(before);
      const ours = await createTestDatabase();
      databases.push(ours);
      const onOurs = await runAdopt([], envFor(ours.url));
      expect(onOurs.code).toBe(0);
      expect(onOurs.stdout).toMatch(/already belongs to this service/);
    });
  });
});
