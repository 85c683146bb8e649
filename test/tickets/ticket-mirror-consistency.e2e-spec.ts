import { startTestStack, TestStack } from '../support/test-stack';
import { createUser, TestUser } from '../support/users';
import { BroadcastSpy, fastWebhookEnv, localDeal, settleEvents, spyOnBroadcasts } from '../webhook/webhook-test-kit';
import { as, PNG_1PX, ticketBody } from './ticket-test-kit';

const HOUR = 3_600_000;
const PRIORITY_ID = { Crítico: '1557', Alto: '1559', Médio: '1561', Baixo: '1563' } as const;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Card = { [key: string]: Json } & { deal_id: number; activities: { [key: string]: Json }[] };

/** The keys of a JSON value, recursively (arrays by their first element): what "the same shape" compares. */
function keysOf(value: Json, path = ''): string[] {
  if (Array.isArray(value)) return value.length ? keysOf(value[0], `${path}[]`) : [`${path}[]`];
  if (value && typeof value === 'object') return Object.keys(value).sort().flatMap((key) => [`${path}.${key}`, ...keysOf(value[key], `${path}.${key}`)]);
  return [];
}

/**
 * The mirror tells one story whichever path wrote a row (issue 15): a ticket made through the API and one
 * made in the portal (webhook) read, list and announce alike, with the portal's own times.
 */
describe('Tickets mirror consistency (e2e: API and portal paths against the Bitrix24 emulator)', () => {
  let stack: TestStack;
  let requester: TestUser;
  let staff: TestUser;
  let admin: TestUser;
  let staffBitrixId: number;
  let spy: BroadcastSpy;

  beforeAll(async () => {
    stack = await startTestStack({ bitrix: true, env: fastWebhookEnv() });
    [requester, staff, admin] = await Promise.all([
      createUser(stack, { overrides: { full_name: 'Maria Santos' } }),
      createUser(stack, { overrides: { department: 'TI' } }),
      createUser(stack, { admin: true }),
    ]);
    staffBitrixId = Number(stack.bitrix!.seedUser({ NAME: 'João', LAST_NAME: 'Tech', EMAIL: staff.email }).ID);
    spy = spyOnBroadcasts(stack);
  });
  afterAll(async () => {
    await stack?.close();
  });

  const bitrix = () => stack.bitrix!;
  const settle = () => settleEvents(stack);

  /** A deal as an IT agent would make it in the portal: same fields as POST /ticket writes, no SLA field. */
  function portalDeal(fields: Record<string, unknown> = {}) {
    return bitrix().createDeal({
      TITLE: 'Sistema travando ao gerar relatório',
      COMMENTS: "Ao clicar em 'Gerar Relatório', o sistema congela",
      CATEGORY_ID: 19,
      ASSIGNED_BY_ID: staffBitrixId,
      UF_CRM_1701707001: PRIORITY_ID.Alto,
      UF_CRM_1701706961: 'Sistema Financeiro',
      UF_CRM_1701706933: 'ERP',
      UF_CRM_1736515084: 'TI',
      UF_CRM_1701706905: 'Financeiro',
      UF_CRM_1701706872: requester.matricula,
      UF_CRM_1701706884: requester.email,
      UF_CRM_1701706858: 'Maria Santos',
      ...fields,
    });
  }

  async function cardOf(bitrixDealId: number): Promise<Card> {
    const cards = (await as(stack, requester).get(`/tickets/${requester.id}`).expect(200)).body as Card[];
    const card = cards.find((c) => c.deal_id === bitrixDealId);
    if (!card) throw new Error(`ticket ${bitrixDealId} not listed`);
    return card;
  }

  it('lists and announces a ticket made through the API and one made in the portal alike', async () => {
    spy.reset();
    const created = await as(stack, requester).post('/ticket', ticketBody({ resp_id: String(staffBitrixId) })).expect(201);
    const apiDealId: number = created.body.deal_id;
    await as(stack, staff)
      .post('/ticket/comment', { deal_id: apiDealId, message: 'Aplicamos o patch', attachments: [{ filename: 'patch.png', content: PNG_1PX.toString('base64') }] })
      .expect(200);
    const createdAt = new Date(Date.now() - 2 * HOUR);
    const portalDealId = Number(portalDeal({ DATE_CREATE: createdAt.toISOString() }).ID);
    await settle();
    bitrix().addComment(portalDealId, 'Aplicamos o patch', [{ name: 'patch.png', content: PNG_1PX }]);
    await settle();

    const [apiCard, portalCard] = [await cardOf(apiDealId), await cardOf(portalDealId)];
    expect(keysOf(portalCard)).toEqual(keysOf(apiCard));
    for (const card of [apiCard, portalCard]) {
      expect(card).toMatchObject({
        user_id: requester.id,
        responsible_id: staff.id,
        responsible: 'João Tech',
        responsible_email: staff.email,
        priority: 'Alto',
        requester_email: requester.email,
        date_deadline: expect.any(String),
      });
      expect(card.activities).toHaveLength(1);
      expect(card.activities[0]).toMatchObject({ description: 'Aplicamos o patch', direction: 'outgoing', files: [expect.objectContaining({ filename: 'patch.png' })] });
    }
    // The portal's times: opened at DATE_CREATE, deadline by the SLA rule from it (the portal left it empty).
    expect(Date.parse(String(portalCard.created_at))).toBe(Math.floor(createdAt.getTime() / 1000) * 1000);
    expect(Date.parse(String(portalCard.date_deadline))).toBe(Date.parse(String(portalCard.created_at)) + 4 * HOUR);

    const newTickets = spy.created as { deal_id: number }[];
    const apiTicket = newTickets.find((e) => e.deal_id === apiDealId);
    const portalTicket = newTickets.find((e) => e.deal_id === portalDealId);
    expect(portalTicket).toEqual({ ...apiTicket, deal_id: portalDealId });
    expect(apiTicket).toMatchObject({ event: 'new_ticket', title: 'Sistema travando ao gerar relatório', priority: 'Alto', requester: 'Maria Santos' });

    const apiComment = spy.activities.find((e) => e.deal_id === apiDealId)!;
    const portalComment = spy.activities.find((e) => e.deal_id === portalDealId)!;
    expect(spy.activities.filter((e) => e.deal_id === apiDealId)).toHaveLength(1);
    expect(Object.keys(portalComment.activity).sort()).toEqual(Object.keys(apiComment.activity).sort());
    for (const event of [apiComment, portalComment]) {
      const files = event.activity.files as { file_url: string; filename: string }[];
      expect(files).toEqual([expect.objectContaining({ filename: 'patch.png', file_url: expect.stringMatching(/^http/) })]);
      const bytes = Buffer.from(await (await fetch(files[0].file_url)).arrayBuffer());
      expect(bytes.equals(PNG_1PX)).toBe(true);
    }
  });

  it('sends no deal_updated for the echo of a creation or a close, one for the close itself', async () => {
    spy.reset();
    const created = await as(stack, requester).post('/ticket', ticketBody({ resp_id: String(staffBitrixId) })).expect(201);
    const dealId: number = created.body.deal_id;
    // Without resp_id Bitrix makes its webhook user the responsible: the API names the same one at once.
    const unassigned = await as(stack, requester).post('/ticket', ticketBody()).expect(201);
    await settle();
    expect(spy.updated.filter((e) => e.deal_id === dealId || e.deal_id === unassigned.body.deal_id)).toEqual([]);
    expect((await localDeal(stack, unassigned.body.deal_id))?.responsible_bitrix_id).toBe(String(bitrix().getDeal(unassigned.body.deal_id)!.ASSIGNED_BY_ID));

    await as(stack, requester).post('/close-ticket', { deal_id: dealId, rating: 4 }).expect(200);
    await settle();
    const updates = spy.updated.filter((e) => e.deal_id === dealId);
    expect(updates).toHaveLength(1);
    expect(Object.keys(updates[0].changes).sort()).toEqual(['close_date', 'closed', 'rating', 'stage_id']);
    // The close time is the won-stage move Bitrix recorded.
    expect(Date.parse(String(updates[0].changes.close_date))).toBe(Date.parse(String(bitrix().getDeal(dealId)!.MOVED_TIME)));

    // A portal edit of a field the SPA does not show (the deal's probability) is no news either.
    bitrix().updateDeal(dealId, { PROBABILITY: 50 });
    await settle();
    expect(spy.updated.filter((e) => e.deal_id === dealId)).toHaveLength(1);
  });

  it('never takes the ticket away from its responsible when the webhook re-reads it', async () => {
    // The responsible's portal e-mail is not their local one: they are linked by their Bitrix user ID.
    const agentBitrixId = Number(bitrix().seedUser({ NAME: 'Ana', LAST_NAME: 'Suporte', EMAIL: 'ana.suporte@portal.example' }).ID);
    const agent = await createUser(stack, { overrides: { department: 'TI' } });
    await stack.dataSource.query('UPDATE users SET bitrix_user_id = $1 WHERE id = $2', [agentBitrixId, agent.id]);
    const created = await as(stack, requester).post('/ticket', ticketBody({ resp_id: String(agentBitrixId) })).expect(201);
    const dealId: number = created.body.deal_id;
    await settle();
    bitrix().updateDeal(dealId, { TITLE: 'Sistema travando (atualizado no portal)' });
    await settle();

    expect(await localDeal(stack, dealId)).toMatchObject({ title: 'Sistema travando (atualizado no portal)', responsible_id: agent.id });
    const cards = (await as(stack, agent).get(`/deal/${dealId}/${agent.id}`).expect(200)).body as Card[];
    expect(cards[0]).toMatchObject({ deal_id: dealId, responsible_id: agent.id, responsible: 'Ana Suporte' });
  });

  it('stores an e-mail attachment once, though the webhook re-reads the e-mail activity', async () => {
    const created = await as(stack, requester).post('/ticket', ticketBody({ resp_id: String(staffBitrixId) })).expect(201);
    const dealId: number = created.body.deal_id;
    const keysBefore = stack.s3.keys().length;
    await as(stack, staff)
      .post('/send-email', {
        deal_id: dealId,
        to_email: requester.email,
        subject: `Chamado #${dealId}`,
        message: 'Segue o relatório.',
        attachments: [{ filename: 'relatorio.png', content: PNG_1PX.toString('base64') }],
      })
      .expect(200);
    await settle();
    const files: { file_id: number | null; filename: string }[] = await stack.dataSource.query(
      `SELECT f.file_id, f.filename FROM activity_files f JOIN activities a ON a.id = f.activity_id JOIN deals d ON d.id = a.deal_id WHERE d.deal_id = $1`,
      [dealId],
    );
    expect(files).toEqual([{ file_id: expect.any(Number), filename: 'relatorio.png' }]);
    expect(stack.s3.keys().length - keysBefore).toBe(1);
  });

  it('stores Bitrix texts longer than their column cut to the column length (the entity declares it)', async () => {
    const dealId = Number(portalDeal({ TITLE: 'T'.repeat(300) }).ID);
    const activity = bitrix().addActivity(dealId, { SUBJECT: 'S'.repeat(300), DESCRIPTION: 'longo' });
    await settle();
    expect(((await localDeal(stack, dealId))?.title as string).length).toBe(255);
    const [row] = await stack.dataSource.query(`SELECT subject FROM activities WHERE bitrix_source = 'activity' AND activity_id = $1`, [Number(activity.ID)]);
    expect(row.subject).toBe('S'.repeat(255));
  });

  it('computes the SLA report of portal-made tickets from the portal’s own dates', async () => {
    const department = `SLA-${Date.now()}`;
    const now = Date.now();
    // Alto (4 h): one closed after 10 h (late), one after 2 h (in time); Médio (24 h) open for 30 h (overdue); Baixo open for 1 h.
    const late = Number(portalDeal({ UF_CRM_1736515084: department, DATE_CREATE: new Date(now - 10 * HOUR).toISOString() }).ID);
    const inTime = Number(portalDeal({ UF_CRM_1736515084: department, DATE_CREATE: new Date(now - 2 * HOUR).toISOString() }).ID);
    portalDeal({ UF_CRM_1736515084: department, UF_CRM_1701707001: PRIORITY_ID['Médio'], DATE_CREATE: new Date(now - 30 * HOUR).toISOString() });
    portalDeal({ UF_CRM_1736515084: department, UF_CRM_1701707001: PRIORITY_ID.Baixo, DATE_CREATE: new Date(now - 1 * HOUR).toISOString() });
    bitrix().moveDealStage(late, 'C19:WON');
    bitrix().moveDealStage(inTime, 'C19:WON');
    await settle();

    const hoursToClose = [late, inTime].map((id) => {
      const deal = bitrix().getDeal(id)!;
      return (Date.parse(String(deal.MOVED_TIME)) - Date.parse(String(deal.DATE_CREATE))) / HOUR;
    });
    const report = (await as(stack, admin).get(`/reports/sla?assignee_department=${department}&group_by=priority`).expect(200)).body;
    expect(report.totals).toMatchObject({ opened: 4, closed: 2, open: 2, open_overdue: 1, closed_with_deadline: 2, closed_within_sla: 1 });
    expect(report.totals.median_hours_to_close).toBeCloseTo((hoursToClose[0] + hoursToClose[1]) / 2, 3);
    expect(report.groups.map((g: { key: string }) => g.key).sort()).toEqual(['Alto', 'Baixo', 'Médio']);

    // Opening times group and filter by DATE_CREATE: the 30-hour-old ticket is outside a range starting today.
    const today = new Date(now).toISOString().slice(0, 10);
    const days = (await as(stack, admin).get(`/reports/sla?assignee_department=${department}&group_by=day`).expect(200)).body;
    const expectedDays = [30, 10, 2, 1].map((h) => new Date(now - h * HOUR).toISOString().slice(0, 10));
    expect(days.groups.map((g: { key: string }) => g.key).sort()).toEqual([...new Set(expectedDays)].sort());
    const fromToday = (await as(stack, admin).get(`/reports/sla?assignee_department=${department}&from=${today}`).expect(200)).body;
    expect(fromToday.totals.opened).toBe(expectedDays.filter((d) => d >= today).length);
  });
});
