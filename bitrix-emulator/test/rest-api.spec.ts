import { BitrixEmulator, DEFAULT_DEAL_USER_FIELDS, startBitrixEmulator } from '../src';
import { callForm, callGet, callJson, resultOf } from './helpers';

type Row = Record<string, unknown>;
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;

describe('REST surface: envelopes, encodings, deals, contacts, users', () => {
  let emu: BitrixEmulator;

  beforeAll(async () => {
    emu = await startBitrixEmulator({ rateLimit: 0, webhookCode: 'testcode12345678' });
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.reset());

  describe('envelopes and errors', () => {
    it('answers a success with result and the full time member', async () => {
      const answer = await callJson(emu, 'crm.deal.add', { fields: { TITLE: 'Printer broken' } });
      expect(answer.status).toBe(200);
      expect(answer.contentType).toContain('application/json');
      expect(typeof answer.json.result).toBe('number');
      const time = answer.json.time as Record<string, unknown>;
      for (const key of ['start', 'finish', 'duration', 'processing', 'operating_reset_at', 'operating']) expect(typeof time[key]).toBe('number');
      expect(time.date_start).toMatch(ISO_WITH_OFFSET);
      expect(time.date_finish).toMatch(ISO_WITH_OFFSET);
    });

    it('rejects a wrong webhook code or user id with 401 NO_AUTH_FOUND', async () => {
      for (const path of ['/rest/1/wrongcode/crm.deal.get.json', '/rest/2/testcode12345678/crm.deal.get.json', '/rest/testcode12345678/crm.deal.get.json']) {
        const response = await fetch(`${emu.url}${path}`, { method: 'POST' });
        expect(response.status).toBe(401);
        expect(await response.json()).toEqual({ error: 'NO_AUTH_FOUND', error_description: 'Wrong authorization data' });
      }
    });

    it('answers an unknown method with 404 ERROR_METHOD_NOT_FOUND', async () => {
      const answer = await callJson(emu, 'crm.deal.teleport', {});
      expect(answer.status).toBe(404);
      expect(answer.json).toEqual({ error: 'ERROR_METHOD_NOT_FOUND', error_description: 'Method not found!' });
    });

    it('answers a missing deal with 400 and an empty error code', async () => {
      const answer = await callJson(emu, 'crm.deal.get', { id: 999999 });
      expect(answer.status).toBe(400);
      expect(answer.json).toEqual({ error: '', error_description: 'Not found' });
      const bad = await callJson(emu, 'crm.deal.get', { id: 'abc' });
      expect(bad.json).toEqual({ error: '', error_description: 'ID is not defined or invalid' });
    });

    it('treats method names case-insensitively, with or without .json', async () => {
      const id = resultOf<number>(await callJson(emu, 'CRM.Deal.Add', { fields: { TITLE: 'A' } }));
      const response = await fetch(`${emu.inboundUrl}crm.deal.get?id=${id}`);
      expect(response.status).toBe(200);
    });
  });

  describe('encodings', () => {
    it('accepts form-encoded PHP-style bracket keys, JSON and GET query strings alike', async () => {
      const formId = resultOf<number>(
        await callForm(emu, 'crm.deal.add', { fields: { TITLE: 'Via form & co', CATEGORY_ID: '19', UF_CRM_1701707001: '1559' } }),
      );
      const jsonId = resultOf<number>(await callJson(emu, 'crm.deal.add', { fields: { TITLE: 'Via JSON', CATEGORY_ID: 19 } }));
      const viaGet = resultOf<Row>(await callGet(emu, 'crm.deal.get', { id: formId }));
      expect(viaGet.TITLE).toBe('Via form & co');
      expect(viaGet.UF_CRM_1701707001).toBe('1559');
      expect(viaGet.STAGE_ID).toBe('C19:NEW');
      expect(resultOf<Row>(await callForm(emu, 'crm.deal.get', { ID: String(jsonId) })).TITLE).toBe('Via JSON');
    });

    it('parses deeply nested form keys (contact multifields)', async () => {
      const id = resultOf<number>(
        await callForm(emu, 'crm.contact.add', {
          fields: { NAME: 'Maria', LAST_NAME: 'Silva', EMAIL: [{ VALUE: 'maria@example.com', VALUE_TYPE: 'WORK' }], PHONE: [{ VALUE: '+5565999990000', VALUE_TYPE: 'MOBILE' }] },
        }),
      );
      const contact = resultOf<Row>(await callJson(emu, 'crm.contact.get', { id }));
      expect(contact.EMAIL).toEqual([{ ID: expect.any(String), VALUE_TYPE: 'WORK', VALUE: 'maria@example.com', TYPE_ID: 'EMAIL' }]);
      expect(contact.PHONE).toEqual([{ ID: expect.any(String), VALUE_TYPE: 'MOBILE', VALUE: '+5565999990000', TYPE_ID: 'PHONE' }]);
    });
  });

  describe('deals', () => {
    it('add returns a number; get returns strings, nulls, Y/N flags and ISO dates with offset', async () => {
      const answer = await callJson(emu, 'crm.deal.add', {
        fields: { TITLE: 'VPN down', CATEGORY_ID: 19, OPPORTUNITY: 10, UF_CRM_1701707001: 1557, UF_CRM_1701706961: 'Rede' },
        params: { REGISTER_SONET_EVENT: 'N' },
      });
      const id = resultOf<number>(answer);
      expect(typeof id).toBe('number');
      const deal = resultOf<Row>(await callJson(emu, 'crm.deal.get', { id }));
      expect(deal).toMatchObject({
        ID: String(id),
        TITLE: 'VPN down',
        CATEGORY_ID: '19',
        STAGE_ID: 'C19:NEW',
        STAGE_SEMANTIC_ID: 'P',
        OPENED: 'Y',
        CLOSED: 'N',
        OPPORTUNITY: '10.00',
        CREATED_BY_ID: '1',
        ASSIGNED_BY_ID: '1',
        UF_CRM_1701707001: '1557',
        UF_CRM_1701706961: 'Rede',
        UF_CRM_1736515084: null,
        COMMENTS: null,
      });
      expect(deal.DATE_CREATE).toMatch(ISO_WITH_OFFSET);
      expect(deal.DATE_MODIFY).toMatch(ISO_WITH_OFFSET);
      expect(deal.CLOSEDATE).toMatch(ISO_WITH_OFFSET);
      expect(deal).not.toHaveProperty('CONTACT_IDS');
    });

    it('update changes only the given fields, bumps DATE_MODIFY and closes on WON/LOSE', async () => {
      const created = emu.createDeal({ TITLE: 'Old', CATEGORY_ID: 19, COMMENTS: 'keep me', DATE_MODIFY: '2024-01-01T10:00:00-03:00' });
      const id = Number(created.ID);
      expect(created.DATE_MODIFY).toBe('2024-01-01T10:00:00-03:00');
      expect(resultOf(await callJson(emu, 'crm.deal.update', { id, fields: { TITLE: 'New', NOT_A_FIELD: 'x' } }))).toBe(true);
      let deal = resultOf<Row>(await callJson(emu, 'crm.deal.get', { id }));
      expect(deal.TITLE).toBe('New');
      expect(deal.COMMENTS).toBe('keep me');
      expect(deal.DATE_MODIFY).not.toBe('2024-01-01T10:00:00-03:00');
      expect(deal).not.toHaveProperty('NOT_A_FIELD');

      await callJson(emu, 'crm.deal.update', { ID: id, FIELDS: { STAGE_ID: 'C19:WON' } });
      deal = resultOf<Row>(await callJson(emu, 'crm.deal.get', { id }));
      expect(deal).toMatchObject({ STAGE_ID: 'C19:WON', CLOSED: 'Y', STAGE_SEMANTIC_ID: 'S' });
      expect(deal.CLOSEDATE).toMatch(ISO_WITH_OFFSET);

      await callJson(emu, 'crm.deal.update', { id, fields: { STAGE_ID: 'C19:LOSE' } });
      deal = resultOf<Row>(await callJson(emu, 'crm.deal.get', { id }));
      expect(deal).toMatchObject({ STAGE_ID: 'C19:LOSE', CLOSED: 'Y', STAGE_SEMANTIC_ID: 'F' });

      const missing = await callJson(emu, 'crm.deal.update', { id: 424242, fields: { TITLE: 'x' } });
      expect(missing.status).toBe(400);
      expect(missing.json.error_description).toBe('Not found');
    });

    it('pages lists by exactly 50 with total and next; start=-1 skips counting', async () => {
      for (let i = 0; i < 120; i += 1) emu.createDeal({ TITLE: `Deal ${i}`, CATEGORY_ID: 19 });
      const page0 = await callJson(emu, 'crm.deal.list', { order: { ID: 'ASC' }, select: ['ID', 'TITLE'] });
      expect((page0.json.result as Row[]).length).toBe(50);
      expect(page0.json.total).toBe(120);
      expect(page0.json.next).toBe(50);
      const page1 = await callJson(emu, 'crm.deal.list', { order: { ID: 'ASC' }, start: 50 });
      expect((page1.json.result as Row[]).length).toBe(50);
      expect(page1.json.next).toBe(100);
      const page2 = await callForm(emu, 'crm.deal.list', { order: { ID: 'ASC' }, start: '100' });
      expect((page2.json.result as Row[]).length).toBe(20);
      expect(page2.json.total).toBe(120);
      expect(page2.json).not.toHaveProperty('next');
      const ids = [page0, page1, page2].flatMap((p) => (p.json.result as Row[]).map((r) => Number(r.ID)));
      expect(new Set(ids).size).toBe(120);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));

      const noCount = await callJson(emu, 'crm.deal.list', { start: -1, order: { ID: 'ASC' }, filter: { '>ID': ids[99] } });
      expect((noCount.json.result as Row[]).map((r) => Number(r.ID))).toEqual(ids.slice(100));
      expect(noCount.json.total).toBe(0);
      expect(noCount.json).not.toHaveProperty('next');
    });

    it('filters with prefixes, on dates, UF fields and ids; select supports * and UF_*', async () => {
      const a = emu.createDeal({ TITLE: 'Printer jam', CATEGORY_ID: 19, UF_CRM_1701707001: 1557, DATE_MODIFY: '2024-03-01T08:00:00-03:00' });
      const b = emu.createDeal({ TITLE: 'Email quota', CATEGORY_ID: 19, UF_CRM_1701707001: 1563, DATE_MODIFY: '2024-03-05T08:00:00-03:00' });
      const c = emu.createDeal({ TITLE: 'Sales lead', CATEGORY_ID: 0, DATE_MODIFY: '2024-03-10T08:00:00-03:00' });
      const ids = async (filter: Row, extra: Row = {}): Promise<string[]> =>
        resultOf<Row[]>(await callJson(emu, 'crm.deal.list', { filter, select: ['ID'], ...extra })).map((r) => String(r.ID));

      expect(await ids({ CATEGORY_ID: 19 })).toEqual([a.ID, b.ID]);
      expect(await ids({ '>=DATE_MODIFY': '2024-03-05T08:00:00-03:00' })).toEqual([b.ID, c.ID]);
      expect(await ids({ '>DATE_MODIFY': '2024-03-05T11:00:00Z' })).toEqual([c.ID]);
      expect(await ids({ '<DATE_MODIFY': '2024-03-05' })).toEqual([a.ID]);
      expect(await ids({ '@ID': [a.ID, c.ID] })).toEqual([a.ID, c.ID]);
      expect(await ids({ '!@ID': [a.ID, c.ID] })).toEqual([b.ID]);
      expect(await ids({ '%TITLE': 'quota' })).toEqual([b.ID]);
      expect(await ids({ '=UF_CRM_1701707001': '1557' })).toEqual([a.ID]);
      expect(await ids({ '!STAGE_ID': 'C19:NEW' })).toEqual([c.ID]);
      expect(await ids({ '!=CATEGORY_ID': 19 })).toEqual([c.ID]);
      expect(await ids({ '>ID': a.ID, '<=ID': b.ID })).toEqual([b.ID]);
      expect(await ids({}, { order: { DATE_MODIFY: 'DESC' } })).toEqual([c.ID, b.ID, a.ID]);

      const selected = resultOf<Row[]>(await callJson(emu, 'crm.deal.list', { filter: { ID: a.ID }, select: ['TITLE', 'UF_*'] }))[0];
      expect(Object.keys(selected).sort()).toEqual(['ID', 'TITLE', ...DEFAULT_DEAL_USER_FIELDS.map((f) => f.FIELD_NAME)].sort());
      const star = resultOf<Row[]>(await callJson(emu, 'crm.deal.list', { filter: { ID: a.ID }, select: ['*'] }))[0];
      expect(star).toHaveProperty('STAGE_ID');
      expect(star).not.toHaveProperty('UF_CRM_1701707001');
    });

    it('delete removes the deal; fields describes UF enumeration items', async () => {
      const id = resultOf<number>(await callJson(emu, 'crm.deal.add', { fields: { TITLE: 'tmp' } }));
      expect(resultOf(await callJson(emu, 'crm.deal.delete', { id }))).toBe(true);
      expect((await callJson(emu, 'crm.deal.get', { id })).status).toBe(400);
      const fields = resultOf<Record<string, Row>>(await callJson(emu, 'crm.deal.fields'));
      expect(fields.TITLE).toMatchObject({ type: 'string', isReadOnly: false });
      expect(fields.UF_CRM_1701707001).toMatchObject({ type: 'enumeration', isDynamic: true });
      expect(fields.UF_CRM_1701707001.items).toEqual([
        { ID: '1557', VALUE: 'Crítico' },
        { ID: '1559', VALUE: 'Alto' },
        { ID: '1561', VALUE: 'Médio' },
        { ID: '1563', VALUE: 'Baixo' },
      ]);
    });
  });

  describe('contacts, users, statuses', () => {
    it('filters contacts by exact e-mail/phone and returns multifields only when selected', async () => {
      const id = resultOf<number>(
        await callJson(emu, 'crm.contact.add', { fields: { NAME: 'João', EMAIL: [{ VALUE: 'joao@example.com', VALUE_TYPE: 'WORK' }], PHONE: [{ VALUE: '+556533334444', VALUE_TYPE: 'WORK' }] } }),
      );
      await callJson(emu, 'crm.contact.add', { fields: { NAME: 'Other', EMAIL: [{ VALUE: 'joao@example.com.br' }] } });
      const byEmail = await callJson(emu, 'crm.contact.list', { filter: { EMAIL: 'joao@example.com' }, select: ['ID', 'NAME'] });
      expect(byEmail.json.total).toBe(1);
      expect((byEmail.json.result as Row[])[0]).toEqual({ ID: String(id), NAME: 'João' });
      const star = resultOf<Row[]>(await callJson(emu, 'crm.contact.list', { filter: { PHONE: '+556533334444' }, select: ['*'] }));
      expect(star[0]).not.toHaveProperty('EMAIL');
      const withMulti = resultOf<Row[]>(await callJson(emu, 'crm.contact.list', { filter: { PHONE: '+556533334444' }, select: ['ID', 'EMAIL', 'PHONE'] }));
      expect(withMulti[0].EMAIL).toEqual([expect.objectContaining({ VALUE: 'joao@example.com', TYPE_ID: 'EMAIL' })]);
      expect(resultOf<Row[]>(await callJson(emu, 'crm.contact.list', { filter: { EMAIL: 'nobody@example.com' } }))).toEqual([]);
      const noPhone = resultOf<Row>(await callJson(emu, 'crm.contact.get', { id: id + 1 }));
      expect(noPhone).not.toHaveProperty('PHONE');
    });

    it('user.get answers an array with total, ACTIVE boolean and int departments; FILTER or flat keys', async () => {
      emu.seedUser({ ID: 7, NAME: 'Ana', LAST_NAME: 'Souza', EMAIL: 'ana@carvalima.com.br', UF_DEPARTMENT: [12] });
      emu.seedUser({ ID: 8, NAME: 'Ex', LAST_NAME: 'Employee', EMAIL: 'ex@carvalima.com.br', ACTIVE: false });
      const byId = await callJson(emu, 'user.get', { ID: 7 });
      expect(byId.json.total).toBe(1);
      expect(byId.json.result).toEqual([expect.objectContaining({ ID: '7', ACTIVE: true, NAME: 'Ana', EMAIL: 'ana@carvalima.com.br', UF_DEPARTMENT: [12] })]);
      const byFilter = resultOf<Row[]>(await callJson(emu, 'user.get', { FILTER: { EMAIL: 'ana@carvalima.com.br' } }));
      expect(byFilter.map((u) => u.ID)).toEqual(['7']);
      const active = resultOf<Row[]>(await callForm(emu, 'user.get', { FILTER: { ACTIVE: 'Y' } }));
      expect(active.map((u) => u.ID)).toEqual(['1', '7']);
      const inactive = resultOf<Row[]>(await callJson(emu, 'user.get', { ACTIVE: false }));
      expect(inactive).toEqual([expect.objectContaining({ ID: '8', ACTIVE: false })]);
      expect(resultOf<Row>(await callJson(emu, 'user.current'))).toMatchObject({ ID: '1', ACTIVE: true });
    });

    it('crm.status.list lists the helpdesk stages of category 19 with semantics', async () => {
      const rows = resultOf<Row[]>(await callJson(emu, 'crm.status.list', { filter: { ENTITY_ID: 'DEAL_STAGE_19' } }));
      expect(rows.map((r) => r.STATUS_ID)).toEqual(['C19:NEW', 'C19:PREPARATION', 'C19:EXECUTING', 'C19:WON', 'C19:LOSE']);
      expect(rows.map((r) => r.SEMANTICS)).toEqual([null, null, null, 'S', 'F']);
    });
  });
});
