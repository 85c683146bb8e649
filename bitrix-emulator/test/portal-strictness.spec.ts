import { request } from 'node:https';
import { BitrixEmulator, startBitrixEmulator } from '../src';
import { callGet, callJson, resultOf } from './helpers';

type Row = Record<string, unknown>;

/** The emulator is as strict as a portal where a client bug would otherwise pass (issue 20, gaps 1–8). */
describe('where a real portal is stricter', () => {
  let emu: BitrixEmulator;

  beforeAll(async () => {
    emu = await startBitrixEmulator({ rateLimit: 0 });
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.reset());

  const newDeal = async (fields: Row = {}): Promise<number> =>
    resultOf<number>(await callJson(emu, 'crm.deal.add', { fields: { TITLE: 'Chamado', CATEGORY_ID: 19, ...fields } }));
  const getDeal = async (id: number): Promise<Row> => resultOf<Row>(await callJson(emu, 'crm.deal.get', { id }));

  describe('UF_* fields (gap 2)', () => {
    it('drops a misspelt UF code, a label written for an enumeration and an id that is not an item of the field', async () => {
      const id = await newDeal({ UF_CRM_1701707001: 'Alto', UF_CRM_170170700: '1559', UF_CRM_1701706961: 'Rede' });
      const deal = await getDeal(id);
      expect(deal.UF_CRM_1701707001).toBeNull();
      expect(deal).not.toHaveProperty('UF_CRM_170170700');
      expect(deal.UF_CRM_1701706961).toBe('Rede');

      expect(resultOf(await callJson(emu, 'crm.deal.update', { id, fields: { UF_CRM_1701707001: 1559 } }))).toBe(true);
      expect((await getDeal(id)).UF_CRM_1701707001).toBe('1559');
      // A value that is not an item id leaves the stored value alone; '' clears it.
      await callJson(emu, 'crm.deal.update', { id, fields: { UF_CRM_1701707001: '9999' } });
      expect((await getDeal(id)).UF_CRM_1701707001).toBe('1559');
      await callJson(emu, 'crm.deal.update', { id, fields: { UF_CRM_1701707001: '' } });
      expect((await getDeal(id)).UF_CRM_1701707001).toBeNull();

      const fields = resultOf<Record<string, Row>>(await callJson(emu, 'crm.deal.fields'));
      expect(fields.UF_CRM_1701707001.items).toEqual(expect.arrayContaining([{ ID: '1559', VALUE: 'Alto' }]));
      expect(fields).not.toHaveProperty('UF_CRM_170170700');
    });

    it('keeps only the item ids of a multiple enumeration', async () => {
      const multi = await startBitrixEmulator({
        rateLimit: 0,
        dealUserFields: [{ FIELD_NAME: 'UF_CRM_TAGS', USER_TYPE_ID: 'enumeration', MULTIPLE: true, ITEMS: [{ ID: '1', VALUE: 'a' }, { ID: '2', VALUE: 'b' }] }],
      });
      try {
        const id = resultOf<number>(await callJson(multi, 'crm.deal.add', { fields: { UF_CRM_TAGS: ['2', 'a', 7, 1] } }));
        expect(resultOf<Row>(await callJson(multi, 'crm.deal.get', { id })).UF_CRM_TAGS).toEqual(['2', '1']);
      } finally {
        await multi.close();
      }
    });
  });

  describe('deal input (gap 6)', () => {
    it('reads "12,5" as 12.5 and rejects "12,5abc" without changing the deal', async () => {
      const id = await newDeal({ OPPORTUNITY: '12,5' });
      expect((await getDeal(id)).OPPORTUNITY).toBe('12.50');
      const bad = await callJson(emu, 'crm.deal.update', { id, fields: { OPPORTUNITY: '12,5abc', TITLE: 'changed' } });
      expect(bad.status).toBe(400);
      expect(bad.json).toEqual({ error: '', error_description: expect.stringContaining('OPPORTUNITY') });
      expect(await getDeal(id)).toMatchObject({ OPPORTUNITY: '12.50', TITLE: 'Chamado' });
      expect((await callJson(emu, 'crm.deal.add', { fields: { OPPORTUNITY: 'abc' } })).status).toBe(400);
    });

    it('ignores a stage the pipeline does not have', async () => {
      const id = await newDeal({ STAGE_ID: 'C19:NOPE' });
      expect((await getDeal(id)).STAGE_ID).toBe('C19:NEW');
      await callJson(emu, 'crm.deal.update', { id, fields: { STAGE_ID: 'C19:DONE' } });
      expect((await getDeal(id)).STAGE_ID).toBe('C19:NEW');
      await callJson(emu, 'crm.deal.update', { id, fields: { STAGE_ID: 'C19:EXECUTING' } });
      expect((await getDeal(id)).STAGE_ID).toBe('C19:EXECUTING');
    });
  });

  describe('user.get (gap 3)', () => {
    beforeEach(() => {
      emu.seedUser({ ID: 10, NAME: 'Ana', LAST_NAME: 'Souza', EMAIL: 'ana@carvalima.com.br' });
      emu.seedUser({ ID: 11, NAME: 'André', LAST_NAME: 'Lima', EMAIL: 'andre@carvalima.com.br' });
      emu.seedUser({ ID: 12, NAME: 'Bruno', LAST_NAME: 'Anes', EMAIL: 'bruno@carvalima.com.br' });
    });
    const ids = async (params: Row): Promise<string[]> => resultOf<Row[]>(await callJson(emu, 'user.get', params)).map((u) => String(u.ID));

    it('does not take unknown parameters (the SDK bx24_* ones) as filter keys', async () => {
      const all = resultOf<Row[]>(await callGet(emu, 'user.get', { bx24_request_id: 'abc', bx24_sdk_ver: '2.2.0', ID: 10 }));
      expect(all.map((u) => u.ID)).toEqual(['10']);
      expect(await ids({ FILTER: { ACTIVE: true }, bx24_label: 'x' })).toEqual(['1', '10', '11', '12']);
    });

    it('supports the documented filter syntax: "An%", %, !%, !=%', async () => {
      expect(await ids({ FILTER: { NAME: 'An%' } })).toEqual(['10', '11']);
      expect(await ids({ NAME: 'An%' })).toEqual(['10', '11']);
      expect(await ids({ FILTER: { '%LAST_NAME': 'ne' } })).toEqual(['12']);
      expect(await ids({ FILTER: { '!%NAME': 'an' } })).toEqual(['1', '12']);
      expect(await ids({ FILTER: { '!=%NAME': 'An%' } })).toEqual(['1', '12']);
    });
  });

  describe('Disk (gap 4)', () => {
    it('lists storages and refuses an unknown storage or folder', async () => {
      const storages = await callJson(emu, 'disk.storage.getlist');
      expect(storages.json.total).toBe(2);
      expect(resultOf<Row[]>(storages).map((s) => [s.ID, s.ENTITY_TYPE, s.ROOT_OBJECT_ID])).toEqual([['1', 'user', '3'], ['7', 'common', '71']]);
      expect(resultOf<Row>(await callJson(emu, 'disk.storage.get', { id: 7 }))).toMatchObject({ ID: '7', MODULE_ID: 'disk', ROOT_OBJECT_ID: '71' });
      expect(resultOf<Row>(await callJson(emu, 'disk.storage.getforapp'))).toMatchObject({ ID: '1' });

      for (const [method, id] of [['disk.storage.get', 4242], ['disk.storage.uploadfile', 4242], ['disk.folder.uploadfile', 8875], ['disk.folder.getchildren', 8875]] as const) {
        const answer = await callJson(emu, method, { id, data: { NAME: 'a.txt' }, fileContent: ['a.txt', 'YQ=='] });
        expect([method, answer.status, answer.json.error]).toEqual([method, 400, 'ERROR_NOT_FOUND']);
      }
      expect(emu.files).toHaveLength(0);
    });

    it('lists a folder with disk.folder.getchildren', async () => {
      const up = resultOf<Row>(await callJson(emu, 'disk.folder.uploadfile', { id: 71, data: { NAME: 'a.txt' }, fileContent: ['a.txt', 'YQ=='] }));
      await callJson(emu, 'disk.storage.uploadfile', { id: 1, data: { NAME: 'b.txt' }, fileContent: ['b.txt', 'Yg=='] });
      const children = await callJson(emu, 'disk.folder.getchildren', { id: 71 });
      expect(children.json.total).toBe(1);
      expect(resultOf<Row[]>(children)).toEqual([expect.objectContaining({ ID: String(up.ID), NAME: 'a.txt', TYPE: 'file', PARENT_ID: '71', STORAGE_ID: '7' })]);
      expect(resultOf<Row[]>(await callJson(emu, 'disk.storage.getchildren', { id: 1 })).map((f) => f.NAME)).toEqual(['b.txt']);
    });
  });

  describe('file links (gaps 1 and 5)', () => {
    it('DOWNLOAD_URL has the webhook shape; a wrong code in it is refused; comment links need a session', async () => {
      const dealId = await newDeal();
      emu.addComment(dealId, 'anexo', [{ name: 'log.txt', content: Buffer.from('conteúdo') }]);
      const file = emu.files[0];
      expect(file.downloadUrl).toContain(`/rest/1/${emu.options.webhookCode}/download/?token=`);
      const ok = await fetch(file.downloadUrl);
      expect([ok.status, Buffer.from(await ok.arrayBuffer()).toString()]).toEqual([200, 'conteúdo']);
      const wrong = await fetch(file.downloadUrl.replace(emu.options.webhookCode, 'wrongcode'));
      expect([wrong.status, ((await wrong.json()) as Row).error]).toEqual([401, 'NO_AUTH_FOUND']);

      const comment = resultOf<Row[]>(await callJson(emu, 'crm.timeline.comment.list', { filter: { ENTITY_ID: dealId, ENTITY_TYPE: 'deal' } }))[0];
      const link = Object.values(comment.FILES as Record<string, Row>)[0].urlDownload as string;
      const page = await fetch(link);
      expect(page.headers.get('content-type')).toContain('text/html');
      expect(await page.text()).toContain('form_auth');
    });

    it('with fileLinksNeedSession: false the links serve the bytes', async () => {
      emu.options.fileLinksNeedSession = false;
      try {
        const dealId = await newDeal();
        const row = emu.addComment(dealId, 'anexo', [{ name: 'log.txt', content: Buffer.from('abc') }]);
        const link = Object.values(row.FILES as Record<string, Row>)[0].urlDownload as string;
        expect(await (await fetch(link)).text()).toBe('abc');
      } finally {
        emu.options.fileLinksNeedSession = true;
      }
    });
  });

  describe('operating time (gap 7)', () => {
    it('accumulates per method and answers 429 OPERATION_TIME_LIMIT until operating_reset_at; batch commands count, batch does not', async () => {
      const light = await callJson(emu, 'crm.deal.fields');
      expect((light.json.time as Row).operating).toBeLessThan(0.5);

      emu.options.operatingLimitSeconds = 3;
      emu.options.operatingCostMs = { 'crm.deal.list': 1000 };
      try {
        const times: Row[] = [];
        for (let i = 0; i < 3; i++) {
          const answer = await callJson(emu, 'crm.deal.list');
          expect(answer.status).toBe(200);
          times.push(answer.json.time as Row);
        }
        expect(times.map((t) => Math.floor(Number(t.operating)))).toEqual([1, 2, 3]);
        const resetAt = Number(times[2].operating_reset_at);
        expect(resetAt).toBeGreaterThan(Date.now() / 1000 + 500);

        const blocked = await callJson(emu, 'crm.deal.list');
        expect([blocked.status, blocked.json.error]).toEqual([429, 'OPERATION_TIME_LIMIT']);
        // Only that method: another one still works, also inside a batch, where the blocked one fails.
        expect((await callJson(emu, 'crm.deal.fields')).status).toBe(200);
        const batch = resultOf<Row>(await callJson(emu, 'batch', { cmd: { l: 'crm.deal.list', f: 'crm.deal.fields' } }));
        expect((batch.result_error as Record<string, Row>).l.error).toBe('OPERATION_TIME_LIMIT');
        expect(batch.result as Row).toHaveProperty('f');
      } finally {
        emu.options.operatingLimitSeconds = 480;
        emu.options.operatingCostMs = {};
      }
    });
  });
});

describe('HTTPS listener (gap 8)', () => {
  it('serves REST over https with a self-signed certificate generated at start', async () => {
    const emu = await startBitrixEmulator({ rateLimit: 0, https: true });
    try {
      expect(emu.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(emu.certificatePem).toContain('BEGIN CERTIFICATE');
      const get = (ca?: string): Promise<{ status: number; body: string }> =>
        new Promise((resolve, reject) => {
          const req = request(`${emu.inboundUrl}user.current.json`, { ca }, (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          });
          req.on('error', reject);
          req.end();
        });
      const trusted = await get(emu.certificatePem);
      expect(trusted.status).toBe(200);
      expect(JSON.parse(trusted.body)).toMatchObject({ result: { ID: '1' } });
      // Not trusted without its certificate: it really is TLS with a self-signed certificate.
      await expect(get()).rejects.toThrow(/self-signed|self signed/);
    } finally {
      await emu.close();
    }
  });
});
