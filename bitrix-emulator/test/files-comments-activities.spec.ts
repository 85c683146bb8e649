import { randomBytes } from 'node:crypto';
import qs from 'qs';
import { BitrixEmulator, startBitrixEmulator } from '../src';
import { callForm, callJson, resultOf } from './helpers';

type Row = Record<string, unknown>;

async function download(url: string): Promise<{ status: number; bytes: Buffer; contentType: string }> {
  const response = await fetch(url, { headers: { 'user-agent': 'jest', accept: '*/*' } });
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()), contentType: response.headers.get('content-type') ?? '' };
}

describe('files, timeline comments and activities', () => {
  let emu: BitrixEmulator;
  const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(3000)]);
  const png = randomBytes(1679);

  beforeAll(async () => {
    emu = await startBitrixEmulator({ rateLimit: 0 });
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.reset());

  describe('disk', () => {
    it('uploads with fileContent, answers the documented shape and serves the exact bytes at DOWNLOAD_URL', async () => {
      const uploaded = resultOf<Row>(
        await callJson(emu, 'disk.storage.uploadfile', { id: 7, data: { NAME: 'picture.png' }, fileContent: ['ignored.png', png.toString('base64')] }),
      );
      expect(uploaded).toMatchObject({ NAME: 'picture.png', STORAGE_ID: '7', PARENT_ID: '71', TYPE: 'file', SIZE: '1679' });
      // A webhook portal's shape: the link embeds the webhook user and code.
      expect(String(uploaded.DOWNLOAD_URL)).toMatch(new RegExp(`^${emu.url}/rest/1/${emu.options.webhookCode}/download/\\?token=`));
      expect(typeof uploaded.ID).toBe('number');
      expect(typeof uploaded.FILE_ID).toBe('number');
      expect(uploaded.FILE_ID).not.toBe(uploaded.ID);
      const got = await download(String(uploaded.DOWNLOAD_URL));
      expect(got.status).toBe(200);
      expect(got.contentType).toBe('image/png');
      expect(got.bytes.equals(png)).toBe(true);

      const file = resultOf<Row>(await callJson(emu, 'disk.file.get', { id: uploaded.ID }));
      expect(file).toMatchObject({ ID: String(uploaded.ID), NAME: 'picture.png', SIZE: '1679', FILE_ID: String(uploaded.FILE_ID) });
      expect((await download(String(file.DOWNLOAD_URL))).bytes.equals(png)).toBe(true);
    });

    it('moves a file to the trash with disk.file.markdeleted: gone for disk.file.get and its link', async () => {
      const uploaded = resultOf<Row>(await callJson(emu, 'disk.storage.uploadfile', { id: 1, data: { NAME: 'old.txt' }, fileContent: ['old.txt', Buffer.from('x').toString('base64')] }));
      const trashed = resultOf<Row>(await callJson(emu, 'disk.file.markdeleted', { id: uploaded.ID }));
      expect(trashed).toMatchObject({ ID: String(uploaded.ID), NAME: 'old.txt', DELETED_TYPE: '3' });
      expect(trashed.DELETE_TIME).toEqual(expect.any(String));
      expect((await callJson(emu, 'disk.file.get', { id: uploaded.ID })).json.error).toBe('ERROR_NOT_FOUND');
      expect((await download(String(uploaded.DOWNLOAD_URL))).status).toBe(404);
      expect((await callJson(emu, 'disk.file.markdeleted', { id: uploaded.ID })).status).toBe(400);
    });

    it('accepts a form-encoded folder upload', async () => {
      const uploaded = resultOf<Row>(
        await callForm(emu, 'disk.folder.uploadfile', { id: '71', data: { NAME: 'manual.pdf' }, fileContent: ['manual.pdf', pdf.toString('base64')] }),
      );
      expect(uploaded).toMatchObject({ PARENT_ID: '71', STORAGE_ID: '7' });
      expect((await download(String(uploaded.DOWNLOAD_URL))).bytes.equals(pdf)).toBe(true);
    });

    it('refuses a tampered or foreign token with 404, and unknown ids in disk.file.get', async () => {
      const uploaded = resultOf<Row>(await callJson(emu, 'disk.storage.uploadfile', { id: 1, data: { NAME: 'a.txt' }, fileContent: ['a.txt', Buffer.from('secret').toString('base64')] }));
      const url = new URL(String(uploaded.DOWNLOAD_URL));
      const token = String(url.searchParams.get('token'));
      url.searchParams.set('token', token.replace(/.$/, token.endsWith('0') ? '1' : '0'));
      expect((await download(url.toString())).status).toBe(404);
      url.searchParams.set('token', `disk|${Number(uploaded.ID) + 1}|${token.split('|')[2]}`);
      expect((await download(url.toString())).status).toBe(404);
      url.searchParams.delete('token');
      expect((await download(url.toString())).status).toBe(404);
      const missing = await callJson(emu, 'disk.file.get', { id: 123 });
      expect(missing.status).toBe(400);
      expect(missing.json.error).toBe('ERROR_NOT_FOUND');
    });
  });

  describe('timeline comments', () => {
    it('adds a comment with FILES and lists it with FILES keyed by file id and downloadable urls', async () => {
      const deal = emu.createDeal({ TITLE: 'with files', CATEGORY_ID: 19 });
      const id = resultOf<number>(
        await callJson(emu, 'crm.timeline.comment.add', {
          fields: { ENTITY_ID: Number(deal.ID), ENTITY_TYPE: 'deal', COMMENT: 'See attached', FILES: [['report.pdf', pdf.toString('base64')], ['shot.png', png.toString('base64')]] },
        }),
      );
      expect(typeof id).toBe('number');
      const list = await callJson(emu, 'crm.timeline.comment.list', { filter: { ENTITY_ID: deal.ID, ENTITY_TYPE: 'deal' } });
      expect(list.json.total).toBe(1);
      const row = (list.json.result as Row[])[0];
      expect(row).toMatchObject({ ID: String(id), ENTITY_ID: deal.ID, ENTITY_TYPE: 'deal', COMMENT: 'See attached', AUTHOR_ID: '1' });
      const files = row.FILES as Record<string, Row>;
      const entries = Object.entries(files);
      expect(entries).toHaveLength(2);
      const [pdfKey, pdfInfo] = entries[0];
      expect(pdfInfo).toMatchObject({ id: Number(pdfKey), name: 'report.pdf', size: pdf.length, type: 'file', authorId: 1 });
      expect(entries[1][1]).toMatchObject({ name: 'shot.png', type: 'image' });
      // Without a browser session the links answer the login page; disk.file.get's DOWNLOAD_URL has the bytes.
      for (const link of [pdfInfo.urlDownload, entries[1][1].urlShow]) {
        const page = await download(String(link));
        expect(page).toMatchObject({ status: 200, contentType: expect.stringContaining('text/html') });
        expect(page.bytes.toString()).toContain('form_auth');
      }
      // the same id works with disk.file.get (one file store)
      const viaDisk = resultOf<Row>(await callJson(emu, 'disk.file.get', { id: Number(pdfKey) }));
      expect((await download(String(viaDisk.DOWNLOAD_URL))).bytes.equals(pdf)).toBe(true);

      const single = resultOf<Row>(await callJson(emu, 'crm.timeline.comment.get', { id }));
      expect(single.COMMENT).toBe('See attached');
    });

    it('rejects an empty comment, an unknown deal, a missing filter and unknown ids', async () => {
      const deal = emu.createDeal({ TITLE: 'x' });
      const empty = await callJson(emu, 'crm.timeline.comment.add', { fields: { ENTITY_ID: deal.ID, ENTITY_TYPE: 'deal', COMMENT: '' } });
      expect(empty.status).toBe(400);
      expect(empty.json.error).toBe('INVALID_ARG_VALUE');
      const orphan = await callJson(emu, 'crm.timeline.comment.add', { fields: { ENTITY_ID: 424242, ENTITY_TYPE: 'deal', COMMENT: 'hi' } });
      expect(orphan.status).toBe(400);
      expect(orphan.json.error).toBe('OWNER_NOT_FOUND');
      expect((await callJson(emu, 'crm.timeline.comment.list', { filter: { ENTITY_ID: deal.ID } })).status).toBe(400);
      expect((await callJson(emu, 'crm.timeline.comment.get', { id: 5 })).json).toEqual({ error: 'NOT_FOUND', error_description: 'Not found.' });
    });
  });

  describe('activities', () => {
    it('sends an outgoing completed e-mail with attachments and lists FILES/COMMUNICATIONS only when selected', async () => {
      const deal = emu.createDeal({ TITLE: 'mail', CATEGORY_ID: 19 });
      const form = qs.stringify({
        fields: {
          OWNER_TYPE_ID: 2,
          OWNER_ID: deal.ID,
          TYPE_ID: 4,
          DIRECTION: 2,
          COMPLETED: 'Y',
          SUBJECT: 'Chamado #1',
          DESCRIPTION: '<p>Olá</p>',
          DESCRIPTION_TYPE: 3,
          COMMUNICATIONS: [{ VALUE: 'cliente@example.com', ENTITY_ID: 0, ENTITY_TYPE_ID: 3 }],
          SETTINGS: { MESSAGE_FROM: 'TI Carvalima <ti@carvalima.com.br>' },
          FILES: [{ fileData: ['report.pdf', pdf.toString('base64')] }],
        },
      });
      const response = await fetch(`${emu.inboundUrl}crm.activity.add`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
      const id = ((await response.json()) as { result: number }).result;
      expect(typeof id).toBe('number');

      expect(emu.sentEmails).toHaveLength(1);
      expect(emu.sentEmails[0]).toMatchObject({ activityId: id, subject: 'Chamado #1', to: ['cliente@example.com'], from: 'TI Carvalima <ti@carvalima.com.br>' });
      expect(emu.sentEmails[0].files[0].content.equals(pdf)).toBe(true);

      const activity = resultOf<Row>(await callJson(emu, 'crm.activity.get', { id }));
      expect(activity).toMatchObject({
        ID: String(id), OWNER_ID: deal.ID, OWNER_TYPE_ID: '2', TYPE_ID: '4', PROVIDER_ID: 'CRM_EMAIL', PROVIDER_TYPE_ID: 'EMAIL',
        DIRECTION: '2', COMPLETED: 'Y', STATUS: '2', DESCRIPTION_TYPE: '3', SUBJECT: 'Chamado #1',
      });
      const files = activity.FILES as Row[];
      expect(files).toEqual([{ id: expect.any(Number), url: expect.stringContaining('/bitrix/tools/crm_show_file.php?fileId=') }]);
      const page = await download(String(files[0].url));
      expect(page.contentType).toContain('text/html');
      expect(page.bytes.toString()).toContain('USER_PASSWORD');
      expect((await download(String(resultOf<Row>(await callJson(emu, 'disk.file.get', { id: files[0].id })).DOWNLOAD_URL))).bytes.equals(pdf)).toBe(true);

      const plain = resultOf<Row[]>(await callJson(emu, 'crm.activity.list', { filter: { OWNER_ID: deal.ID, OWNER_TYPE_ID: 2 } }));
      expect(plain[0]).not.toHaveProperty('FILES');
      expect(plain[0]).not.toHaveProperty('COMMUNICATIONS');
      const rich = resultOf<Row[]>(await callJson(emu, 'crm.activity.list', { filter: { OWNER_ID: deal.ID }, select: ['ID', 'SUBJECT', 'FILES', 'COMMUNICATIONS'] }));
      expect(Object.keys(rich[0]).sort()).toEqual(['COMMUNICATIONS', 'FILES', 'ID', 'SUBJECT']);
      expect(rich[0].COMMUNICATIONS).toEqual([expect.objectContaining({ TYPE: 'EMAIL', VALUE: 'cliente@example.com', ENTITY_TYPE_ID: '3' })]);
    });

    it('does not send when COMPLETED=N; filters by >ID; update changes fields; errors are documented', async () => {
      const deal = emu.createDeal({ TITLE: 'x' });
      const base = { OWNER_TYPE_ID: 2, OWNER_ID: Number(deal.ID), TYPE_ID: 4, DIRECTION: 2, COMMUNICATIONS: [{ VALUE: 'a@b.c' }] };
      const first = resultOf<number>(await callJson(emu, 'crm.activity.add', { fields: { ...base, COMPLETED: 'N', SUBJECT: 'draft' } }));
      const second = resultOf<number>(await callJson(emu, 'crm.activity.add', { fields: { ...base, TYPE_ID: 6, SUBJECT: 'note' } }));
      expect(emu.sentEmails).toHaveLength(0);
      expect(resultOf<Row[]>(await callJson(emu, 'crm.activity.list', { filter: { '>ID': first } })).map((r) => r.ID)).toEqual([String(second)]);
      expect(resultOf(await callJson(emu, 'crm.activity.update', { id: first, fields: { COMPLETED: 'Y', SUBJECT: 'done' } }))).toBe(true);
      expect(resultOf<Row>(await callJson(emu, 'crm.activity.get', { id: first }))).toMatchObject({ COMPLETED: 'Y', SUBJECT: 'done', STATUS: '2' });
      const byBindings = resultOf<Row[]>(await callJson(emu, 'crm.activity.list', { filter: { BINDINGS: [{ OWNER_TYPE_ID: 2, OWNER_ID: deal.ID }] } }));
      expect(byBindings).toHaveLength(2);

      expect((await callJson(emu, 'crm.activity.get', { id: 1 })).json).toEqual({ error: '', error_description: 'Activity is not found' });
      expect((await callJson(emu, 'crm.activity.add', { fields: { ...base, TYPE_ID: 3 } })).status).toBe(400);
      const noTo = await callJson(emu, 'crm.activity.add', { fields: { ...base, COMPLETED: 'Y', COMMUNICATIONS: [] } });
      expect(noTo.status).toBe(400);
    });
  });
});
