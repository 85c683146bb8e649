import { ChildProcess } from 'node:child_process';
import { spawnApp } from '../support/app-process';
import { startTestStack, TestStack } from '../support/test-stack';
import { createUser, TestUser } from '../support/users';
import { as, ticketBody } from '../tickets/ticket-test-kit';
import { waitFor } from '../webhook/webhook-test-kit';
import { fastNotificationEnv, teamsTicketNumber, WebhookReceiver } from './notification-test-kit';

/**
 * Killing the app (a real process, SIGKILL) in the middle of deliveries loses and duplicates nothing: what the
 * receiver acknowledged is not posted again, what was in flight or queued is delivered once by the next process.
 */
describe('Notifications: a SIGKILL mid-delivery loses and duplicates nothing (e2e, app as a child process)', () => {
  let stack: TestStack;
  const receiver = new WebhookReceiver();
  const children: ChildProcess[] = [];
  const hookPath = '/teams/ti?sig=K1llT3stS3cr3t';

  beforeAll(async () => {
    await receiver.start();
    // The in-process app serves the API (and records the outbox rows with each ticket); the children deliver.
    stack = await startTestStack({ bitrix: true, env: fastNotificationEnv({ NOTIFICATIONS_WORKERS: 'false' }) });
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await stack?.close();
    await receiver.stop();
  });

  it('delivers every notice exactly once across a kill -9 and a restart', async () => {
    const admin: TestUser = await createUser(stack, { admin: true });
    const requester: TestUser = await createUser(stack);
    await as(stack, admin).post('/notifications/channels', { department: 'TI', kind: 'teams', url: receiver.url(hookPath) }).expect(201);
    const ids: number[] = [];
    for (let n = 0; n < 20; n++) ids.push((await as(stack, requester).post('/ticket', ticketBody({ priority: 'Médio', title: `Chamado ${n}` })).expect(201)).body.deal_id);

    const childEnv = {
      ...stack.env,
      ...fastNotificationEnv({ NOTIFICATIONS_CONCURRENCY: '4', NOTIFICATIONS_WORKERS: 'true' }),
      LOG_LEVEL: 'info',
      WEBHOOK_WORKERS: 'false',
      WEBHOOK_ORPHAN_GRACE_SECONDS: '2',
      WEBHOOK_ORPHAN_CHECK_SECONDS: '1',
      WEBHOOK_QUEUE_MAINTENANCE_SECONDS: '1',
    };
    // Each answer takes 300 ms; after the 5th acknowledgement the receiver stops answering (requests in flight hang),
    // then the process is killed with those requests open: the sender never learnt how they ended.
    let hang = false;
    receiver.respond = () => (hang ? { status: 202, delayMs: 120_000 } : { status: 202, delayMs: 300 });
    const first = await spawnApp(childEnv, 90_000);
    children.push(first.child);
    await waitFor('5 acknowledged', async () => receiver.delivered(hookPath).length >= 5, 30_000, 20);
    hang = true;
    await new Promise((r) => setTimeout(r, 1000));
    const acknowledgedBefore = receiver.delivered(hookPath).length;
    const inFlight = receiver.to(hookPath).length - acknowledgedBefore;
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    process.stdout.write(`notifications sigkill: killed with ${acknowledgedBefore}/20 acknowledged, ${inFlight} in flight\n`);
    expect(acknowledgedBefore).toBeLessThan(20);
    expect(inFlight).toBeGreaterThan(0);

    hang = false;
    const second = await spawnApp(childEnv, 90_000);
    children.push(second.child);
    await waitFor('every notice acknowledged', async () => new Set(receiver.delivered(hookPath).map((m) => teamsTicketNumber(m.body))).size === 20, 60_000, 200);
    await waitFor('outbox drained', async () => {
      const [row] = (await stack.dataSource.query(`SELECT count(*)::int AS n FROM notification_deliveries WHERE state <> 'sent'`)) as { n: number }[];
      return row.n === 0;
    });
    await new Promise((r) => setTimeout(r, 1000));
    const acknowledged = receiver.delivered(hookPath).map((m) => teamsTicketNumber(m.body));
    expect([...acknowledged].sort()).toEqual([...ids].sort());
    const rows: { state: string; n: number }[] = await stack.dataSource.query(`SELECT state, count(*)::int AS n FROM notification_deliveries GROUP BY state`);
    expect(rows).toEqual([{ state: 'sent', n: 20 }]);
    // The webhook URL is a secret: in no log line of either process.
    for (const out of [first.stdout(), first.stderr(), second.stdout(), second.stderr()]) expect(out).not.toContain('K1llT3st');
    second.child.kill('SIGTERM');
    await new Promise((resolve) => second.child.once('exit', resolve));
  });
});
