import { RealtimeGateway } from '../../src/realtime/realtime.gateway';
import { NewCommentEvent, NewTicketEvent, TicketEventsBroadcaster } from '../../src/realtime/ticket-events.broadcaster';
import { startTestStack, TestStack } from '../support/test-stack';
import { createUser, TestUser } from '../support/users';
import { insertDeal } from './deals.fixture';
import { SecondInstance, startSecondInstance, waitForCluster } from './second-instance';
import { closeAllSockets, connectWithCookie, deliveriesOf, emitWithAck } from './socket-clients';

/**
 * Two app instances on one PostgreSQL database (SPEC section 3, "Scale-out"): a broadcast made on
 * instance A reaches clients connected to instance B, through @socket.io/postgres-adapter.
 */
describe('Realtime across instances (e2e, PostgreSQL adapter)', () => {
  let stack: TestStack;
  let instanceB: SecondInstance;
  let broadcasterA: TicketEventsBroadcaster;
  let admin: TestUser;
  let requester: TestUser;

  beforeAll(async () => {
    stack = await startTestStack();
    instanceB = await startSecondInstance(stack);
    broadcasterA = stack.app.get(TicketEventsBroadcaster);
    [admin, requester] = await Promise.all([createUser(stack, { admin: true }), createUser(stack)]);
    await waitForCluster([stack.app, instanceB.app]);
  });
  afterAll(async () => {
    closeAllSockets();
    await instanceB?.close();
    await stack?.close();
  });

  it('uses the PostgreSQL adapter', () => {
    for (const app of [stack.app, instanceB.app]) expect(app.get(RealtimeGateway).server.of('/').adapter.constructor.name).toBe('PostgresAdapter');
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

  it('delivers a large new_comment (over the 8 kB NOTIFY limit, through socket_io_attachments) to a deal room member on B', async () => {
    const dealId = await insertDeal(stack.dataSource, { requesterId: requester.id });
    const requesterOnB = await connectWithCookie(instanceB.url, requester);
    expect(await emitWithAck(requesterOnB, 'join_deal', { deal_id: dealId })).toEqual({ ok: true });
    const comment: NewCommentEvent = {
      event: 'new_comment',
      deal_id: dealId,
      activity: {
        id: 1,
        activity_id: 2,
        type_id: '2',
        description: 'Descrição longa. '.repeat(1_500),
        responsible_name: 'João Tech',
        created_at: '2024-01-15T11:00:00Z',
      },
    };
    const received = await deliveriesOf(requesterOnB, 'new_comment', () =>
      broadcasterA.activityAdded({ requesterUserId: requester.id, responsibleUserId: null }, comment),
    );
    expect(received).toEqual([comment]);
    const [{ count }] = await stack.dataSource.query('SELECT count(*)::int AS count FROM socket_io_attachments');
    expect(count).toBeGreaterThan(0);
  });
});
