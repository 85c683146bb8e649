import { spawn } from 'node:child_process';
import path from 'node:path';
import { startTestStack, TestStack } from '../support/test-stack';
import { localDeal, unfinishedJobs, fastWebhookEnv, waitFor } from './webhook-test-kit';

const ROOT = path.resolve(__dirname, '../..');

function runSyncCli(env: Record<string, string>, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/webhook/sync.cli.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env, TS_NODE_SWC: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('Reconciliation CLI `npm run sync -- --since` heals dropped webhooks (e2e)', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ bitrix: true, env: fastWebhookEnv() });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('mirrors deals, activities, comments and files whose events were lost, marks lost deletions, and reports a summary', async () => {
    const bitrix = stack.bitrix!;
    const since = new Date(Date.now() - 60_000).toISOString();
    const kept = Number(bitrix.createDeal({ TITLE: 'mantido v1' }).ID);
    const removed = Number(bitrix.createDeal({ TITLE: 'apagado no Bitrix' }).ID);
    await bitrix.flush();
    await waitFor('first deals mirrored', async () => (await localDeal(stack, kept)) !== undefined && (await localDeal(stack, removed)) !== undefined);
    await waitFor('queue drained', async () => (await unfinishedJobs(stack)) === 0);

    bitrix.setEventFaults({ dropProbability: 1 });
    bitrix.updateDeal(kept, { TITLE: 'mantido v2' });
    bitrix.deleteDeal(removed);
    const lost = [1, 2, 3].map((n) => Number(bitrix.createDeal({ TITLE: `perdido ${n}` }).ID));
    const activity = bitrix.addActivity(lost[0], { SUBJECT: 'e-mail perdido', files: [{ name: 'nota.txt', content: Buffer.from('conteudo') }] });
    bitrix.addComment(lost[1], 'comentario perdido');
    await bitrix.flush();
    bitrix.clearEventFaults();
    expect(await localDeal(stack, lost[0])).toBeUndefined();

    const { code, stdout, stderr } = await runSyncCli({ ...stack.env, LOG_LEVEL: 'warn' }, ['--since', since, '--quiet']);
    expect(stderr).not.toMatch(/Error|failed/);
    expect(code).toBe(0);
    expect(stdout).toMatch(/deals\s+created 3\s+updated 1\s+unchanged 0\s+deleted 1/);
    expect((await localDeal(stack, removed))?.deleted_at).toBeInstanceOf(Date);
    expect(stdout).toMatch(/activities\s+created 2/);

    for (const [n, id] of lost.entries()) expect(await localDeal(stack, id)).toMatchObject({ title: `perdido ${n + 1}` });
    expect((await localDeal(stack, kept))?.title).toBe('mantido v2');
    const files: { filename: string; file_url: string }[] = await stack.dataSource.query(
      `SELECT f.filename, f.file_url FROM activity_files f JOIN activities a ON a.id = f.activity_id WHERE a.bitrix_source = 'activity' AND a.activity_id = $1`,
      [Number(activity.ID)],
    );
    expect(files.map((f) => f.filename)).toEqual(['nota.txt']);
    expect(stack.s3.keys()).toContain(files[0].file_url);
    const comments: { n: number }[] = await stack.dataSource.query(`SELECT count(*)::int AS n FROM activities WHERE bitrix_source = 'comment'`);
    expect(comments[0].n).toBe(1);

    // A second run finds nothing to heal.
    const again = await runSyncCli({ ...stack.env, LOG_LEVEL: 'warn' }, ['--since', since, '--quiet']);
    expect(again.stdout).toMatch(/deals\s+created 0\s+updated 0\s+unchanged 4\s+deleted 0/);
  });

  it('refuses a bad --since with a usage message', async () => {
    const { code, stderr } = await runSyncCli(stack.env, ['--since', 'ontem']);
    expect(code).toBe(64);
    expect(stderr).toContain('--since');
  });
});
