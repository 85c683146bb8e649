import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { promisify } from 'node:util';
import { buildOnce, ROOT } from '../support/build';
import { startTestStack, TestStack } from '../support/test-stack';
import { fastWebhookEnv, localDeal } from '../webhook/webhook-test-kit';

const exec = promisify(execFile);

/**
 * The operator commands as the production image runs them: `npm run …` in a folder holding only dist/,
 * package.json and the production dependencies (`npm ci --omit=dev`, as the Dockerfile's `npm prune`),
 * so no ts-node, TypeScript or other devDependency can be what makes them work.
 */
describe('Operator CLIs run from the compiled code without devDependencies (e2e)', () => {
  let image: string;
  let stack: TestStack;
  let emptyDb: { url: string; drop: () => Promise<void> };

  async function npmRun(script: string, args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await exec('npm', ['run', '--silent', script, ...(args.length ? ['--', ...args] : [])], {
        cwd: image,
        env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), ...env },
        timeout: 120_000,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  }

  beforeAll(async () => {
    await buildOnce();
    image = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-image-'));
    for (const file of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(ROOT, file), path.join(image, file));
    // From npm's cache (filled by the checkout's own npm ci): no download needed.
    await exec('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: image, timeout: 300_000 });
    // typeorm names ts-node (and through it TypeScript and SWC) as an optional peer, which npm keeps with
    // --omit=dev: removed here, so that nothing below can work only because they happen to be there.
    for (const optionalPeer of ['ts-node', 'typescript', '@swc']) fs.rmSync(path.join(image, 'node_modules', optionalPeer), { recursive: true, force: true });
    fs.cpSync(path.join(ROOT, 'dist'), path.join(image, 'dist'), { recursive: true });
    stack = await startTestStack({ bitrix: true, env: fastWebhookEnv() });
    // A database with nothing in it, as a new deployment's.
    const admin = new Client({ connectionString: process.env.TEST_PG_ADMIN_URL });
    await admin.connect();
    const name = `empty_${Date.now()}`;
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    emptyDb = {
      url: (process.env.TEST_PG_ADMIN_URL as string).replace(/\/[^/]*$/, `/${name}`),
      drop: async () => {
        const c = new Client({ connectionString: process.env.TEST_PG_ADMIN_URL });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  }, 420_000);
  afterAll(async () => {
    await stack?.close();
    await emptyDb?.drop();
    if (image) fs.rmSync(image, { recursive: true, force: true });
  });

  it('has no devDependency installed', () => {
    for (const dev of ['ts-node', 'typescript', '@nestjs/cli', 'jest', '@swc/core', 'node']) {
      expect({ dev, installed: fs.existsSync(path.join(image, 'node_modules', dev, 'package.json')) }).toEqual({ dev, installed: false });
    }
  });

  it('migration:status, migration:run (twice) and migration:revert on an empty database', async () => {
    const env = { DATABASE_URL: emptyDb.url };
    const before = await npmRun('migration:status', [], env);
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(/^\[pending\] InitialSchema\d{13}$/m);
    expect(before.stdout).not.toContain('[applied]');

    const run = await npmRun('migration:run', [], env);
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toMatch(/Applied \d+ migration/);
    expect((await npmRun('migration:run', [], env)).stdout).toContain('No pending migration.');
    const after = await npmRun('migration:status', [], env);
    expect(after.stdout).not.toContain('[pending]');

    expect((await npmRun('migration:revert', [], env)).code).toBe(0);
    expect((await npmRun('migration:status', [], env)).stdout.trim().split('\n').at(-1)).toMatch(/^\[pending\]/);
    expect((await npmRun('migration:run', [], env)).stdout).toMatch(/Applied 1 migration/);

    expect((await npmRun('migration:run', [], {})).code).toBe(78); // no DATABASE_URL
  }, 180_000);

  it('adopt --dry-run runs, and finds nothing to adopt in a database that is already this service\'s', async () => {
    // emptyDb was migrated by the test above: ours now (adoption itself is tested in test/adoption).
    const dryRun = await npmRun('adopt', ['--dry-run'], { ...stack.env, DATABASE_URL: emptyDb.url });
    expect({ code: dryRun.code, output: dryRun.stdout }).toEqual({ code: 0, output: expect.stringContaining('already belongs to this service') });
  }, 120_000);

  it('sync --since mirrors a deal whose webhook was lost, and refuses a bad date with a usage error', async () => {
    const bitrix = stack.bitrix!;
    const since = new Date(Date.now() - 60_000).toISOString();
    bitrix.setEventFaults({ dropProbability: 1 });
    const dealId = Number(bitrix.createDeal({ TITLE: 'perdido antes do sync' }).ID);
    await bitrix.flush();
    bitrix.clearEventFaults();
    const env = { ...stack.env, LOG_LEVEL: 'warn' };
    const sync = await npmRun('sync', ['--since', since, '--quiet'], env);
    expect(sync.stderr).not.toMatch(/Error|failed/);
    expect(sync).toMatchObject({ code: 0 });
    expect(sync.stdout).toMatch(/deals\s+created 1/);
    expect(await localDeal(stack, dealId)).toMatchObject({ title: 'perdido antes do sync' });

    const bad = await npmRun('sync', ['--since', 'ontem'], env);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain('--since needs an ISO date');
  }, 120_000);
});
