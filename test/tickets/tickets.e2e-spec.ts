import { TicketEventsBroadcaster } from '../../src/realtime/ticket-events.broadcaster';
import { startTestStack, TestStack } from '../support/test-stack';
import { createUser, TestUser } from '../support/users';
import { as, countQueries, countRows, PNG_1PX, ticketBody } from './ticket-test-kit';

const HOUR = 3_600_000;

describe('Tickets (e2e: real PostgreSQL, S3, SMTP and the Bitrix24 emulator)', () => {
  let stack: TestStack;
  let requester: TestUser;
  let staff: TestUser;
  let other: TestUser;
  let admin: TestUser;
  let staffBitrixId: number;
  let broadcaster: TicketEventsBroadcaster;

  beforeAll(async () => {
    stack = await startTestStack({ bitrix: true, env: { MAX_ATTACHMENT_BYTES: '2000', MAX_REQUEST_ATTACHMENT_BYTES: '3000' } });
    [requester, staff, other, admin] = await Promise.all([
      createUser(stack),
      createUser(stack, { overrides: { department: 'TI' } }),
      createUser(stack),
      createUser(stack, { admin: true }),
    ]);
    staffBitrixId = Number(stack.bitrix!.seedUser({ NAME: 'João', LAST_NAME: 'Tech', EMAIL: staff.email.toUpperCase() }).ID);
    broadcaster = stack.app.get(TicketEventsBroadcaster, { strict: false });
    // Outbound events would make the Webhook module call Bitrix in the background and blur the request
    // counts; they are held here and released by the last test, which checks the two mirrors agree.
    stack.bitrix!.pauseEvents();
  });
  afterAll(async () => {
    await stack?.close();
  });
  afterEach(() => jest.restoreAllMocks());

  const bitrix = () => stack.bitrix!;

  async function createTicket(user: TestUser, overrides: Record<string, unknown> = {}): Promise<{ id: number; deal_id: number }> {
    const res = await as(stack, user).post('/ticket', ticketBody({ resp_id: String(staffBitrixId), ...overrides }));
    if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  describe('POST /ticket', () => {
    it('creates the deal in Bitrix (mapped fields, SLA deadline, contact, responsible) in at most 2 HTTP requests', async () => {
      const spy = jest.spyOn(broadcaster, 'ticketCreated');
      const before = bitrix().stats.httpRequests;
      const startedAt = Date.now();
      const res = await as(stack, requester).post('/ticket', ticketBody({ resp_id: String(staffBitrixId) })).expect(201);
      const requests = bitrix().stats.httpRequests - before;
      expect(requests).toBe(2); // lookup batch + create batch (the limit is 2)

      expect(res.body).toMatchObject({
        title: 'Sistema travando ao gerar relatório',
        stage_id: 'C19:NEW',
        opened: 'Y',
        closed: 'N',
        requester_department: 'Financeiro',
        assignee_department: 'TI',
        service_category: 'Sistema Financeiro',
        system_type: 'ERP',
        priority: 'Alto',
        matricula: requester.matricula,
      });
      expect(typeof res.body.id).toBe('number');
      expect(res.body.deal_id).not.toBe(res.body.id);
      const deadline = new Date(res.body.date_deadline).getTime();
      expect(deadline).toBeGreaterThanOrEqual(startedAt + 4 * HOUR - 1000);
      expect(deadline).toBeLessThanOrEqual(Date.now() + 4 * HOUR + 1000);

      const deal = bitrix().getDeal(res.body.deal_id)!;
      expect(deal).toMatchObject({
        TITLE: 'Sistema travando ao gerar relatório',
        CATEGORY_ID: '19',
        STAGE_ID: 'C19:NEW',
        UF_CRM_1701707001: '1559',
        UF_CRM_1701706961: 'Sistema Financeiro',
        UF_CRM_1701706933: 'ERP',
        UF_CRM_1736515084: 'TI',
        ASSIGNED_BY_ID: String(staffBitrixId),
      });
      // The deal is bound to the requester's contact, created on the way.
      const contact = bitrix().getContact(Number(deal.CONTACT_ID))!;
      expect(JSON.stringify(contact.EMAIL)).toContain(requester.email);

      const [row] = await stack.dataSource.query('SELECT * FROM deals WHERE deal_id = $1', [res.body.deal_id]);
      expect(row).toMatchObject({
        user_id: requester.id,
        responsible_id: staff.id,
        responsible_bitrix_id: String(staffBitrixId),
        responsible: 'João Tech',
        responsible_email: staff.email.toUpperCase(),
        bitrix_contact_id: Number(deal.CONTACT_ID),
        requester_email: requester.email,
      });
      expect(spy).toHaveBeenCalledWith(
        { requesterUserId: requester.id, responsibleUserId: staff.id, assigneeDepartment: 'TI' },
        { event: 'new_ticket', deal_id: res.body.deal_id, title: res.body.title, priority: 'Alto', requester: 'Maria Santos' },
      );
    });

    it('reuses an existing contact and computes each priority deadline (Crítico 1 h, Médio 24 h, Baixo 72 h)', async () => {
      for (const [priority, hours] of [['Crítico', 1], ['medio', 24], ['Baixo', 72]] as const) {
        const before = Date.now();
        const res = await as(stack, requester).post('/ticket', ticketBody({ priority })).expect(201);
        const deadline = new Date(res.body.date_deadline).getTime();
        expect(deadline - before).toBeGreaterThanOrEqual(hours * HOUR - 1000);
        expect(deadline - Date.now()).toBeLessThanOrEqual(hours * HOUR + 1000);
      }
      const contactIds = new Set(bitrix().listDeals().filter((d) => d.UF_CRM_1701706884 === requester.email).map((d) => d.CONTACT_ID));
      expect(contactIds.size).toBe(1);
    });

    it('stores attachments in Bitrix Disk and S3 under unique keys, in at most 3 HTTP requests', async () => {
      const before = bitrix().stats.httpRequests;
      const keysBefore = stack.s3.keys().length;
      const content = PNG_1PX.toString('base64');
      const res = await as(stack, requester)
        .post('/ticket', ticketBody({ attachments: [{ filename: 'screenshot.png', content }, { filename: 'screenshot.png', content }] }))
        .expect(201);
      expect(bitrix().stats.httpRequests - before).toBe(3); // lookup + Disk + create batches (the limit is 3)
      const newKeys = stack.s3.keys().slice(0).filter((k) => k.endsWith('screenshot.png'));
      expect(stack.s3.keys().length - keysBefore).toBe(2);
      expect(new Set(newKeys).size).toBe(newKeys.length);

      const files: { file_id: number; file_url: string; filename: string }[] = await stack.dataSource.query(
        'SELECT f.file_id, f.file_url, f.filename FROM deal_files f JOIN deals d ON d.id = f.deal_id WHERE d.deal_id = $1',
        [res.body.deal_id],
      );
      expect(files).toHaveLength(2);
      expect(files[0].file_url).not.toBe(files[1].file_url);
      for (const f of files) {
        expect(f.file_url).toMatch(/^attachments\/[0-9a-f-]{36}\/screenshot\.png$/);
        expect(bitrix().getFile(f.file_id)?.content.equals(PNG_1PX)).toBe(true);
      }
      // The presigned URL of the answer serves the bytes.
      expect(res.body.files).toHaveLength(2);
      const download = await fetch(res.body.files[0].file_url);
      expect(download.status).toBe(200);
      expect(Buffer.from(await download.arrayBuffer()).equals(PNG_1PX)).toBe(true);
    });

    it('applies the CPF rule: the form CPF for "Acessos e Permissões", the logged-in user CPF otherwise', async () => {
      const typed = '529.982.247-25';
      const access = await createTicket(requester, { service_category: 'Acessos e Permissões', cpf: typed });
      const normal = await createTicket(requester, { cpf: typed });
      expect(bitrix().getDeal(access.deal_id)!.UF_CRM_1701706925).toBe('52998224725');
      expect(bitrix().getDeal(normal.deal_id)!.UF_CRM_1701706925).toBe(requester.cpf.replace(/\D/g, ''));
      await as(stack, requester).post('/ticket', ticketBody({ service_category: 'Acessos e Permissões', cpf: '111.111.111-11' })).expect(400);
    });

    it.each([
      ['priority', { priority: 'Urgentíssimo' }, 400],
      ['service_category', { service_category: '' }, 400],
      ['title', { title: '' }, 400],
      ['resp_id', { resp_id: 'abc' }, 400],
      ['attachments[0].content', { attachments: [{ filename: 'a.txt', content: 'not base64!!' }] }, 400],
      ['attachments[0].content', { attachments: [{ filename: 'a.txt', content: Buffer.alloc(2001).toString('base64') }] }, 413],
      ['attachments', { attachments: [1, 2].map(() => ({ filename: 'a.txt', content: Buffer.alloc(1600).toString('base64') })) }, 413],
    ])('rejects a bad %s (%j) with %i, touching nothing', async (field, override, status) => {
      const before = bitrix().stats.httpRequests;
      const deals = await countRows(stack.dataSource, 'deals');
      const res = await as(stack, requester).post('/ticket', ticketBody(override)).expect(status);
      expect(JSON.stringify(res.body.message)).toContain(field);
      expect(res.body.detail).toBeTruthy();
      expect(bitrix().stats.httpRequests).toBe(before);
      expect(await countRows(stack.dataSource, 'deals')).toBe(deals);
    });

    it('rejects an unknown resp_id (not a Bitrix user) with 400 before creating anything', async () => {
      const res = await as(stack, requester).post('/ticket', ticketBody({ resp_id: '99999' })).expect(400);
      expect(res.body.detail).toContain('resp_id');
    });

    it('honours Idempotency-Key: same key and user → the first ticket, nothing new; other body → 422; other user → own ticket', async () => {
      const body = ticketBody({ title: 'Idempotente' });
      const first = await as(stack, requester).post('/ticket', body, { 'Idempotency-Key': 'key-123' }).expect(201);
      const deals = await countRows(stack.dataSource, 'deals');
      const requests = bitrix().stats.httpRequests;
      const again = await as(stack, requester).post('/ticket', body, { 'Idempotency-Key': 'key-123' }).expect(201);
      expect(again.body.deal_id).toBe(first.body.deal_id);
      expect(again.body.id).toBe(first.body.id);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(await countRows(stack.dataSource, 'deals')).toBe(deals);
      expect(bitrix().stats.httpRequests).toBe(requests);

      await as(stack, requester).post('/ticket', ticketBody({ title: 'Outro' }), { 'Idempotency-Key': 'key-123' }).expect(422);
      const otherUser = await as(stack, other).post('/ticket', body, { 'Idempotency-Key': 'key-123' }).expect(201);
      expect(otherUser.body.deal_id).not.toBe(first.body.deal_id);
    });

    it('refuses to open a ticket on behalf of another user unless admin', async () => {
      await as(stack, other).post('/ticket', ticketBody({ user_id: requester.id })).expect(403);
      const res = await as(stack, admin).post('/ticket', ticketBody({ user_id: requester.id, title: 'Aberto pelo admin' })).expect(201);
      const [row] = await stack.dataSource.query('SELECT user_id FROM deals WHERE deal_id = $1', [res.body.deal_id]);
      expect(row.user_id).toBe(requester.id);
    });
  });

  describe('listings and authorization', () => {
    let ticket: { id: number; deal_id: number };

    beforeAll(async () => {
      ticket = await createTicket(requester, { title: 'Impressora do financeiro', description: 'Papel atolado na bandeja 2', priority: 'Baixo' });
    });

    it('lists the requester tickets with the seed schema, nested files and activities', async () => {
      const res = await as(stack, requester).get(`/tickets/${requester.id}`).expect(200);
      expect(Array.isArray(res.body)).toBe(true);
      const card = res.body.find((c: { deal_id: number }) => c.deal_id === ticket.deal_id);
      for (const key of [
        'id', 'deal_id', 'title', 'description', 'stage_id', 'opened', 'closed', 'created_by_id', 'requester_department', 'assignee_department',
        'service_category', 'system_type', 'priority', 'matricula', 'date_deadline', 'modify_by_id', 'moved_by_id', 'last_activity_by_id',
        'last_communication_time', 'close_date', 'begin_date', 'created_at', 'updated_at', 'responsible', 'responsible_email',
        'responsible_profile_picture_url', 'requester_profile_picture_url', 'is_unread', 'files', 'activities',
      ]) {
        expect(card).toHaveProperty(key);
      }
      expect(res.body.every((c: { user_id: number }) => c.user_id === requester.id)).toBe(true);
    });

    it('answers 403 for another user’s {user_id}, except to admins', async () => {
      await as(stack, other).get(`/tickets/${requester.id}`).expect(403);
      await as(stack, other).get(`/tickets-opens/${requester.id}`).expect(403);
      await as(stack, other).get(`/tickets-responsible/${staff.id}`).expect(403);
      await as(stack, other).get(`/deal/${ticket.deal_id}/${requester.id}`).expect(403);
      const res = await as(stack, admin).get(`/tickets/${requester.id}`).expect(200);
      expect(res.body.some((c: { deal_id: number }) => c.deal_id === ticket.deal_id)).toBe(true);
    });

    it('shows the responsible their tickets, and nobody else’s ticket to a stranger', async () => {
      const res = await as(stack, staff).get(`/tickets-responsible/${staff.id}`).expect(200);
      expect(res.body.some((c: { deal_id: number }) => c.deal_id === ticket.deal_id)).toBe(true);
      await as(stack, other).get(`/deal/${ticket.deal_id}/${other.id}`).expect(403);
      const own = await as(stack, other).get(`/tickets/${other.id}`).expect(200);
      expect(own.body.some((c: { deal_id: number }) => c.deal_id === ticket.deal_id)).toBe(false);
    });

    it('filters and pages: limit, offset, priority, stage_id, assignee_department, q', async () => {
      const all = (await as(stack, requester).get(`/tickets/${requester.id}`).expect(200)).body as { deal_id: number }[];
      const page = (await as(stack, requester).get(`/tickets/${requester.id}?limit=2&offset=1`).expect(200)).body as { deal_id: number }[];
      expect(page.map((c) => c.deal_id)).toEqual(all.slice(1, 3).map((c) => c.deal_id));
      const low = (await as(stack, requester).get(`/tickets/${requester.id}?priority=Baixo`).expect(200)).body as { priority: string }[];
      expect(low.length).toBeGreaterThan(0);
      expect(low.every((c) => c.priority === 'Baixo')).toBe(true);
      const q = (await as(stack, requester).get(`/tickets/${requester.id}?q=${encodeURIComponent('bandeja')}`).expect(200)).body as { deal_id: number }[];
      expect(q.map((c) => c.deal_id)).toEqual([ticket.deal_id]);
      const none = (await as(stack, requester).get(`/tickets/${requester.id}?stage_id=C19:WON&assignee_department=TI`).expect(200)).body;
      expect(none).toEqual([]);
      await as(stack, requester).get(`/tickets/${requester.id}?limit=abc`).expect(400);
      await as(stack, requester).get(`/tickets/${requester.id}?priority=Urgente`).expect(400);
    });

    it('GET /deal/{deal_id}/{user_id} returns a one-element list and marks the ticket read', async () => {
      await stack.dataSource.query('UPDATE deals SET is_unread = true WHERE deal_id = $1', [ticket.deal_id]);
      const res = await as(stack, requester).get(`/deal/${ticket.deal_id}/${requester.id}`).expect(200);
      expect(res.body).toHaveLength(1);
      expect(res.body[0].deal_id).toBe(ticket.deal_id);
      const [row] = await stack.dataSource.query('SELECT is_unread FROM deals WHERE deal_id = $1', [ticket.deal_id]);
      expect(row.is_unread).toBe(false);
      await as(stack, requester).get(`/deal/999999/${requester.id}`).expect(404);
    });

    it.each([
      ['/deal/abc/1', 'deal_id'],
      ['/deal/1/abc', 'user_id'],
      ['/tickets/abc', 'user_id'],
      ['/tickets-opens/1.5', 'user_id'],
      ['/tickets-responsible/-1', 'user_id'],
    ])('GET %s → 400 naming %s', async (path, field) => {
      const res = await as(stack, requester).get(path).expect(400);
      expect(res.body.detail).toContain(field);
    });

    it('kanban: all tickets for admins, the assignee department’s tickets for its agents, 403 for others', async () => {
      const adminCards = (await as(stack, admin).get('/kanban/cards').expect(200)).body as { deal_id: number }[];
      expect(adminCards.length).toBe(await countRows(stack.dataSource, 'deals'));
      // "TI" typed at sign-up grants nothing; an admin's grant does.
      await as(stack, staff).get('/kanban/cards').expect(403);
      await as(stack, admin).post(`/auth/users/${staff.id}/roles`, { role: 'agent', department: 'TI' }).expect(200);
      const staffCards = (await as(stack, staff).get('/kanban/cards').expect(200)).body as { assignee_department: string; deal_id: number }[];
      expect(staffCards.some((c) => c.deal_id === ticket.deal_id)).toBe(true);
      expect(staffCards.every((c) => c.assignee_department === 'TI')).toBe(true);
      await as(stack, requester).get('/kanban/cards').expect(403);
    });
  });

  describe('actions', () => {
    it('closes with a rating: Bitrix won stage + rating fields, local mirror, deal_updated with the changes only', async () => {
      const ticket = await createTicket(requester);
      const spy = jest.spyOn(broadcaster, 'dealUpdated');
      await as(stack, other).post('/close-ticket', { deal_id: ticket.deal_id, rating: 5 }).expect(403);
      await as(stack, requester).post('/close-ticket', { deal_id: ticket.deal_id, rating: 6 }).expect(400);
      await as(stack, requester).post('/close-ticket', { deal_id: ticket.deal_id, rating: 0 }).expect(400);
      const res = await as(stack, requester).post('/close-ticket', { deal_id: ticket.deal_id, rating: 5, comment: 'Excelente' }).expect(200);
      expect(res.body).toEqual({ status: 'success' });

      expect(bitrix().getDeal(ticket.deal_id)).toMatchObject({ STAGE_ID: 'C19:WON', CLOSED: 'Y', UF_CRM_1736515121: '5', UF_CRM_1736515143: 'Excelente' });
      const [row] = await stack.dataSource.query('SELECT closed, close_date, rating, rating_comment, stage_id FROM deals WHERE deal_id = $1', [ticket.deal_id]);
      expect(row).toMatchObject({ closed: 'Y', rating: 5, rating_comment: 'Excelente', stage_id: 'C19:WON' });
      expect(row.close_date).toBeInstanceOf(Date);
      const [, event] = spy.mock.calls[0];
      expect(event).toEqual({
        event: 'deal_updated',
        deal_id: ticket.deal_id,
        changes: { stage_id: 'C19:WON', closed: 'Y', close_date: row.close_date.toISOString(), rating: 5, rating_comment: 'Excelente' },
      });
      const open = (await as(stack, requester).get(`/tickets-opens/${requester.id}`).expect(200)).body as { deal_id: number }[];
      expect(open.some((c) => c.deal_id === ticket.deal_id)).toBe(false);
      await as(stack, requester).post('/close-ticket', { deal_id: ticket.deal_id }).expect(409);
      await as(stack, requester).post('/close-ticket', { deal_id: 'abc' }).expect(400);
    });

    it('adds a timeline comment with a file: Bitrix comment, local activity + S3 file, new_comment broadcast', async () => {
      const ticket = await createTicket(requester);
      const spy = jest.spyOn(broadcaster, 'activityAdded');
      await as(stack, other).post('/ticket/comment', { deal_id: ticket.deal_id, message: 'intruso' }).expect(403);
      const res = await as(stack, staff)
        .post('/ticket/comment', { deal_id: ticket.deal_id, message: 'Aplicamos o patch 1.2.5', attachments: [{ filename: 'patch.png', content: PNG_1PX.toString('base64') }] })
        .expect(200);
      expect(res.body).toEqual({ status: 'success' });
      const comment = bitrix().comments.find((c) => Number(c.ENTITY_ID) === ticket.deal_id)!;
      expect(comment.COMMENT).toBe('Aplicamos o patch 1.2.5');

      const cards = (await as(stack, requester).get(`/deal/${ticket.deal_id}/${requester.id}`).expect(200)).body;
      const activity = cards[0].activities[0];
      expect(activity).toMatchObject({ activity_id: Number(comment.ID), type_id: '2', direction: 'outgoing', description: 'Aplicamos o patch 1.2.5', responsible_email: staff.email });
      expect(activity.files).toHaveLength(1);
      const bytes = Buffer.from(await (await fetch(activity.files[0].file_url)).arrayBuffer());
      expect(bytes.equals(PNG_1PX)).toBe(true);
      const [fileRow] = await stack.dataSource.query('SELECT file_id FROM activity_files WHERE id = $1', [activity.files[0].id]);
      expect(bitrix().getFile(fileRow.file_id)?.content.equals(PNG_1PX)).toBe(true);
      expect(spy.mock.calls[0][1]).toMatchObject({ event: 'new_comment', deal_id: ticket.deal_id, activity: { activity_id: Number(comment.ID), type_id: '2' } });
    });

    it('refuses blank text, a string deal_id, malformed UTF-16 and out-of-range numbers with a 400 naming the field, before any Bitrix call', async () => {
      const ticket = await createTicket(requester);
      const before = bitrix().stats.httpRequests;
      const cases: [string, Record<string, unknown>, string][] = [
        ['/ticket/comment', { deal_id: ticket.deal_id, message: ' \n\t ' }, 'message'],
        ['/ticket/comment', { deal_id: String(ticket.deal_id), message: 'oi' }, 'deal_id'],
        ['/send-email', { deal_id: ticket.deal_id, to_email: requester.email, subject: '   ', message: 'oi' }, 'subject'],
        ['/send-email', { deal_id: ticket.deal_id, to_email: requester.email, subject: 'Oi', message: '  ' }, 'message'],
        ['/send-email', { deal_id: ticket.deal_id, to_email: 'maria\uD83D@carvalima.test', subject: 'Oi', message: 'oi' }, 'to_email'],
        ['/close-ticket', { deal_id: 2147483648 }, 'deal_id'],
        ['/close-ticket', { deal_id: 1e300 }, 'deal_id'],
        ['/close-ticket', { deal_id: ticket.deal_id, rating: 6 }, 'rating'],
        ['/ticket', ticketBody({ user_id: 9007199254740992 }), 'user_id'],
        ['/ticket', ticketBody({ title: '  ' }), 'title'],
      ];
      for (const [path, body, field] of cases) {
        const res = await as(stack, requester).post(path, body).expect(400);
        expect((res.body.errors as { field: string }[]).map((e) => e.field)).toEqual([field]);
        expect(typeof res.body.message).toBe('string');
      }
      expect(bitrix().stats.httpRequests).toBe(before);
    });

    it('sends an e-mail over SMTP once and records it in Bitrix as an outgoing e-mail that Bitrix does not send', async () => {
      const ticket = await createTicket(requester);
      const subject = `Atualização sobre seu chamado #${ticket.deal_id}`;
      await as(stack, other).post('/send-email', { deal_id: ticket.deal_id, to_email: 'x@carvalima.test', subject, message: 'oi' }).expect(403);
      await as(stack, staff).post('/send-email', { deal_id: ticket.deal_id, to_email: 'not-an-email', subject, message: 'oi' }).expect(400);
      const res = await as(stack, staff)
        .post('/send-email', { deal_id: ticket.deal_id, from_email: 'suporte@carvalima.test', to_email: requester.email, subject, message: 'O sistema já foi corrigido.' })
        .expect(200);
      expect(res.body).toEqual({ status: 'success' });
      const mail = await stack.mailbox.waitFor((m) => m.subject === subject);
      expect(mail.text?.trim()).toBe('O sistema já foi corrigido.');
      expect(JSON.stringify(mail.replyTo)).toContain('suporte@carvalima.test');
      const recorded = bitrix().activities.find((a) => Number(a.OWNER_ID) === ticket.deal_id && a.SUBJECT === subject)!;
      expect(recorded).toMatchObject({ TYPE_ID: '4', DIRECTION: '2', COMPLETED: 'N' });
      expect(bitrix().sentEmails.filter((e) => e.subject === subject)).toHaveLength(0);
      const [row] = await stack.dataSource.query("SELECT type_id, direction, subject, to_email, from_email FROM activities WHERE activity_id = $1 AND bitrix_source = 'activity'", [
        Number(recorded.ID),
      ]);
      expect(row).toEqual({ type_id: '4', direction: 'outgoing', subject, to_email: requester.email, from_email: 'suporte@carvalima.test' });
    });
  });

  describe('with the Webhook module mirroring the same deals', () => {
    it('keeps the local requester and responsible after the deal events are processed', async () => {
      const ticket = await createTicket(requester, { title: 'Convivência com o webhook' });
      bitrix().resumeEvents();
      await bitrix().flush();
      await new Promise((r) => setTimeout(r, 1500));
      const [row] = await stack.dataSource.query('SELECT user_id, responsible_id, title, deleted_at FROM deals WHERE deal_id = $1', [ticket.deal_id]);
      expect(row).toEqual({ user_id: requester.id, responsible_id: staff.id, title: 'Convivência com o webhook', deleted_at: null });
      bitrix().pauseEvents();
    });
  });

  describe('SQL queries per listing', () => {
    it('issues the same fixed number of queries for 1 and for 200 tickets (with activities and files)', async () => {
      const owner = await createUser(stack);
      const seed = async (count: number, offset: number) => {
        await stack.dataSource.query(
          `INSERT INTO deals (deal_id, title, stage_id, closed, user_id, priority, assignee_department)
           SELECT 900000 + $3 + g, 'Seeded ' || g, 'C19:NEW', 'N', $1, 'Médio', 'Compras' FROM generate_series(1, $2) g`,
          [owner.id, count, offset],
        );
        await stack.dataSource.query(
          `INSERT INTO deal_files (deal_id, file_url, filename) SELECT id, 'attachments/x/' || id || '.txt', 'f.txt' FROM deals WHERE user_id = $1 AND deal_id > 900000 + $2`,
          [owner.id, offset],
        );
        await stack.dataSource.query(
          `INSERT INTO activities (activity_id, bitrix_source, deal_id, type_id, description, responsible_email)
           SELECT 800000 + id * 2 + k, 'comment', id, '2', 'c', $3 FROM deals, generate_series(0, 1) k WHERE user_id = $1 AND deal_id > 900000 + $2`,
          [owner.id, offset, staff.email],
        );
        await stack.dataSource.query(
          `INSERT INTO activity_files (activity_id, file_url, filename) SELECT a.id, 'attachments/y/' || a.id || '.txt', 'g.txt'
           FROM activities a JOIN deals d ON d.id = a.deal_id WHERE d.user_id = $1 AND d.deal_id > 900000 + $2`,
          [owner.id, offset],
        );
      };
      await seed(1, 0);
      const one = await countQueries(stack.dataSource, () => as(stack, owner).get(`/tickets/${owner.id}`).expect(200));
      expect(one.result.body).toHaveLength(1);
      await seed(199, 1);
      const many = await countQueries(stack.dataSource, () => as(stack, owner).get(`/tickets/${owner.id}`).expect(200));
      expect(many.result.body).toHaveLength(200);
      expect(many.result.body[0].activities).toHaveLength(2);
      expect(many.result.body[0].activities[0].files).toHaveLength(1);
      expect(many.result.body[0].files[0].file_url).toContain('X-Amz-Signature');

      const ticketQueries = (qs: string[]) => qs.filter((q) => /\b(deals|deal_files|activities|activity_files)\b/.test(q));
      // Only the request's own queries: background workers (webhook relay, socket session checks) share the pool.
      const requestQueries = (qs: string[]) => qs.filter((q) => /\b(deals|deal_files|activities|activity_files|users|auth_sessions)\b/.test(q));
      expect(requestQueries(many.queries).length).toBe(requestQueries(one.queries).length);
      // One query, which also reads the page's row versions (its ETag).
      expect(ticketQueries(many.queries)).toHaveLength(1);
      expect(ticketQueries(one.queries)).toHaveLength(1);

      const kanban = await countQueries(stack.dataSource, () => as(stack, admin).get('/kanban/cards').expect(200));
      expect(ticketQueries(kanban.queries)).toHaveLength(1);
      // A current copy (If-None-Match): the validator query alone, and no card is built.
      const unchanged = await countQueries(stack.dataSource, () =>
        as(stack, owner).get(`/tickets/${owner.id}`).set('If-None-Match', many.result.headers.etag as string).expect(304),
      );
      expect(ticketQueries(unchanged.queries)).toHaveLength(1);
      // Printed for the report.
      console.log(`listing queries: total ${one.queries.length} (1 ticket) / ${many.queries.length} (200 tickets); tickets ${ticketQueries(many.queries).length}`);
    });
  });
});
