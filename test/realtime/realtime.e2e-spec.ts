import { JwtService } from '@nestjs/jwt';
import request from 'supertest';
import { RealtimeGateway } from '../../src/realtime/realtime.gateway';
import { SocketSessionsService } from '../../src/realtime/socket-sessions.service';
import {
  DealUpdatedEvent,
  NewCommentEvent,
  NewTicketEvent,
  TicketAudience,
  TicketEventsBroadcaster,
} from '../../src/realtime/ticket-events.broadcaster';
import { startTestStack, TestStack } from '../support/test-stack';
import { createUser, TestUser } from '../support/users';
import { insertDeal } from './deals.fixture';
import {
  closeAllSockets,
  connectSocket,
  connectWithCookie,
  emitWithAck,
  nextDisconnect,
  nextEvent,
  recordEvents,
  refusalOf,
} from './socket-clients';

const ALLOWED_ORIGIN = 'http://localhost:5173';

describe('Realtime (e2e, real Socket.IO clients)', () => {
  let stack: TestStack;
  let broadcaster: TicketEventsBroadcaster;
  let admin: TestUser;
  let requester: TestUser;
  let responsible: TestUser;
  let stranger: TestUser;
  let dealId: number;
  let audience: TicketAudience;

  beforeAll(async () => {
    stack = await startTestStack({ env: { CORS_ORIGINS: ALLOWED_ORIGIN } });
    broadcaster = stack.app.get(TicketEventsBroadcaster);
    [admin, requester, responsible, stranger] = await Promise.all([
      createUser(stack, { admin: true }),
      createUser(stack),
      createUser(stack),
      createUser(stack),
    ]);
    dealId = await insertDeal(stack.dataSource, { requesterId: requester.id, responsibleId: responsible.id });
    audience = { requesterUserId: requester.id, responsibleUserId: responsible.id };
  });
  afterEach(() => closeAllSockets());
  afterAll(async () => {
    closeAllSockets();
    await stack?.close();
  });

  const comment = (bitrixDealId: number, description = 'Estou analisando o problema...'): NewCommentEvent => ({
    event: 'new_comment',
    deal_id: bitrixDealId,
    activity: {
      id: 456,
      activity_id: 9876,
      type_id: '2',
      description,
      responsible_name: 'João Tech',
      created_at: '2024-01-15T11:00:00Z',
    },
  });
  const newTicket = (bitrixDealId: number): NewTicketEvent => ({
    event: 'new_ticket',
    deal_id: bitrixDealId,
    title: 'Erro ao emitir NF-e',
    priority: 'Crítico',
    requester: 'Maria Santos',
  });
  const dealClosed = (bitrixDealId: number): DealUpdatedEvent => ({
    event: 'deal_updated',
    deal_id: bitrixDealId,
    changes: { closed: 'Y', stage_id: 'C19:WON' },
  });

  describe('handshake', () => {
    it('refuses a connection without credentials with connect_error "unauthorized"', async () => {
      expect(await refusalOf(connectSocket(stack.url))).toBe('unauthorized');
    });

    it('refuses a forged or garbage token', async () => {
      const forged = new JwtService().sign({ sub: admin.id, sid: '00000000-0000-0000-0000-000000000000', typ: 'access' }, { secret: 'x'.repeat(40) });
      expect(await refusalOf(connectSocket(stack.url, { auth: { token: forged } }))).toBe('unauthorized');
      expect(await refusalOf(connectSocket(stack.url, { auth: { token: 'not-a-jwt' } }))).toBe('unauthorized');
      expect(await refusalOf(connectSocket(stack.url, { extraHeaders: { cookie: 'access_token=garbage' } }))).toBe('unauthorized');
    });

    it('accepts the access_token cookie (websocket and long-polling) and auth.token', async () => {
      await expect(connectWithCookie(stack.url, requester)).resolves.toMatchObject({ connected: true });
      await expect(connectWithCookie(stack.url, requester, { transports: ['polling', 'websocket'] })).resolves.toMatchObject({ connected: true });
      await expect(connectSocket(stack.url, { auth: { token: requester.accessToken } })).resolves.toMatchObject({ connected: true });
      const metrics = await request(stack.url).get('/metrics').expect(200);
      expect(Number(/^socketio_connected_clients (\d+)$/m.exec(metrics.text)?.[1])).toBeGreaterThanOrEqual(3);
    });

    it('honours the cookie only from an allowed origin (no cross-site WebSocket hijacking)', async () => {
      await expect(connectWithCookie(stack.url, requester, { extraHeaders: { cookie: requester.cookies.join('; '), origin: ALLOWED_ORIGIN } })).resolves.toMatchObject({
        connected: true,
      });
      const foreign = connectWithCookie(stack.url, requester, { extraHeaders: { cookie: requester.cookies.join('; '), origin: 'https://evil.example' } });
      expect(await refusalOf(foreign)).toBe('unauthorized');
    });

    it('answers CORS with credentials for the configured origins only', async () => {
      const allowed = await request(stack.url).get('/socket.io/?EIO=4&transport=polling').set('Origin', ALLOWED_ORIGIN);
      expect(allowed.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
      expect(allowed.headers['access-control-allow-credentials']).toBe('true');
      const other = await request(stack.url).get('/socket.io/?EIO=4&transport=polling').set('Origin', 'https://evil.example');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  describe('join_deal / leave_deal', () => {
    it('lets the requester, the responsible and an admin join, and refuses another user', async () => {
      for (const user of [requester, responsible, admin]) {
        const socket = await connectWithCookie(stack.url, user);
        expect(await emitWithAck(socket, 'join_deal', { deal_id: dealId })).toEqual({ ok: true });
      }
      const socket = await connectWithCookie(stack.url, stranger);
      expect(await emitWithAck(socket, 'join_deal', { deal_id: dealId })).toEqual({ ok: false, error: 'forbidden' });
      expect(await emitWithAck(socket, 'join_deal', { deal_id: 999_999 })).toEqual({ ok: false, error: 'forbidden' });
    });

    it('answers { ok: false, error } to malformed payloads and stays connected', async () => {
      const socket = await connectWithCookie(stack.url, requester);
      // The REST API's integer rule: a JSON number from 1 to 2147483647; its string form is refused too.
      const malformed = [{ deal_id: 'abc' }, { deal_id: String(dealId) }, { deal_id: -1 }, { deal_id: 1.5 }, { deal_id: 2_147_483_648 }, { deal_id: 1e300 }, {}, null, 'abc', [dealId]];
      for (const payload of malformed) {
        const ack = await emitWithAck<{ ok: boolean; error?: string }>(socket, 'join_deal', payload);
        expect(ack.ok).toBe(false);
        expect(typeof ack.error).toBe('string');
      }
      expect(await emitWithAck(socket, 'join_deal', { deal_id: dealId })).toEqual({ ok: true });
      expect(socket.connected).toBe(true);
    });

    it('removes from the deal room a member who may no longer read the ticket (the responsible changed)', async () => {
      const formerResponsible = await connectWithCookie(stack.url, responsible);
      const member = await connectWithCookie(stack.url, requester);
      for (const socket of [formerResponsible, member]) expect(await emitWithAck(socket, 'join_deal', { deal_id: dealId })).toEqual({ ok: true });
      const formerComments = recordEvents(formerResponsible, 'new_comment');
      const reassigned = { requesterUserId: requester.id, responsibleUserId: stranger.id };

      for (const n of [1, 2]) {
        const received = nextEvent<NewCommentEvent>(member, 'new_comment');
        await broadcaster.activityAdded(reassigned, comment(dealId, `depois da troca ${n}`));
        expect((await received).activity.description).toBe(`depois da troca ${n}`);
      }
      const roomMembers = await stack.app.get(RealtimeGateway).server.in(`deal:${dealId}`).fetchSockets();
      expect(roomMembers.map((s) => s.id)).toEqual([member.id]);
      expect(formerComments).toEqual([]);
      expect(formerResponsible.connected).toBe(true);
    });

    it('delivers new_comment and deal_updated to the deal room with the seed payloads, and stops after leave_deal', async () => {
      const member = await connectWithCookie(stack.url, requester);
      const outsider = await connectWithCookie(stack.url, stranger);
      const outsiderComments = recordEvents(outsider, 'new_comment');
      expect(await emitWithAck(member, 'join_deal', { deal_id: dealId })).toEqual({ ok: true });

      const commentReceived = nextEvent(member, 'new_comment');
      await broadcaster.activityAdded(audience, comment(dealId));
      expect(await commentReceived).toEqual(comment(dealId));

      const updateReceived = nextEvent(member, 'deal_updated');
      await broadcaster.dealUpdated(audience, dealClosed(dealId));
      expect(await updateReceived).toEqual(dealClosed(dealId));

      expect(await emitWithAck(member, 'leave_deal', { deal_id: dealId })).toEqual({ ok: true });
      const afterLeave = recordEvents(member, 'new_comment');
      await broadcaster.activityAdded(audience, comment(dealId, 'after leave'));
      // Events to one socket arrive in order: once the feed event after it arrived, the room event would have too.
      await nextEvent(member, 'new_activity');
      expect(afterLeave).toEqual([]);
      expect(outsiderComments).toEqual([]);
    });
  });

  describe('dashboard feed', () => {
    it('gives admins the whole feed: new_ticket, ticket_updated, new_activity', async () => {
      const socket = await connectWithCookie(stack.url, admin);
      const otherDealId = await insertDeal(stack.dataSource, { requesterId: stranger.id });
      const strangersAudience = { requesterUserId: stranger.id, responsibleUserId: null };

      const ticket = nextEvent(socket, 'new_ticket');
      await broadcaster.ticketCreated(strangersAudience, newTicket(otherDealId));
      expect(await ticket).toEqual(newTicket(otherDealId));

      const updated = nextEvent(socket, 'ticket_updated');
      await broadcaster.dealUpdated(strangersAudience, dealClosed(otherDealId));
      expect(await updated).toEqual({ event: 'ticket_updated', deal_id: otherDealId, changes: { closed: 'Y', stage_id: 'C19:WON' } });

      const activity = nextEvent(socket, 'new_activity');
      await broadcaster.activityAdded(strangersAudience, comment(otherDealId));
      expect(await activity).toEqual({ event: 'new_activity', deal_id: otherDealId, activity: comment(otherDealId).activity });
    });

    it("gives other users only their own tickets' dashboard events", async () => {
      const requesterSocket = await connectWithCookie(stack.url, requester);
      const responsibleSocket = await connectWithCookie(stack.url, responsible);
      const strangerSocket = await connectWithCookie(stack.url, stranger);
      const strangerTickets = recordEvents<NewTicketEvent>(strangerSocket, 'new_ticket');

      const toRequester = nextEvent(requesterSocket, 'new_ticket');
      const toResponsible = nextEvent(responsibleSocket, 'new_ticket');
      await broadcaster.ticketCreated(audience, newTicket(dealId));
      expect(await toRequester).toEqual(newTicket(dealId));
      expect(await toResponsible).toEqual(newTicket(dealId));

      // Then one of the stranger's own: when it arrives, the requester's would have arrived before it.
      const strangersDealId = await insertDeal(stack.dataSource, { requesterId: stranger.id });
      const own = nextEvent(strangerSocket, 'new_ticket');
      await broadcaster.ticketCreated({ requesterUserId: stranger.id, responsibleUserId: null }, newTicket(strangersDealId));
      await own;
      expect(strangerTickets.map((event) => event.deal_id)).toEqual([strangersDealId]);
    });

    it('sends an event once to a user who is both admin and in the audience', async () => {
      const socket = await connectWithCookie(stack.url, admin);
      const received = recordEvents(socket, 'new_ticket');
      await broadcaster.ticketCreated({ requesterUserId: admin.id, responsibleUserId: admin.id }, newTicket(dealId));
      await broadcaster.dealUpdated({ requesterUserId: admin.id, responsibleUserId: null }, dealClosed(dealId));
      await nextEvent(socket, 'ticket_updated');
      expect(received).toHaveLength(1);
    });
  });

  describe('session end', () => {
    it('disconnects a deactivated user and refuses them afterwards', async () => {
      const user = await createUser(stack);
      const socket = await connectWithCookie(stack.url, user);
      const disconnected = nextDisconnect(socket);
      await request(stack.url).delete(`/auth/users/${user.id}`).set('Cookie', admin.cookies.join('; ')).expect(200);
      // The periodic sweep (SESSION_RECHECK_INTERVAL_MS) does this on its own; run it now to keep the test quick.
      await stack.app.get(SocketSessionsService).recheckAll();
      expect(await disconnected).toBe('io server disconnect');
      expect(await refusalOf(connectWithCookie(stack.url, user))).toBe('unauthorized');
    });

    it('disconnects a user who logged out, on the periodic sweep', async () => {
      const user = await createUser(stack);
      const socket = await connectWithCookie(stack.url, user);
      const disconnected = nextDisconnect(socket, 8_000);
      await request(stack.url).post('/auth/logout').set('Cookie', user.cookies.join('; ')).expect((res) => expect(res.status).toBeLessThan(300));
      expect(await disconnected).toBe('io server disconnect');
    });

    it('disconnects when the access token expires', async () => {
      const { sub, sid } = new JwtService().decode<{ sub: number; sid: string }>(requester.accessToken);
      const shortLived = new JwtService().sign({ sub, sid, typ: 'access' }, { secret: stack.config.auth.jwtSecret, algorithm: 'HS256', expiresIn: 2 });
      const socket = await connectSocket(stack.url, { auth: { token: shortLived } });
      const started = Date.now();
      expect(await nextDisconnect(socket, 5_000)).toBe('io server disconnect');
      expect(Date.now() - started).toBeLessThan(3_000);
    });
  });
});

describe('Realtime join_deal rate limit (e2e)', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ env: { SOCKET_JOIN_RATE_LIMIT: '3' } });
  });
  afterEach(() => closeAllSockets());
  afterAll(async () => {
    closeAllSockets();
    await stack?.close();
  });

  it('answers rate_limited past SOCKET_JOIN_RATE_LIMIT joins a minute per user, over all their sockets, and stays connected', async () => {
    const [user, other] = await Promise.all([createUser(stack), createUser(stack)]);
    const dealId = await insertDeal(stack.dataSource, { requesterId: user.id, responsibleId: other.id });
    const first = await connectWithCookie(stack.url, user);
    const second = await connectWithCookie(stack.url, user);
    const acks = [];
    for (const socket of [first, second, first, second]) acks.push(await emitWithAck(socket, 'join_deal', { deal_id: dealId }));
    expect(acks).toEqual([{ ok: true }, { ok: true }, { ok: true }, { ok: false, error: 'rate_limited' }]);
    expect(second.connected).toBe(true);
    // Another user's budget is untouched.
    const theirs = await connectWithCookie(stack.url, other);
    expect(await emitWithAck(theirs, 'join_deal', { deal_id: dealId })).toEqual({ ok: true });
  });
});
