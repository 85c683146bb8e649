import request from 'supertest';
import { NotificationFanout } from '../../src/notifications/notification-fanout.service';
import { startTestStack, TestStack } from '../support/test-stack';
import { createUser, TestUser } from '../support/users';
import { as, ticketBody } from '../tickets/ticket-test-kit';
import { fastWebhookEnv, settleEvents, waitFor } from '../webhook/webhook-test-kit';
import { fastNotificationEnv, slackTicketNumber, teamsTicketNumber, WebhookReceiver } from './notification-test-kit';

/**
 * Notifications (issue #19) against the running app: real PostgreSQL (outbox + pg-boss), the Bitrix24 emulator
 * over HTTP for webhook-origin changes, and local HTTP receivers standing in for Teams Workflows and Slack.
 */
describe('Notifications: outbox, Teams, Slack, triggers, preferences (e2e)', () => {
  let stack: TestStack;
  const receiver = new WebhookReceiver();
  let admin: TestUser;
  let requester: TestUser;
  let staff: TestUser;
  let agent: TestUser;
  let quietAgent: TestUser;
  let staffBitrixId: number;
  const SECRET = 'sig=S3cr3tT0k3n';
  const path = {
    tiTeams: `/teams/ti?${SECRET}-ti`,
    tiSlack: `/slack/ti?${SECRET}-tislack`,
    finance: `/teams/fin?${SECRET}-fin`,
    infra: `/slack/infra?${SECRET}-infra`,
    agent: `/slack/agent?${SECRET}-agent`,
    quiet: `/slack/quiet?${SECRET}-quiet`,
    requester: `/slack/requester?${SECRET}-req`,
    staff: `/teams/staff?${SECRET}-staff`,
  };

  beforeAll(async () => {
    await receiver.start();
    stack = await startTestStack({
      bitrix: true,
      env: { ...fastWebhookEnv(), ...fastNotificationEnv({ NOTIFICATIONS_MAX_ATTEMPTS: '3', NOTIFICATIONS_SLA_CHECK_SECONDS: '1', NOTIFICATIONS_SLA_WARNING_MINUTES: '30' }) },
    });
    [admin, requester, staff, agent, quietAgent] = await Promise.all([
      createUser(stack, { admin: true }),
      createUser(stack),
      createUser(stack, { overrides: { department: 'TI' } }),
      createUser(stack, { overrides: { department: 'TI' } }),
      createUser(stack, { overrides: { department: 'TI' } }),
    ]);
    staffBitrixId = Number(stack.bitrix!.seedUser({ NAME: 'João', LAST_NAME: 'Tech', EMAIL: staff.email }).ID);
    for (const user of [agent, quietAgent]) await as(stack, admin).post(`/auth/users/${user.id}/roles`, { role: 'agent', department: 'TI' }).expect(200);
    const channel = (department: string, kind: string, url: string, events?: string[]) =>
      as(stack, admin).post('/notifications/channels', { department, kind, url, ...(events ? { events } : {}) }).expect(201);
    await channel('TI', 'teams', receiver.url(path.tiTeams));
    await channel('TI', 'slack', receiver.url(path.tiSlack));
    await channel('Financeiro', 'teams', receiver.url(path.finance));
    await channel('infra', 'slack', receiver.url(path.infra), ['sla_breached']);
    await put(agent, { slack_url: receiver.url(path.agent) }).expect(200);
    await put(quietAgent, { slack_url: receiver.url(path.quiet), events: { ticket_created: { slack: false } } }).expect(200);
    await put(requester, { slack_url: receiver.url(path.requester) }).expect(200);
    await put(staff, { teams_url: receiver.url(path.staff) }).expect(200);
  });
  afterAll(async () => {
    await stack?.close();
    await receiver.stop();
  });
  beforeEach(() => receiver.reset());

  function put(user: TestUser, body: object) {
    return request(stack.url).put('/notifications/preferences').set('Authorization', `Bearer ${user.accessToken}`).send(body);
  }

  async function createTicket(user: TestUser, overrides: Record<string, unknown> = {}): Promise<number> {
    const res = await as(stack, user).post('/ticket', ticketBody({ resp_id: String(staffBitrixId), priority: 'Médio', ...overrides }));
    if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.deal_id as number;
  }

  /** Every event fanned out and every delivery finished (sent, dead, cancelled), then a little quiet. */
  async function settleOutbox(): Promise<void> {
    await waitFor('outbox drained', async () => {
      const [row] = (await stack.dataSource.query(
        `SELECT (SELECT count(*) FROM notification_events WHERE fanned_out_at IS NULL)
              + (SELECT count(*) FROM notification_deliveries WHERE state = 'pending')
              + (SELECT count(*) FROM pgboss.job WHERE name LIKE 'notification-%' AND name <> 'notification-sla-watch' AND state IN ('created', 'retry', 'active')) AS n`,
      )) as { n: string }[];
      return Number(row.n) === 0;
    }, 20_000);
    await new Promise((r) => setTimeout(r, 300));
  }

  const numbersTo = (p: string, of: (b: Record<string, unknown>) => number | null) => receiver.delivered(p).map((m) => of(m.body));

  describe('department channels (admin)', () => {
    it('stores the URL sealed, returns it masked, refuses bad URLs, and is admin-only', async () => {
      const list = await as(stack, admin).get('/notifications/channels').expect(200);
      expect(list.body).toHaveLength(4);
      expect(JSON.stringify(list.body)).not.toContain('S3cr3t');
      expect(list.body[0].url_hint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/….{4}$/);
      const stored: { url_sealed: string }[] = await stack.dataSource.query('SELECT url_sealed FROM notification_channels');
      expect(stored.every((r) => r.url_sealed.startsWith('v1.') && !r.url_sealed.includes('S3cr3t'))).toBe(true);

      for (const url of ['http://example.com/hook', 'ftp://127.0.0.1/x', 'not a url', 'https://user:pw@example.com/x', 'https://internal.corp/hook']) {
        const res = await as(stack, admin).post('/notifications/channels', { department: 'TI', kind: 'teams', url }).expect(400);
        expect(res.body.detail).toMatch(/^url: /);
      }
      await as(stack, admin).post('/notifications/channels', { department: 'TI', kind: 'discord', url: 'https://x.test/h' }).expect(400);
      await as(stack, admin).post('/notifications/channels', { department: 'TI', kind: 'teams', url: 'https://x.test/h', events: ['nope'] }).expect(400);
      await as(stack, agent).get('/notifications/channels').expect(403);
      await as(stack, agent).post('/notifications/channels', { department: 'TI', kind: 'teams', url: 'https://x.test/h' }).expect(403);

      const created = await as(stack, admin).post('/notifications/channels', { department: 'RH', kind: 'slack', url: 'https://hooks.slack.test/services/T/B/abcd1234' }).expect(201);
      expect(created.body).toMatchObject({ department: 'RH', kind: 'slack', url_hint: 'https://hooks.slack.test/…1234', enabled: true });
      expect(created.body.events).toEqual(['ticket_created', 'ticket_urgent', 'sla_warning', 'sla_breached']);
      const updated = await request(stack.url)
        .put(`/notifications/channels/${created.body.id}`)
        .set('Authorization', `Bearer ${admin.accessToken}`)
        .send({ enabled: false, events: ['sla_breached'] })
        .expect(200);
      expect(updated.body).toMatchObject({ enabled: false, events: ['sla_breached'], url_hint: 'https://hooks.slack.test/…1234' });
      await request(stack.url).delete(`/notifications/channels/${created.body.id}`).set('Authorization', `Bearer ${admin.accessToken}`).expect(204);
      await request(stack.url).delete(`/notifications/channels/${created.body.id}`).set('Authorization', `Bearer ${admin.accessToken}`).expect(404);
    });
  });

  describe('preferences', () => {
    it('defaults to everything on, changes only what is sent, masks personal URLs and validates input', async () => {
      const mine = await as(stack, quietAgent).get('/notifications/preferences').expect(200);
      expect(mine.body.events.ticket_created).toEqual({ push: true, teams: true, slack: false });
      expect(mine.body.events.ticket_commented).toEqual({ push: true, teams: true, slack: true });
      expect(mine.body.slack_url_hint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/…/);
      expect(mine.body.teams_url_hint).toBeNull();
      expect(JSON.stringify(mine.body)).not.toContain('S3cr3t');

      for (const body of [
        { events: { ticket_created: { push: 'yes' } } },
        { events: { ticket_created: 'off' } },
        { teams_url: 'http://example.com/hook' },
        { slack_url: 42 },
        { events: [] },
      ]) {
        const res = await put(quietAgent, body);
        expect([res.status, body]).toEqual([400, body]);
        expect(res.body).toMatchObject({ statusCode: 400 });
      }
      await request(stack.url).get('/notifications/preferences').expect(401);
    });
  });

  describe('triggers (API origin)', () => {
    it('a new ticket reaches its department channels and agents once, and nobody else', async () => {
      const id = await createTicket(requester);
      await waitFor('Teams card', async () => receiver.delivered(path.tiTeams).length > 0);
      await settleOutbox();
      expect(numbersTo(path.tiTeams, teamsTicketNumber)).toEqual([id]);
      expect(numbersTo(path.tiSlack, slackTicketNumber)).toEqual([id]);
      expect(numbersTo(path.agent, slackTicketNumber)).toEqual([id]);
      expect(receiver.to(path.quiet)).toHaveLength(0); // turned ticket_created off on Slack
      expect(receiver.to(path.finance)).toHaveLength(0);
      expect(receiver.to(path.requester)).toHaveLength(0);
      expect(receiver.messages).toHaveLength(3);

      const teams = receiver.delivered(path.tiTeams)[0].body as { type: string; attachments: { contentType: string; content: Record<string, unknown> }[] };
      expect(teams.type).toBe('message');
      expect(teams.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
      const card = teams.attachments[0].content as { version: string; body: Record<string, unknown>[]; actions: { url: string }[] };
      expect(card.version).toBe('1.4');
      expect(JSON.stringify(card.body)).toContain('Sistema travando ao gerar relatório');
      expect(card.body[2]).toMatchObject({ type: 'FactSet', facts: expect.arrayContaining([{ title: 'Prioridade', value: 'Médio' }, { title: 'Solicitante', value: requester.full_name }]) });
      expect(card.actions[0].url).toBe(`https://helpdesk.carvalima.test/chamados/${id}`);
      const slack = receiver.delivered(path.tiSlack)[0].body as { text: string; blocks: { type: string }[] };
      expect(slack.text).toContain(`Novo chamado #${id}`);
      expect(slack.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'actions']);
    });

    it('a Crítico ticket reaches its department channel even when the channel selected no new tickets', async () => {
      const medium = await createTicket(requester, { assignee_department: 'Infra' });
      const critical = await createTicket(requester, { assignee_department: 'Infra', priority: 'Crítico' });
      await waitFor('Slack message', async () => receiver.delivered(path.infra).length > 0);
      await settleOutbox();
      expect(numbersTo(path.infra, slackTicketNumber)).toEqual([critical]);
      expect(String(receiver.delivered(path.infra)[0].body.text)).toContain(`Chamado Crítico aberto: #${critical}`);
      expect(medium).not.toBe(critical);
    });

    it('a comment reaches the requester and the responsible, not its author; a close reaches the requester', async () => {
      const id = await createTicket(requester);
      await settleOutbox();
      receiver.reset();
      await as(stack, requester).post('/ticket/comment', { deal_id: id, message: 'Ainda está travando <b>muito</b>' }).expect(200);
      await waitFor('comment to the responsible', async () => receiver.delivered(path.staff).length > 0);
      await settleOutbox();
      expect(numbersTo(path.staff, teamsTicketNumber)).toEqual([id]);
      expect(receiver.to(path.requester)).toHaveLength(0);
      expect(JSON.stringify(receiver.delivered(path.staff)[0].body)).toContain('Ainda está travando muito');

      receiver.reset();
      await as(stack, staff).post('/ticket/comment', { deal_id: id, message: 'Reinicie o serviço, por favor' }).expect(200);
      await waitFor('comment to the requester', async () => receiver.delivered(path.requester).length > 0);
      await as(stack, staff).post('/close-ticket', { deal_id: id, rating: 5 }).expect(200);
      await waitFor('close to the requester', async () => receiver.delivered(path.requester).length > 1);
      await settleOutbox();
      expect(numbersTo(path.requester, slackTicketNumber)).toEqual([id, id]);
      expect(String(receiver.delivered(path.requester)[1].body.text)).toContain(`Chamado #${id} encerrado`);
      expect(receiver.to(path.staff)).toHaveLength(0);
    });
  });

  describe('triggers (Bitrix webhook origin)', () => {
    it('a deal, a comment and a close made in Bitrix each notify once, even when Bitrix repeats its events', async () => {
      const bitrix = stack.bitrix!;
      const id = Number(
        bitrix.createDeal({ TITLE: 'Servidor fora do ar', CATEGORY_ID: 19, ASSIGNED_BY_ID: staffBitrixId, UF_CRM_1701707001: '1557', UF_CRM_1736515084: 'TI', UF_CRM_1701706884: requester.email }).ID,
      );
      await settleEvents(stack);
      await waitFor('Teams card', async () => receiver.delivered(path.tiTeams).length > 0);
      bitrix.emitEvent('ONCRMDEALADD', { FIELDS: { ID: String(id) } });
      bitrix.emitEvent('ONCRMDEALUPDATE', { FIELDS: { ID: String(id) } });
      await settleEvents(stack);
      await settleOutbox();
      expect(numbersTo(path.tiTeams, teamsTicketNumber)).toEqual([id]);
      expect(JSON.stringify(receiver.delivered(path.tiTeams)[0].body)).toContain(`Chamado Crítico aberto: #${id}`);
      expect(numbersTo(path.agent, slackTicketNumber)).toEqual([id]);

      receiver.reset();
      const comment = bitrix.addComment(id, 'Verificando o servidor');
      await settleEvents(stack);
      bitrix.emitEvent('ONCRMTIMELINECOMMENTADD', { ID: String(comment.ID) });
      await settleEvents(stack);
      await waitFor('comment to the requester', async () => receiver.delivered(path.requester).length > 0);
      await settleOutbox();
      expect(numbersTo(path.requester, slackTicketNumber)).toEqual([id]);
      expect(numbersTo(path.staff, teamsTicketNumber)).toEqual([id]);

      receiver.reset();
      bitrix.moveDealStage(id, 'C19:WON');
      await settleEvents(stack);
      await waitFor('close to the requester', async () => receiver.delivered(path.requester).length > 0);
      await settleOutbox();
      expect(numbersTo(path.requester, slackTicketNumber)).toEqual([id]);
      expect(receiver.messages).toHaveLength(1);

      // Running a fan-out again adds nothing: every event of the ticket is fanned out once.
      const events: { id: string }[] = await stack.dataSource.query('SELECT id::text AS id FROM notification_events WHERE bitrix_deal_id = $1', [id]);
      expect(events.length).toBe(3);
      for (const event of events) expect(await stack.app.get(NotificationFanout).fanOut(event.id)).toBe(0);
    });
  });

  describe('SLA watch', () => {
    it('announces a ticket about to breach and then breached once each, to the responsible and the department', async () => {
      const id = await createTicket(requester);
      await settleOutbox();
      receiver.reset();
      // The clock cannot be moved: the deadline is (as if the ticket had been waiting long).
      await stack.dataSource.query(`UPDATE deals SET date_deadline = now() + interval '4 seconds' WHERE deal_id = $1`, [id]);
      await waitFor('warning', async () => receiver.delivered(path.staff).length > 0, 15_000);
      await waitFor('breach', async () => receiver.delivered(path.staff).length > 1, 15_000);
      await new Promise((r) => setTimeout(r, 2500)); // two more checks find nothing new
      await settleOutbox();
      const texts = receiver.delivered(path.staff).map((m) => JSON.stringify(m.body));
      expect(texts).toHaveLength(2);
      expect(texts[0]).toContain(`O prazo do chamado #${id} está perto de vencer`);
      expect(texts[1]).toContain(`O prazo do chamado #${id} venceu`);
      expect(numbersTo(path.tiTeams, teamsTicketNumber)).toEqual([id, id]);
      expect(receiver.to(path.requester)).toHaveLength(0);
      expect(receiver.to(path.infra)).toHaveLength(0);
    });
  });

  describe('delivery: retries, dead letters, replay', () => {
    it('429 with Retry-After, then 200: delivered once, not before the receiver asked', async () => {
      let calls = 0;
      receiver.respond = (p) => (p === path.tiTeams && ++calls === 1 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 });
      const id = await createTicket(requester);
      await waitFor('delivered after 429', async () => receiver.delivered(path.tiTeams).length > 0, 15_000);
      await settleOutbox();
      const attempts = receiver.to(path.tiTeams);
      expect(attempts.map((m) => m.status)).toEqual([429, 200]);
      expect(attempts[1].receivedAt - attempts[0].receivedAt).toBeGreaterThanOrEqual(1900);
      expect(numbersTo(path.tiTeams, teamsTicketNumber)).toEqual([id]);
      const [row] = await stack.dataSource.query(
        `SELECT state, attempts FROM notification_deliveries d JOIN notification_events e ON e.id = d.event_id WHERE e.bitrix_deal_id = $1 AND d.target LIKE 'dept:%' AND d.channel = 'teams'`,
        [id],
      );
      expect(row).toEqual({ state: 'sent', attempts: 2 });
    });

    it('503 for a while, then 200: delivered once after recovery', async () => {
      let calls = 0;
      receiver.respond = (p) => (p === path.tiSlack && ++calls <= 2 ? { status: 503 } : { status: 200 });
      const id = await createTicket(requester);
      await waitFor('delivered after 503s', async () => receiver.delivered(path.tiSlack).length > 0, 20_000);
      await settleOutbox();
      expect(receiver.to(path.tiSlack).map((m) => m.status)).toEqual([503, 503, 200]);
      expect(numbersTo(path.tiSlack, slackTicketNumber)).toEqual([id]);
    });

    it('a receiver down for every attempt makes a dead letter an admin sees and replays; the replay is delivered once', async () => {
      receiver.respond = (p) => (p === path.finance ? { status: 503 } : { status: 200 });
      const id = await createTicket(requester, { assignee_department: 'Financeiro' });
      await waitFor('three attempts', async () => receiver.to(path.finance).length >= 3, 20_000);
      await settleOutbox();
      expect(receiver.to(path.finance)).toHaveLength(3);
      const dead = await as(stack, admin).get('/notifications/dead-letters').expect(200);
      const letter = dead.body.items.find((i: { deal_id: number }) => i.deal_id === id);
      expect(letter).toMatchObject({ event: 'ticket_created', channel: 'teams', attempts: 3, error: expect.stringContaining('HTTP 503') });
      expect(JSON.stringify(dead.body)).not.toContain('S3cr3t');
      await as(stack, agent).get('/notifications/dead-letters').expect(403);
      await as(stack, admin).post('/notifications/dead-letters/999999/replay', {}).expect(404);

      receiver.reset();
      const replayed = await as(stack, admin).post(`/notifications/dead-letters/${letter.id}/replay`, {}).expect(202);
      expect(replayed.body).toEqual({ replayed: 1 });
      await waitFor('replayed delivery', async () => receiver.delivered(path.finance).length > 0);
      await settleOutbox();
      expect(numbersTo(path.finance, teamsTicketNumber)).toEqual([id]);
      const after = await as(stack, admin).get('/notifications/dead-letters').expect(200);
      expect(after.body.items.find((i: { id: number }) => i.id === letter.id)).toBeUndefined();
      await as(stack, admin).post('/notifications/dead-letters/replay', {}).expect(202);
    });

    it('counts sent, failed and retried by channel in /metrics', async () => {
      const metrics = await request(stack.url).get('/metrics').set('Authorization', `Bearer ${admin.accessToken}`);
      const text = metrics.text;
      expect(text).toMatch(/notifications_sent_total\{channel="teams"\} [1-9]/);
      expect(text).toMatch(/notifications_sent_total\{channel="slack"\} [1-9]/);
      expect(text).toMatch(/notifications_retried_total\{channel="teams"\} [1-9]/);
      expect(text).toMatch(/notifications_failed_total\{channel="teams"\} [1-9]/);
    });
  });

  describe('housekeeping', () => {
    it('queues again a pending delivery left without a job (pg-boss gave up on it)', async () => {
      const id = await createTicket(requester);
      await waitFor('Teams card', async () => receiver.delivered(path.tiTeams).length > 0);
      await settleOutbox();
      // As if its job had been lost: the row is pending again, old, and no job names it.
      const [rows] = await stack.dataSource.query(
        `UPDATE notification_deliveries d SET state = 'pending', updated_at = now() - interval '1 hour', next_attempt_at = NULL
         FROM notification_events e WHERE e.id = d.event_id AND e.bitrix_deal_id = $1 AND d.target LIKE 'dept:%' AND d.channel = 'teams' RETURNING d.id::text AS id`,
        [id],
      );
      expect(rows).toHaveLength(1); // TypeORM answers an UPDATE with [rows, count]
      await waitFor('delivered again', async () => receiver.delivered(path.tiTeams).length > 1, 15_000);
      await settleOutbox();
      expect(numbersTo(path.tiTeams, teamsTicketNumber)).toEqual([id, id]);
    });
  });

  describe('a person who turned an event off', () => {
    it('gets nothing for it, and still gets the others', async () => {
      await put(requester, { events: { ticket_commented: { slack: false } } }).expect(200);
      const id = await createTicket(requester);
      await as(stack, staff).post('/ticket/comment', { deal_id: id, message: 'Teste' }).expect(200);
      await as(stack, staff).post('/close-ticket', { deal_id: id, rating: 4 }).expect(200);
      await waitFor('close to the requester', async () => receiver.delivered(path.requester).length > 0);
      await settleOutbox();
      expect(receiver.delivered(path.requester).map((m) => String(m.body.text))).toEqual([expect.stringContaining(`Chamado #${id} encerrado`)]);
      await put(requester, { events: { ticket_commented: { slack: true } } }).expect(200);
    });
  });
});
