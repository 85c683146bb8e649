import { RealtimeGateway } from '../../src/realtime/realtime.gateway';
import { NewTicketEvent, TicketEventsBroadcaster } from '../../src/realtime/ticket-events.broadcaster';
import { startTestStack, TestStack } from '../support/test-stack';
import { createUser, TestUser } from '../support/users';
import { insertDeal } from './deals.fixture';
import { redisAvailable, startTestRedis, TestRedis } from './redis-server';
import { SecondInstance, startSecondInstance, waitForCluster } from './second-instance';
import { closeAllSockets, connectWithCookie, deliveriesOf } from './socket-clients';

/**
 * With REDIS_URL set, broadcasts cross instances through @socket.io/redis-adapter instead.
 * Runs when TEST_REDIS_URL is set or `redis-server` is installed (npm test's pretest installs it from
 * Debian's packages as root); otherwise skipped, with the reason in its name (CI fails on a skip).
 */
const SUITE = 'Realtime across instances (e2e, Redis adapter)';
(redisAvailable() ? describe : describe.skip)(redisAvailable() ? SUITE : `${SUITE}: SKIPPED, no redis-server on PATH and no TEST_REDIS_URL`, () => {
  let redis: TestRedis;
  let stack: TestStack;
  let instanceB: SecondInstance;
  let broadcasterA: TicketEventsBroadcaster;
  let admin: TestUser;
  let requester: TestUser;

  beforeAll(async () => {
    redis = await startTestRedis();
    stack = await startTestStack({ env: { REDIS_URL: redis.url } });
    instanceB = await startSecondInstance(stack);
    broadcasterA = stack.app.get(TicketEventsBroadcaster);
    [admin, requester] = await Promise.all([createUser(stack, { admin: true }), createUser(stack)]);
    await waitForCluster([stack.app, instanceB.app]);
  });
  afterAll(async () => {
    closeAllSockets();
    await instanceB?.close();
    await stack?.close();
    await redis?.stop();
  });

  it('uses the Redis adapter', () => {
    for (const app of [stack.app, instanceB.app]) expect(app.get(RealtimeGateway).server.of('/').adapter.constructor.name).toBe('RedisAdapter');
  });

  it('delivers new_ticket broadcast on instance A once to an admin on instance B and once to one on A', async () => {
    const dealId = await insertDeal(stack.dataSource, { requesterId: requester.id });
    const ticket: NewTicketEvent = { event: 'new_ticket', deal_id: dealId, title: 'Erro ao emitir NF-e', priority: 'Crítico', requester: 'Maria Santos' };
    const adminOnA = await connectWithCookie(stack.url, admin);
    const adminOnB = await connectWithCookie(instanceB.url, admin);
    const onA: NewTicketEvent[] = [];
    adminOnA.on('new_ticket', (payload: NewTicketEvent) => onA.push(payload));
    const onB = await deliveriesOf(adminOnB, 'new_ticket', () => broadcasterA.ticketCreated({ requesterUserId: requester.id, responsibleUserId: null }, ticket));
    expect(onB).toEqual([ticket]);
    expect(onA).toEqual([ticket]);
  });
});
