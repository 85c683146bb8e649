import { ChildProcess } from 'node:child_process';
import { startTestStack, TestStack } from '../support/test-stack';
import { spawnApp } from '../support/app-process';
import { fastWebhookEnv, unfinishedJobs, waitFor } from './webhook-test-kit';

/**
 * Two instances on one database; one is killed (SIGKILL) while it holds jobs. The survivor must take them
 * up within seconds through the leases (job-leases.ts), not after the 300 s pg-boss expiry, and the mirror
 * must end with every deal once, at its last version.
 */
describe('Webhook: a killed instance\u2019s jobs are taken up by another within seconds (e2e, two instances)', () => {
  let stack: TestStack;
  const children: ChildProcess[] = [];
  const slowCoalescing = { WEBHOOK_COALESCE_QUIET_MS: '2500', WEBHOOK_COALESCE_MAX_WAIT_MS: '10000' };

  beforeAll(async () => {
    // The survivor: in-process, workers on, the default 300 s expiry, quick orphan checks.
    stack = await startTestStack({
      bitrix: true,
      env: fastWebhookEnv({ ...slowCoalescing, WEBHOOK_JOB_EXPIRE_SECONDS: '300', WEBHOOK_ORPHAN_GRACE_SECONDS: '2', WEBHOOK_ORPHAN_CHECK_SECONDS: '1', WEBHOOK_RETRY_DELAY_SECONDS: '1' }),
    });
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await stack?.close();
  });

  it('re-queues the dead instance\u2019s active jobs and converges, each deal once at its last version', async () => {
    const bitrix = stack.bitrix!;
    const victim = await spawnApp({ ...stack.env, LOG_LEVEL: 'warn', WEBHOOK_WORKERS: 'true', WEBHOOK_POLL_MS: '50', ...slowCoalescing, WEBHOOK_JOB_EXPIRE_SECONDS: '300' }, 90_000);
    children.push(victim.child);
    bitrix.options.eventHandlerUrl = `${victim.url}/webhook-bitrix24`;

    const ids = Array.from({ length: 60 }, (_, n) => Number(bitrix.createDeal({ TITLE: `crash ${n} v0` }).ID));
    for (let version = 1; version <= 4; version++) for (const id of ids) bitrix.updateDeal(id, { TITLE: `crash ${id} v${version}` });
    await bitrix.flush();
    expect(bitrix.deliveries.filter((d) => d.outcome === 'delivered')).toHaveLength(300);
    // Both instances poll; wait until the victim holds some of the jobs (active, not yet processed: quiet 2.5 s).
    await new Promise((resolve) => setTimeout(resolve, 700));
    const active: { n: number }[] = await stack.dataSource.query(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'bitrix-webhook-event' AND state = 'active'`);
    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    await new Promise((resolve) => victim.child.once('exit', resolve));
    expect(active[0].n).toBeGreaterThan(0);

    await waitFor(
      'every acknowledged event mirrored by the survivor',
      async () => {
        const rows: { deal_id: number; title: string }[] = await stack.dataSource.query('SELECT deal_id, title FROM deals WHERE deal_id = ANY($1::int[])', [ids]);
        const titles = new Map(rows.map((r) => [r.deal_id, r.title]));
        return ids.every((id) => titles.get(id) === `crash ${id} v4`) && (await unfinishedJobs(stack)) === 0;
      },
      60_000,
      250,
    );
    const seconds = (Date.now() - killedAt) / 1000;
    // Re-queued jobs went through pg-boss's retry (nothing else fails in this test).
    const recovered: { n: number }[] = await stack.dataSource.query(
      `SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'bitrix-webhook-event' AND state = 'completed' AND retry_count > 0`,
    );
    process.stdout.write(`crash recovery: ${active[0].n} job(s) active at the kill, ${recovered[0].n} re-queued from the dead instance, converged ${seconds.toFixed(1)} s after it\n`);
    expect(recovered[0].n).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(60);
    const duplicates: { n: number }[] = await stack.dataSource.query('SELECT count(*)::int AS n FROM (SELECT deal_id FROM deals GROUP BY deal_id HAVING count(*) > 1) d');
    expect(duplicates[0].n).toBe(0);
  }, 150_000);
});
