import request from 'supertest';
import { generateVAPIDKeys } from 'web-push';
import { PushServiceHarness, startPushService } from '../support/push-service';
import { startTestStack, TestStack } from '../support/test-stack';
import { createUser, TestUser } from '../support/users';
import { as, ticketBody } from '../tickets/ticket-test-kit';
import { waitFor } from '../webhook/webhook-test-kit';
import { fastNotificationEnv } from './notification-test-kit';

/**
 * The outbox's push fan-out against a local push service (real web-push encryption, decrypted by the harness
 * with each browser's keys via http_ece): agents' browsers for new tickets, the requester's for replies, a
 * subscription answering 410 removed, a person who turned push off for an event getting nothing.
 */
describe('Notifications to browsers (Web Push through the outbox, e2e)', () => {
  const vapid = generateVAPIDKeys();
  let stack: TestStack;
  let pushService: PushServiceHarness;
  let agent: TestUser;
  let requester: TestUser;
  let admin: TestUser;

  beforeAll(async () => {
    pushService = await startPushService(vapid.publicKey);
    stack = await startTestStack({
      bitrix: true,
      env: { ...fastNotificationEnv(), VAPID_PUBLIC_KEY: vapid.publicKey, VAPID_PRIVATE_KEY: vapid.privateKey, VAPID_SUBJECT: 'mailto:ti@carvalima.test', PUSH_ENDPOINT_HOSTS: '127.0.0.1', PUSH_TIMEOUT_MS: '3000' },
    });
    [agent, requester, admin] = await Promise.all([createUser(stack, { overrides: { department: 'TI' } }), createUser(stack), createUser(stack, { admin: true })]);
    await as(stack, admin).post(`/auth/users/${agent.id}/roles`, { role: 'agent', department: 'TI' }).expect(200);
  });
  afterAll(async () => {
    await stack?.close();
    await pushService?.close();
  });

  const register = (user: TestUser, body: object) => request(stack.url).post('/notifications/push-subscriptions').set('Authorization', `Bearer ${user.accessToken}`).send(body);
  const settle = () =>
    waitFor('outbox drained', async () => {
      const [row] = (await stack.dataSource.query(
        `SELECT (SELECT count(*) FROM notification_events WHERE fanned_out_at IS NULL) + (SELECT count(*) FROM notification_deliveries WHERE state = 'pending') AS n`,
      )) as { n: string }[];
      return Number(row.n) === 0;
    });
  const payloads = (browser: ReturnType<PushServiceHarness['subscribe']>) => pushService.deliveredTo(browser).map((p) => p.text);

  it('new ticket → the agents\' browsers; reply → the requester\'s; 410 → subscription removed; push turned off → nothing', async () => {
    const agentBrowser = pushService.subscribe();
    const requesterBrowser = pushService.subscribe();
    await register(agent, agentBrowser.toJSON()).expect(201);
    await register(requester, requesterBrowser.toJSON()).expect(201);

    const created = await as(stack, requester).post('/ticket', ticketBody({ priority: 'Médio' })).expect(201);
    const id = created.body.deal_id as number;
    await waitFor('push to the agent', async () => pushService.deliveredTo(agentBrowser).length > 0);
    await settle();
    expect(payloads(agentBrowser)).toHaveLength(1);
    expect(payloads(agentBrowser)[0]).toContain(String(id));
    expect(payloads(requesterBrowser)).toHaveLength(0);

    await as(stack, agent).post('/ticket/comment', { deal_id: id, message: 'Já estou vendo' }).expect(200);
    await waitFor('push to the requester', async () => pushService.deliveredTo(requesterBrowser).length > 0);
    await settle();
    expect(payloads(requesterBrowser)).toHaveLength(1);
    expect(payloads(requesterBrowser)[0]).toContain('Já estou vendo');
    expect(payloads(agentBrowser)).toHaveLength(1); // the author is not notified of their own comment

    // The browser unsubscribed at its push service: the next notice gets 410 and the subscription is dropped.
    pushService.unsubscribe(requesterBrowser);
    await as(stack, agent).post('/ticket/comment', { deal_id: id, message: 'Segunda mensagem' }).expect(200);
    await waitFor('subscription removed', async () => {
      const rows: unknown[] = await stack.dataSource.query('SELECT 1 FROM push_subscriptions WHERE endpoint = $1', [requesterBrowser.endpoint]);
      return rows.length === 0;
    });
    await settle();
    const states: { state: string }[] = await stack.dataSource.query(
      `SELECT d.state FROM notification_deliveries d JOIN notification_events e ON e.id = d.event_id WHERE e.bitrix_deal_id = $1 AND d.channel = 'push' AND d.recipient_user_id = $2 ORDER BY d.id`,
      [id, requester.id],
    );
    expect(states.map((s) => s.state)).toEqual(['sent', 'gone']);

    // Push off for new tickets: the agent's browser gets nothing for the next one.
    await request(stack.url).put('/notifications/preferences').set('Authorization', `Bearer ${agent.accessToken}`).send({ events: { ticket_created: { push: false } } }).expect(200);
    await as(stack, requester).post('/ticket', ticketBody({ priority: 'Baixo' })).expect(201);
    await new Promise((r) => setTimeout(r, 500));
    await settle();
    expect(payloads(agentBrowser)).toHaveLength(1);
  });
});
