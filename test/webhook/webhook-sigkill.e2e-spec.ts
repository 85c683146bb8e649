import { ChildProcess } from 'node:child_process';
import { startTestStack, TestStack } from '../support/test-stack';
import { spawnApp } from '../support/app-process';
import { unfinishedJobs, fastWebhookEnv, waitFor } from './webhook-test-kit';

describe('Webhook: every acknowledged event is processed after a SIGKILL (e2e, app as a child process)', () => {
  let stack: TestStack;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    // The in-process app only holds the infrastructure; the child processes do the work.
    stack = await startTestStack({ bitrix: true, env: fastWebhookEnv({ WEBHOOK_WORKERS: 'false' }) });
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await stack?.close();
  });

  it('converges after kill -9 in the middle of processing a burst', async () => {
    const bitrix = stack.bitrix!;
    const childEnv = {
      ...stack.env,
      LOG_LEVEL: 'warn',
      WEBHOOK_WORKERS: 'true',
      WEBHOOK_RECONCILE_CRON: 'off',
      // Held (active) jobs of the dead process come back after 3 s; the debounce keeps the burst unprocessed until the kill.
      WEBHOOK_JOB_EXPIRE_SECONDS: '3',
      WEBHOOK_QUEUE_MAINTENANCE_SECONDS: '1',
      WEBHOOK_COALESCE_QUIET_MS: '3000',
      WEBHOOK_COALESCE_MAX_WAIT_MS: '10000',
      WEBHOOK_POLL_MS: '100',
    };
    const first = await spawnApp(childEnv, 90_000);
    children.push(first.child);
    bitrix.options.eventHandlerUrl = `${first.url}/webhook-bitrix24`;

    const ids = Array.from({ length: 20 }, (_, n) => Number(bitrix.createDeal({ TITLE: `kill ${n} v0` }).ID));
    for (let version = 1; version <= 3; version++) for (const id of ids) bitrix.updateDeal(id, { TITLE: `kill ${id} v${version}` });
    await bitrix.flush();
    const deliveries = bitrix.deliveries;
    expect(deliveries.filter((d) => d.outcome === 'delivered')).toHaveLength(80);
    await new Promise((r) => setTimeout(r, 300)); // let the worker relay and take (hold) the jobs
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));

    const mirroredBefore: { n: number }[] = await stack.dataSource.query(
      `SELECT count(*)::int AS n FROM deals WHERE deal_id = ANY($1::int[]) AND title LIKE '% v3'`,
      [ids],
    );
    const pending = await unfinishedJobs(stack);
    process.stdout.write(`sigkill: killed with ${pending} unprocessed event(s), ${mirroredBefore[0].n}/20 deals at their last version\n`);
    expect(pending).toBeGreaterThan(0);

    const second = await spawnApp({ ...childEnv, WEBHOOK_COALESCE_QUIET_MS: '200' }, 90_000);
    children.push(second.child);
    bitrix.options.eventHandlerUrl = `${second.url}/webhook-bitrix24`;
    await waitFor(
      'every acknowledged event processed',
      async () => {
        const rows: { deal_id: number; title: string }[] = await stack.dataSource.query('SELECT deal_id, title FROM deals WHERE deal_id = ANY($1::int[])', [ids]);
        const titles = new Map(rows.map((r) => [r.deal_id, r.title]));
        return ids.every((id) => titles.get(id) === `kill ${id} v3`) && (await unfinishedJobs(stack)) === 0;
      },
      45000,
      250,
    );
    second.child.kill('SIGTERM');
    await new Promise((resolve) => second.child.once('exit', resolve));
  });
});
