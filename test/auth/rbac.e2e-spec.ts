import request from 'supertest';
import type { Socket } from 'socket.io-client';
import { SocketSessionsService } from '../../src/realtime/socket-sessions.service';
import { closeAllSockets, connectWithCookie, emitWithAck } from '../realtime/socket-clients';
import { startTestStack, TestStack } from '../support/test-stack';
import { createUser, TestUser } from '../support/users';
import { as, ticketBody } from '../tickets/ticket-test-kit';

/**
 * Roles granted by admins (issue #17), from outside: REST, the kanban, ticket actions, Socket.IO rooms and the
 * SLA report all follow one rule. One test per cell of the README's table of actions x roles.
 */
type Role = 'requester' | 'agent TI' | 'lead TI' | 'admin';
const ROLES: Role[] = ['requester', 'agent TI', 'lead TI', 'admin'];

describe('Roles and scopes (RBAC e2e: real PostgreSQL, the Bitrix24 emulator, real Socket.IO clients)', () => {
  let stack: TestStack;
  let author: TestUser;
  const users = {} as Record<Role, TestUser>;
  let agentFinanceiro: TestUser;
  let tiTicket: number;
  let financeiroTicket: number;

  beforeAll(async () => {
    stack = await startTestStack({ bitrix: true });
    // Everyone typed "TI" as their department at sign-up: that grants nothing.
    const ti = { overrides: { department: 'TI' } };
    [author, users.requester, users['agent TI'], users['lead TI'], users.admin, agentFinanceiro] = await Promise.all([
      createUser(stack),
      createUser(stack, ti),
      createUser(stack, ti),
      createUser(stack, ti),
      createUser(stack, { admin: true }),
      createUser(stack, ti),
    ]);
    tiTicket = await createTicket({ assignee_department: 'TI' });
    financeiroTicket = await createTicket({ assignee_department: 'Financeiro' });
    await grant(users['agent TI'], { role: 'agent', department: 'TI' });
    await grant(users['lead TI'], { role: 'lead', department: 'ti' }); // any case
    await grant(agentFinanceiro, { role: 'agent', department: 'Financeiro' });
  });
  afterAll(async () => {
    closeAllSockets();
    await stack?.close();
  });

  async function createTicket(overrides: Record<string, unknown>): Promise<number> {
    const res = await as(stack, author).post('/ticket', ticketBody(overrides));
    if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.deal_id as number;
  }

  async function grant(user: TestUser, body: Record<string, unknown>): Promise<void> {
    await as(stack, users.admin).post(`/auth/users/${user.id}/roles`, body).expect(200);
  }

  async function joinDeal(user: TestUser, dealId: number): Promise<unknown> {
    const socket: Socket = await connectWithCookie(stack.url, user);
    try {
      return await emitWithAck(socket, 'join_deal', { deal_id: dealId });
    } finally {
      socket.close();
    }
  }

  const kanbanDeals = async (user: TestUser): Promise<number[] | number> => {
    const res = await as(stack, user).get('/kanban/cards');
    return res.status === 200 ? (res.body as { deal_id: number }[]).map((c) => c.deal_id).sort() : res.status;
  };

  // The table in README "Roles and permissions", cell by cell.
  const CELLS: [action: string, run: (user: TestUser) => Promise<unknown>, expected: Record<Role, unknown>][] = [
    [
      'read a ticket of the TI department (GET /deal/{deal_id}/{user_id})',
      async (u) => (await as(stack, u).get(`/deal/${tiTicket}/${u.id}`)).status,
      { requester: 403, 'agent TI': 200, 'lead TI': 200, admin: 200 },
    ],
    [
      'see the kanban (GET /kanban/cards): the TI and the Financeiro ticket?',
      async (u) => {
        const deals = await kanbanDeals(u);
        return typeof deals === 'number' ? deals : { ti: deals.includes(tiTicket), financeiro: deals.includes(financeiroTicket) };
      },
      { requester: 403, 'agent TI': { ti: true, financeiro: false }, 'lead TI': { ti: true, financeiro: false }, admin: { ti: true, financeiro: true } },
    ],
    [
      'comment on a TI ticket (POST /ticket/comment)',
      async (u) => (await as(stack, u).post('/ticket/comment', { deal_id: tiTicket, message: `comentário de ${u.id}` })).status,
      { requester: 403, 'agent TI': 200, 'lead TI': 200, admin: 200 },
    ],
    [
      'join the TI ticket room (Socket.IO join_deal)',
      (u) => joinDeal(u, tiTicket),
      { requester: { ok: false, error: 'forbidden' }, 'agent TI': { ok: true }, 'lead TI': { ok: true }, admin: { ok: true } },
    ],
    [
      'read the TI SLA report (GET /reports/sla?assignee_department=TI)',
      async (u) => (await as(stack, u).get('/reports/sla?assignee_department=TI')).status,
      { requester: 403, 'agent TI': 403, 'lead TI': 200, admin: 200 },
    ],
    [
      'read the Financeiro SLA report',
      async (u) => (await as(stack, u).get('/reports/sla?assignee_department=Financeiro')).status,
      { requester: 403, 'agent TI': 403, 'lead TI': 403, admin: 200 },
    ],
    [
      'manage roles (GET /auth/users/{user_id}/roles)',
      async (u) => (await as(stack, u).get(`/auth/users/${author.id}/roles`)).status,
      { requester: 403, 'agent TI': 403, 'lead TI': 403, admin: 200 },
    ],
    [
      'read their own ticket',
      async (u) => {
        const own = await as(stack, u).post('/ticket', ticketBody({ assignee_department: 'Compras' }));
        return (await as(stack, u).get(`/deal/${own.body.deal_id}/${u.id}`)).status;
      },
      { requester: 200, 'agent TI': 200, 'lead TI': 200, admin: 200 },
    ],
  ];

  describe.each(CELLS)('%s', (_action, run, expected) => {
    it.each(ROLES)('as %s', async (role) => {
      expect(await run(users[role])).toEqual(expected[role]);
    });
  });

  it('an agent sees exactly their departments’ tickets in every listing, and a lead without a filter gets their department’s report', async () => {
    expect(await kanbanDeals(agentFinanceiro)).toEqual([financeiroTicket]); // no ticket of their own
    expect((await as(stack, agentFinanceiro).get(`/deal/${tiTicket}/${agentFinanceiro.id}`)).status).toBe(403);
    const report = await as(stack, users['lead TI']).get('/reports/sla').expect(200);
    expect(report.body.filters.assignee_department).toBe('ti');
    expect(report.body.totals.opened).toBe(1); // the TI ticket only (not Financeiro's, nor the Compras ones)
  });

  it('a grant and a revoke take effect on the next request and the next socket join, and both are in the audit trail', async () => {
    const newcomer = await createUser(stack, { overrides: { department: 'TI' } });
    expect((await as(stack, newcomer).get(`/deal/${tiTicket}/${newcomer.id}`)).status).toBe(403);
    const socket = await connectWithCookie(stack.url, newcomer);
    expect(await emitWithAck(socket, 'join_deal', { deal_id: tiTicket })).toEqual({ ok: false, error: 'forbidden' });

    const granted = await as(stack, users.admin).post(`/auth/users/${newcomer.id}/roles`, { role: 'agent', department: 'TI' }).expect(200);
    expect(granted.body).toEqual([{ role: 'agent', department: 'TI', source: 'api', granted_at: expect.any(String) }]);
    expect((await as(stack, newcomer).get(`/deal/${tiTicket}/${newcomer.id}`)).status).toBe(200);
    expect(await emitWithAck(socket, 'join_deal', { deal_id: tiTicket })).toEqual({ ok: true }); // same socket, next join
    expect((await as(stack, newcomer).get('/auth/me').expect(200)).body.roles).toEqual(granted.body);

    const revoked = await as(stack, users.admin).get(`/auth/users/${newcomer.id}/roles`).expect(200);
    expect(revoked.body).toHaveLength(1);
    await request(stack.url)
      .delete(`/auth/users/${newcomer.id}/roles/agent?department=ti`)
      .set('Authorization', `Bearer ${users.admin.accessToken}`)
      .expect(200, []);
    expect((await as(stack, newcomer).get(`/deal/${tiTicket}/${newcomer.id}`)).status).toBe(403);
    expect(await emitWithAck(socket, 'join_deal', { deal_id: tiTicket })).toEqual({ ok: false, error: 'forbidden' });
    socket.close();

    const audit = await as(stack, users.admin).get(`/auth/users/${newcomer.id}/roles/audit`).expect(200);
    expect(audit.body.map((e: { action: string; role: string; department: string; actor: string }) => [e.action, e.role, e.department, e.actor])).toEqual([
      ['revoke', 'agent', 'TI', `user:${users.admin.id}`],
      ['grant', 'agent', 'TI', `user:${users.admin.id}`],
    ]);
  });

  it('the dashboard feed: a new ticket of TI reaches TI agents and leads live, not a user who typed "TI" at sign-up', async () => {
    const [agentSocket, leadSocket, requesterSocket] = await Promise.all([
      connectWithCookie(stack.url, users['agent TI']),
      connectWithCookie(stack.url, users['lead TI']),
      connectWithCookie(stack.url, users.requester),
    ]);
    const received = (socket: Socket) => {
      const events: { deal_id: number }[] = [];
      socket.on('new_ticket', (e: { deal_id: number }) => events.push(e));
      return events;
    };
    const [agentEvents, leadEvents, requesterEvents] = [received(agentSocket), received(leadSocket), received(requesterSocket)];
    const dealId = await createTicket({ assignee_department: 'TI' });
    const deadline = Date.now() + 10_000;
    while ((agentEvents.length === 0 || leadEvents.length === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300)); // room for a wrong delivery to show up
    expect(agentEvents.map((e) => e.deal_id)).toEqual([dealId]);
    expect(leadEvents.map((e) => e.deal_id)).toEqual([dealId]);
    expect(requesterEvents).toEqual([]);
    for (const s of [agentSocket, leadSocket, requesterSocket]) s.close();
  });

  it('a revoked agent stops getting the department feed at the next session sweep, without reconnecting', async () => {
    const agent = await createUser(stack);
    await grant(agent, { role: 'agent', department: 'TI' });
    const socket = await connectWithCookie(stack.url, agent);
    const events: { deal_id: number }[] = [];
    socket.on('new_ticket', (e: { deal_id: number }) => events.push(e));
    const first = await createTicket({ assignee_department: 'TI' });
    const deadline = Date.now() + 10_000;
    while (events.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(events.map((e) => e.deal_id)).toEqual([first]);

    await request(stack.url).delete(`/auth/users/${agent.id}/roles/agent?department=TI`).set('Authorization', `Bearer ${users.admin.accessToken}`).expect(200);
    await stack.app.get(SocketSessionsService).recheckAll(); // the periodic sweep (every 5 s), run now
    await createTicket({ assignee_department: 'TI' });
    await new Promise((r) => setTimeout(r, 500));
    expect(events.map((e) => e.deal_id)).toEqual([first]);
    expect(socket.connected).toBe(true);
    socket.close();
  });

  it('is_admin is the admin role: PUT is_admin grants it (audited), a revoke of admin clears is_admin', async () => {
    const promoted = await createUser(stack);
    await request(stack.url).put(`/auth/users/${promoted.id}`).set('Authorization', `Bearer ${users.admin.accessToken}`).send({ is_admin: true }).expect(200);
    const roles = await as(stack, users.admin).get(`/auth/users/${promoted.id}/roles`).expect(200);
    expect(roles.body).toEqual([{ role: 'admin', department: null, source: 'is_admin', granted_at: expect.any(String) }]);
    expect((await as(stack, promoted).get('/kanban/cards')).status).toBe(200);
    await request(stack.url).delete(`/auth/users/${promoted.id}/roles/admin`).set('Authorization', `Bearer ${users.admin.accessToken}`).expect(200, []);
    expect((await as(stack, users.admin).get(`/auth/users/${promoted.id}`).expect(200)).body.is_admin).toBe(false);
    expect((await as(stack, promoted).get('/kanban/cards')).status).toBe(403);
  });

  it.each([
    [{ role: 'boss', department: 'TI' }, 'role'],
    [{ role: 'agent' }, 'department'],
    [{ role: 'agent', department: '   ' }, 'department'],
    [{ role: 'admin', department: 'TI' }, 'department'],
    [{ role: 'agent', department: 'x'.repeat(101) }, 'department'],
  ])('refuses the grant %j with a 400 naming %s', async (body, field) => {
    const res = await as(stack, users.admin).post(`/auth/users/${author.id}/roles`, body).expect(400);
    expect(JSON.stringify(res.body)).toContain(field);
  });

  it('answers 404 for an unknown user, on grant, list and revoke', async () => {
    await as(stack, users.admin).post('/auth/users/999999/roles', { role: 'agent', department: 'TI' }).expect(404);
    await as(stack, users.admin).get('/auth/users/999999/roles').expect(404);
    await request(stack.url).delete('/auth/users/999999/roles/admin').set('Authorization', `Bearer ${users.admin.accessToken}`).expect(404);
  });
});
