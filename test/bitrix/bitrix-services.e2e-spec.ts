import { TestingModule } from '@nestjs/testing';
import { BitrixEmulator } from '../../bitrix-emulator/src';
import { fromBitrixActivity, fromBitrixTimelineComment } from '../../src/bitrix/bitrix-activity.mapper';
import { BitrixActivities } from '../../src/bitrix/bitrix-activities.service';
import { BitrixContacts } from '../../src/bitrix/bitrix-contacts.service';
import { BitrixDeals } from '../../src/bitrix/bitrix-deals.service';
import { BitrixDisk } from '../../src/bitrix/bitrix-disk.service';
import { BitrixFieldMap, BitrixFieldMapError } from '../../src/bitrix/bitrix-field-map';
import { BitrixStats } from '../../src/bitrix/bitrix-stats';
import { BitrixTimelineComments } from '../../src/bitrix/bitrix-timeline.service';
import { bitrixUserFullName, BitrixUsers } from '../../src/bitrix/bitrix-users.service';
import { BitrixClient } from '../../src/bitrix/bitrix.client';
import { BitrixNotFoundError } from '../../src/bitrix/bitrix.errors';
import { bitrixCommand } from '../../src/bitrix/bitrix-batch';
import { bitrixConfig, bitrixTestingModule, caught, startEmulator } from './bitrix-test-kit';

/** Every typed method of BitrixModule, resolved through Nest DI, against the emulator over HTTP. */
describe('BitrixModule services against the Bitrix24 emulator', () => {
  let emulator: BitrixEmulator;
  let moduleRef: TestingModule;
  let deals: BitrixDeals;
  let contacts: BitrixContacts;
  let comments: BitrixTimelineComments;
  let activities: BitrixActivities;
  let disk: BitrixDisk;
  let users: BitrixUsers;
  let fieldMap: BitrixFieldMap;
  let stats: BitrixStats;

  beforeAll(async () => {
    emulator = await startEmulator();
    moduleRef = await bitrixTestingModule(bitrixConfig({ inboundUrl: emulator.inboundUrl, diskStorageId: '7' }));
    deals = moduleRef.get(BitrixDeals);
    contacts = moduleRef.get(BitrixContacts);
    comments = moduleRef.get(BitrixTimelineComments);
    activities = moduleRef.get(BitrixActivities);
    disk = moduleRef.get(BitrixDisk);
    users = moduleRef.get(BitrixUsers);
    fieldMap = moduleRef.get(BitrixFieldMap);
    stats = moduleRef.get(BitrixStats);
  });

  afterAll(async () => {
    await moduleRef.close();
    await emulator.close();
  });

  beforeEach(() => emulator.reset());

  async function newTicketDeal(title = 'Sistema travando ao gerar relatório'): Promise<number> {
    return deals.add(
      fieldMap.toBitrixDealFields(
        { title, description: 'Ao clicar em Gerar Relatório...', priority: 'Alto', serviceCategory: 'Sistema Financeiro', systemType: 'ERP', assigneeDepartment: 'TI', requesterDepartment: 'Financeiro', matricula: '87654321', requesterEmail: 'maria@carvalima.com' },
        { create: true },
      ),
    );
  }

  describe('deals', () => {
    it('add → get → fromBitrixDeal round trip with the seed mapping', async () => {
      const before = Date.now();
      const id = await newTicketDeal();
      expect(Number.isInteger(id)).toBe(true);
      const raw = await deals.get(id);
      const snap = fieldMap.fromBitrixDeal(raw);
      expect(snap).toMatchObject({
        bitrixDealId: id,
        title: 'Sistema travando ao gerar relatório',
        description: 'Ao clicar em Gerar Relatório...',
        stageId: 'C19:NEW',
        opened: 'Y',
        closed: 'N',
        closeDate: null,
        priority: 'Alto',
        serviceCategory: 'Sistema Financeiro',
        systemType: 'ERP',
        assigneeDepartment: 'TI',
        requesterDepartment: 'Financeiro',
        matricula: '87654321',
        requesterEmail: 'maria@carvalima.com',
        createdById: '1',
        responsibleBitrixId: '1',
      });
      expect(raw.UF_CRM_1701707001).toBe('1559');
      expect(raw.CATEGORY_ID).toBe('19');
      // Alto → +4 h
      const deadline = snap.dateDeadline?.getTime() ?? 0;
      expect(deadline - before).toBeGreaterThan(4 * 3600_000 - 5000);
      expect(deadline - before).toBeLessThan(4 * 3600_000 + 5000);
      expect(snap.bitrixModifiedAt).toBeInstanceOf(Date);
      expect(fieldMap.isHelpdeskDeal(raw)).toBe(true);
    });

    it('update and close (won stage, rating, comment)', async () => {
      const id = await newTicketDeal();
      await deals.update(id, fieldMap.toBitrixDealFields({ priority: 'Crítico', title: 'Novo título' }));
      let snap = fieldMap.fromBitrixDeal(await deals.get(id));
      expect(snap.priority).toBe('Crítico');
      expect(snap.title).toBe('Novo título');
      await deals.close(id, { rating: 5, comment: 'Excelente atendimento!' });
      snap = fieldMap.fromBitrixDeal(await deals.get(id));
      expect(snap).toMatchObject({ stageId: 'C19:WON', closed: 'Y', rating: 5, ratingComment: 'Excelente atendimento!' });
      expect(snap.closeDate).toBeInstanceOf(Date);
    });

    it('get of a missing deal → BitrixNotFoundError; find → null', async () => {
      expect(await caught(() => deals.get(999_999))).toBeInstanceOf(BitrixNotFoundError);
      expect(await deals.find(999_999)).toBeNull();
    });

    it('list returns one page with total/next', async () => {
      for (let i = 0; i < 55; i++) emulator.createDeal({ TITLE: `T${i}`, CATEGORY_ID: 19 });
      const page = await deals.list({ filter: { CATEGORY_ID: 19 }, order: { ID: 'ASC' } });
      expect(page.items).toHaveLength(50);
      expect(page.total).toBe(55);
      expect(page.next).toBe(50);
    });

    it('iterates 120 deals by keyset (start=-1, >ID) and by offset paging', async () => {
      for (let i = 0; i < 120; i++) emulator.createDeal({ TITLE: `Deal ${i}`, CATEGORY_ID: 19 });
      emulator.createDeal({ TITLE: 'Other pipeline', CATEGORY_ID: 0 });
      emulator.resetStats();
      const keyset = await deals.listAll({ filter: { CATEGORY_ID: 19 } });
      expect(keyset).toHaveLength(120);
      expect(new Set(keyset.map((d) => d.ID)).size).toBe(120);
      expect(emulator.stats.httpRequests).toBe(3);
      expect(emulator.stats.calls.every((c) => String(c.params.start) === '-1')).toBe(true);
      const offset = await deals.listAll({ filter: { CATEGORY_ID: 19 }, paging: 'offset' });
      expect(offset.map((d) => d.ID)).toEqual(keyset.map((d) => d.ID));
    });

    it('modifiedSince only yields deals changed since then', async () => {
      const old = emulator.createDeal({ TITLE: 'old', CATEGORY_ID: 19, DATE_MODIFY: '2020-01-01T10:00:00-03:00' });
      const fresh = emulator.createDeal({ TITLE: 'fresh', CATEGORY_ID: 19 });
      const since = new Date(Date.now() - 60_000);
      const found = await deals.listAll({ modifiedSince: since });
      expect(found.map((d) => d.ID)).toEqual([fresh.ID]);
      expect(found.map((d) => d.ID)).not.toContain(old.ID);
    });

    it('getMany reads 120 deals in 3 batch calls and reports the missing ones', async () => {
      for (let i = 0; i < 120; i++) emulator.createDeal({ TITLE: `Deal ${i}`, CATEGORY_ID: 19 });
      const ids = emulator.listDeals().map((d) => Number(d.ID));
      emulator.resetStats();
      const result = await deals.getMany([...ids, ids[0], 777_777, 888_888]);
      expect(result.found.size).toBe(120);
      expect(result.notFound.sort()).toEqual([777_777, 888_888]);
      expect(result.failed.size).toBe(0);
      expect(emulator.stats.httpRequests).toBe(3);
      expect(result.found.get(ids[5])?.TITLE).toBe('Deal 5');
    });

    it('contact + deal in one batch with a $result reference', async () => {
      const result = await moduleRef.get(BitrixClient).batch({
        contact: contacts.addCommand({ name: 'Maria Santos', email: 'maria@carvalima.com' }),
        deal: deals.addCommand({ ...fieldMap.toBitrixDealFields({ title: 'Via batch', priority: 'Baixo' }, { create: true }), CONTACT_ID: '$result[contact]' }),
      });
      const dealId = Number(result.get('deal'));
      const contactId = Number(result.get('contact'));
      expect(fieldMap.fromBitrixDeal(await deals.get(dealId)).bitrixContactId).toBe(contactId);
      expect(emulator.stats.httpRequests).toBe(2);
    });
  });

  describe('contacts', () => {
    it('add, findByEmailOrPhone (e-mail, phone as digits), findOrCreate', async () => {
      const id = await contacts.add({ name: 'Maria da Silva Santos', email: 'maria@carvalima.com', phone: '+5565999990000' });
      const stored = emulator.getContact(id);
      expect(stored).toMatchObject({ NAME: 'Maria', LAST_NAME: 'da Silva Santos' });
      expect((await contacts.findByEmailOrPhone({ email: 'maria@carvalima.com' }))?.ID).toBe(String(id));
      expect((await contacts.findByEmailOrPhone({ email: 'MARIA@carvalima.com' }))?.ID).toBe(String(id));
      expect((await contacts.findByEmailOrPhone({ phone: '+55 (65) 99999-0000' }))?.ID).toBe(String(id));
      expect(await contacts.findByEmailOrPhone({ email: 'ninguem@x.com' })).toBeNull();
      expect(await contacts.findOrCreate({ name: 'Maria', email: 'maria@carvalima.com' })).toEqual({ bitrixContactId: id, created: false });
      const created = await contacts.findOrCreate({ name: 'João Tech', email: 'joao@carvalima.com' });
      expect(created.created).toBe(true);
      expect((await contacts.get(created.bitrixContactId)).NAME).toBe('João');
    });
  });

  describe('timeline comments', () => {
    it('add with files, get, list, and download the attachment', async () => {
      const dealId = await newTicketDeal();
      const pdf = Buffer.from('%PDF-1.4 patch notes');
      const commentId = await comments.add({ bitrixDealId: dealId, comment: 'Aplicamos o patch 1.2.5', files: [{ name: 'patch_notes.pdf', bytes: pdf }, { name: 'log.txt', base64: `data:text/plain;base64,${Buffer.from('log').toString('base64')}` }] });
      const raw = await comments.get(commentId);
      const snap = fromBitrixTimelineComment(raw, { direction: 'outgoing' });
      expect(snap).toMatchObject({ bitrixActivityId: commentId, bitrixSource: 'comment', bitrixDealId: dealId, typeId: '2', description: 'Aplicamos o patch 1.2.5', authorId: '1' });
      expect(snap.files.map((f) => f.name).sort()).toEqual(['log.txt', 'patch_notes.pdf']);
      const pdfRef = snap.files.find((f) => f.name === 'patch_notes.pdf');
      if (!pdfRef) throw new Error('no pdf');
      emulator.resetStats();
      const downloaded = await disk.downloadAttachment(pdfRef);
      expect(downloaded.bytes.equals(pdf)).toBe(true);
      // The comment's link answered the portal's login page, so the bytes came through disk.file.get.
      expect(emulator.stats.byMethod['disk.file.get']).toBe(1);
      expect(downloaded.name).toBe('patch_notes.pdf');
      await comments.add({ bitrixDealId: dealId, comment: 'Segundo' });
      const list = await comments.list(dealId);
      expect(list.map((c) => c.COMMENT)).toEqual(['Aplicamos o patch 1.2.5', 'Segundo']);
      expect(await caught(() => comments.get(123))).toBeInstanceOf(BitrixNotFoundError);
      expect(await caught(() => comments.add({ bitrixDealId: 999_999, comment: 'x' }))).toBeInstanceOf(BitrixNotFoundError);
    });
  });

  describe('activities (e-mails)', () => {
    it('deliverThroughBitrix=true: Bitrix sends it (TYPE 4, DIRECTION 2, COMPLETED Y)', async () => {
      const dealId = await newTicketDeal();
      const id = await activities.addEmail({
        bitrixDealId: dealId,
        subject: 'Atualização sobre seu chamado',
        body: '<p>Informamos que o sistema já foi corrigido.</p>',
        from: 'Suporte <suporte@carvalima.com>',
        to: 'maria.santos@carvalima.com',
        deliverThroughBitrix: true,
        files: [{ name: 'relatorio.csv', bytes: Buffer.from('a;b\n1;2') }],
      });
      expect(emulator.sentEmails).toHaveLength(1);
      expect(emulator.sentEmails[0]).toMatchObject({ activityId: id, to: ['maria.santos@carvalima.com'], from: 'Suporte <suporte@carvalima.com>' });
      const detailed = await activities.getWithDetails(id);
      const snap = fromBitrixActivity(detailed);
      expect(snap).toMatchObject({
        bitrixActivityId: id,
        bitrixDealId: dealId,
        typeId: '4',
        direction: 'outgoing',
        subject: 'Atualização sobre seu chamado',
        descriptionType: '3',
        bodyHtml: '<p>Informamos que o sistema já foi corrigido.</p>',
        description: 'Informamos que o sistema já foi corrigido.',
        fromEmail: 'suporte@carvalima.com',
        toEmail: 'maria.santos@carvalima.com',
        completed: true,
      });
      expect(snap.files).toHaveLength(1);
      emulator.resetStats();
      const file = await disk.downloadAttachment(snap.files[0]);
      expect(file.bytes.toString()).toBe('a;b\n1;2');
      expect(emulator.stats.byMethod['disk.file.get']).toBe(1);
      expect(file.name).toBe('relatorio.csv');
    });

    it('deliverThroughBitrix=false: recorded with COMPLETED=N, Bitrix sends nothing', async () => {
      const dealId = await newTicketDeal();
      const id = await activities.addEmail({ bitrixDealId: dealId, subject: 'Via SMTP', body: 'texto', bodyType: 'text', from: 'suporte@carvalima.com', to: ['a@x.com', 'b@x.com'], deliverThroughBitrix: false });
      expect(emulator.sentEmails).toHaveLength(0);
      const raw = await activities.get(id);
      expect(raw).toMatchObject({ TYPE_ID: '4', DIRECTION: '2', COMPLETED: 'N', DESCRIPTION_TYPE: '1' });
      expect(fromBitrixActivity(raw).toEmail).toBe('a@x.com, b@x.com');
    });

    it('incoming e-mail, listByDeal with FILES/COMMUNICATIONS, not found', async () => {
      const dealId = await newTicketDeal();
      emulator.addActivity(dealId, { SUBJECT: 'Re: chamado', DESCRIPTION: '<b>oi</b>', COMMUNICATIONS: [{ VALUE: 'maria@carvalima.com', ENTITY_TYPE_ID: 3, ENTITY_ID: 0 }], files: [{ name: 'erro.png', content: Buffer.from([1, 2, 3]) }] });
      await activities.addEmail({ bitrixDealId: dealId, subject: 'Resposta', body: 'ok', from: 'suporte@carvalima.com', to: 'maria@carvalima.com', deliverThroughBitrix: false });
      const list = await activities.listByDeal(dealId);
      expect(list.map((a) => a.SUBJECT)).toEqual(['Re: chamado', 'Resposta']);
      const incoming = fromBitrixActivity(list[0]);
      expect(incoming).toMatchObject({ direction: 'incoming', fromEmail: 'maria@carvalima.com', description: 'oi' });
      expect(incoming.files).toHaveLength(1);
      expect((await disk.downloadAttachment(incoming.files[0])).bytes).toEqual(Buffer.from([1, 2, 3]));
      expect(await activities.listByDeal(dealId, { typeId: 2 })).toEqual([]);
      expect(await caught(() => activities.get(12345))).toBeInstanceOf(BitrixNotFoundError);
      expect(await caught(() => activities.getWithDetails(12345))).toBeInstanceOf(BitrixNotFoundError);
    });
  });

  describe('disk', () => {
    it('uploadFile to the configured storage, getFile, downloadFile', async () => {
      const bytes = Buffer.from('conteúdo do anexo');
      const file = await disk.uploadFile('screenshot.png', bytes);
      expect(file.NAME).toBe('screenshot.png');
      expect(String(file.STORAGE_ID)).toBe('7');
      const meta = await disk.getFile(Number(file.ID));
      // A webhook portal's shape: the link embeds the webhook path (redacted in logs by redactBitrixSecrets).
      expect(meta.DOWNLOAD_URL).toContain(`/rest/1/${emulator.options.webhookCode}/download/?token=`);
      const content = await disk.downloadFile(Number(file.ID));
      expect(content.bytes.equals(bytes)).toBe(true);
      expect(content.name).toBe('screenshot.png');
      expect(content.contentType).toBe('image/png');
      expect(await caught(() => disk.downloadFile(4242))).toBeInstanceOf(BitrixNotFoundError);
    });

    it('downloadAttachment: an .html attachment whose link answers the login page comes from disk.file.get; a served one is kept', async () => {
      const dealId = await newTicketDeal();
      const html = Buffer.from('<html><body><h1>Relatório</h1></body></html>');
      const row = emulator.addComment(dealId, 'relatório', [{ name: 'relatorio.html', content: html }]);
      const ref = fromBitrixTimelineComment(await comments.get(Number(row.ID)), { direction: 'incoming' }).files[0];
      emulator.resetStats();
      const viaFallback = await disk.downloadAttachment(ref);
      expect(viaFallback.bytes.equals(html)).toBe(true);
      expect(emulator.stats.byMethod['disk.file.get']).toBe(1);

      emulator.options.fileLinksNeedSession = false;
      try {
        emulator.resetStats();
        const direct = await disk.downloadAttachment(ref);
        expect(direct.bytes.equals(html)).toBe(true);
        expect(emulator.stats.byMethod['disk.file.get']).toBeUndefined();
      } finally {
        emulator.options.fileLinksNeedSession = true;
      }
    });
  });

  describe('users', () => {
    it('get, find, findByEmail, getMany', async () => {
      const joao = emulator.seedUser({ NAME: 'João', LAST_NAME: 'Tech', EMAIL: 'joao.tech@carvalima.com', UF_DEPARTMENT: [5] });
      const id = Number(joao.ID);
      const user = await users.get(id);
      expect(bitrixUserFullName(user)).toBe('João Tech');
      expect(user.ACTIVE).toBe(true);
      expect(await users.find(9999)).toBeNull();
      expect(await caught(() => users.get(9999))).toBeInstanceOf(BitrixNotFoundError);
      expect((await users.findByEmail('joao.tech@carvalima.com'))?.ID).toBe(String(id));
      expect(await users.findByEmail('ninguem@carvalima.com')).toBeNull();
      const many = await users.getMany([1, id, 9999]);
      expect([...many.keys()].sort((a, b) => a - b)).toEqual([1, id]);
    });
  });

  it('instrumentation counted the calls of this suite', () => {
    const snap = stats.snapshot();
    expect(snap.totalRequests).toBeGreaterThan(20);
    expect(snap.requests['crm.deal.add']).toBeGreaterThan(0);
    expect(snap.requests.batch).toBeGreaterThan(0);
  });

  it('a bad field map stops the module from starting, naming the problem', async () => {
    const config = bitrixConfig({ inboundUrl: emulator.inboundUrl, fieldMapJson: '{"fields":{"priority":"not an id"}}' });
    const e = await caught(() => bitrixTestingModule(config));
    expect(e).toBeInstanceOf(BitrixFieldMapError);
    expect(e.message).toContain('BITRIX_FIELD_MAP_JSON');
    expect(e.message).toContain('fields.priority');
  });

  it('typed batch commands from the services compose', async () => {
    const dealId = await newTicketDeal();
    const result = await moduleRef.get(BitrixClient).batch({ deal: deals.getCommand(dealId), user: users.getCommand(1), x: bitrixCommand<number>('crm.activity.get', { id: 1 }) });
    expect(result.get('deal').ID).toBe(String(dealId));
    expect(result.get('user')[0].ID).toBe('1');
    expect(result.errors.x).toBeInstanceOf(BitrixNotFoundError);
  });
});
