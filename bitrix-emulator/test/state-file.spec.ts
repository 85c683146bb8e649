import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BitrixEmulator, StateFileError, startBitrixEmulator } from '../src';
import { admin, callJson, resultOf, sleep } from './helpers';

type Row = Record<string, unknown>;

async function download(url: string): Promise<{ status: number; bytes: Buffer }> {
  const response = await fetch(url);
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
}

/** The same URL on another emulator (the port differs between runs). */
function onEmulator(url: string, emu: BitrixEmulator): string {
  const moved = new URL(url);
  const base = new URL(emu.url);
  moved.host = base.host;
  return moved.toString();
}

describe('stateFile: the portal survives a restart', () => {
  let dir: string;
  let stateFile: string;
  const running: BitrixEmulator[] = [];

  const start = async (): Promise<BitrixEmulator> => {
    // The same webhook code on every start: DOWNLOAD_URL embeds it. Comment/activity links serve bytes here.
    const emu = await startBitrixEmulator({ rateLimit: 0, stateFile, webhookCode: 'statefilewebhook', fileLinksNeedSession: false });
    running.push(emu);
    return emu;
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bitrix-emulator-state-'));
    stateFile = path.join(dir, 'portal.json');
  });
  afterEach(async () => {
    for (const emu of running.splice(0)) await emu.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reloads deals, comments, files, activities, users and continues every id counter', async () => {
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(4096)]);
    const png = randomBytes(1679);
    const mail = randomBytes(733);

    const first = await start();
    const dealIds: number[] = [];
    for (const title of ['Printer down', 'VPN access', 'New laptop']) {
      dealIds.push(resultOf<number>(await callJson(first, 'crm.deal.add', { fields: { TITLE: title, CATEGORY_ID: 19, UF_CRM_1701707001: '1559' } })));
    }
    expect(dealIds).toEqual([1001, 1002, 1003]);
    resultOf(await callJson(first, 'crm.deal.update', { id: 1002, fields: { STAGE_ID: 'C19:EXECUTING', COMMENTS: 'on it' } }));
    const contactId = resultOf<number>(await callJson(first, 'crm.contact.add', { fields: { NAME: 'Rita', EMAIL: [{ VALUE: 'rita@example.com', VALUE_TYPE: 'WORK' }] } }));
    const commentId = resultOf<number>(
      await callJson(first, 'crm.timeline.comment.add', {
        fields: { ENTITY_ID: 1001, ENTITY_TYPE: 'deal', COMMENT: 'Logs attached', FILES: [['report.pdf', pdf.toString('base64')], ['shot.png', png.toString('base64')]] },
      }),
    );
    const uploaded = resultOf<Row>(await callJson(first, 'disk.storage.uploadfile', { id: 7, data: { NAME: 'picture.png' }, fileContent: ['picture.png', png.toString('base64')] }));
    const activityId = resultOf<number>(
      await callJson(first, 'crm.activity.add', {
        fields: {
          OWNER_TYPE_ID: 2, OWNER_ID: 1003, TYPE_ID: 4, DIRECTION: 2, COMPLETED: 'Y', SUBJECT: 'Re: New laptop', DESCRIPTION: 'Done',
          COMMUNICATIONS: [{ VALUE: 'rita@example.com', ENTITY_TYPE_ID: 3, ENTITY_ID: contactId }],
          FILES: [{ fileData: ['mail.eml', mail.toString('base64')] }],
        },
      }),
    );
    expect((await admin(first, 'POST', '/admin/users', { ID: 42, NAME: 'Carla', LAST_NAME: 'Mendes', EMAIL: 'carla@carvalima.com.br', UF_DEPARTMENT: [12] })).status).toBe(200);

    const dealsBefore = await Promise.all(dealIds.map(async (id) => resultOf<Row>(await callJson(first, 'crm.deal.get', { id }))));
    const commentsBefore = resultOf<Row[]>(await callJson(first, 'crm.timeline.comment.list', { filter: { ENTITY_ID: 1001, ENTITY_TYPE: 'deal' } }));
    const contactBefore = resultOf<Row>(await callJson(first, 'crm.contact.get', { id: contactId }));
    const activityBefore = resultOf<Row>(await callJson(first, 'crm.activity.get', { id: activityId }));
    const oldDownloadUrl = String(uploaded.DOWNLOAD_URL);
    await first.close();

    expect(fs.readdirSync(dir)).toEqual(['portal.json']); // no temp file left behind

    const second = await start();
    // Deals, with every field as before.
    for (const [i, id] of dealIds.entries()) {
      expect(resultOf<Row>(await callJson(second, 'crm.deal.get', { id }))).toEqual(dealsBefore[i]);
    }
    expect((await callJson(second, 'crm.deal.list', {})).json.total).toBe(3);
    expect(resultOf<Row>(await callJson(second, 'crm.contact.get', { id: contactId }))).toEqual(contactBefore);

    // Comments: same rows; the file URLs now point at the new server and give the exact bytes.
    const commentsAfter = resultOf<Row[]>(await callJson(second, 'crm.timeline.comment.list', { filter: { ENTITY_ID: 1001, ENTITY_TYPE: 'deal' } }));
    expect(commentsAfter).toHaveLength(1);
    const { FILES: filesBefore, ...commentBefore } = commentsBefore[0];
    const { FILES: filesAfter, ...commentAfter } = commentsAfter[0];
    expect(commentAfter).toEqual(commentBefore);
    expect(commentAfter.ID).toBe(String(commentId));
    const afterFiles = Object.values(filesAfter as Record<string, Row>);
    expect(Object.keys(filesAfter as Row)).toEqual(Object.keys(filesBefore as Row));
    expect(afterFiles.map((f) => [f.name, f.size])).toEqual([['report.pdf', pdf.length], ['shot.png', png.length]]);
    expect((await download(String(afterFiles[0].urlDownload))).bytes.equals(pdf)).toBe(true);
    expect((await download(String(afterFiles[1].urlShow))).bytes.equals(png)).toBe(true);

    // Disk file: disk.file.get works, DOWNLOAD_URL gives the bytes, and a URL issued before the restart still works.
    const diskFile = resultOf<Row>(await callJson(second, 'disk.file.get', { id: uploaded.ID }));
    expect(diskFile).toMatchObject({ ID: String(uploaded.ID), FILE_ID: String(uploaded.FILE_ID), NAME: 'picture.png', SIZE: String(png.length) });
    expect((await download(String(diskFile.DOWNLOAD_URL))).bytes.equals(png)).toBe(true);
    expect((await download(onEmulator(oldDownloadUrl, second))).bytes.equals(png)).toBe(true);

    // Activity with its file, the sent-e-mail log and the seeded user.
    const activityAfter = resultOf<Row>(await callJson(second, 'crm.activity.get', { id: activityId }));
    const { FILES: activityFilesBefore, ...activityRowBefore } = activityBefore;
    const { FILES: activityFilesAfter, ...activityRowAfter } = activityAfter;
    expect(activityRowAfter).toEqual(activityRowBefore);
    const activityFile = (activityFilesAfter as Row[])[0];
    expect(activityFile.id).toBe((activityFilesBefore as Row[])[0].id);
    expect((await download(String(activityFile.url))).bytes.equals(mail)).toBe(true);
    expect(second.sentEmails).toEqual([expect.objectContaining({ activityId, subject: 'Re: New laptop', to: ['rita@example.com'] })]);
    expect(second.sentEmails[0].files[0].content.equals(mail)).toBe(true);
    expect(resultOf<Row[]>(await callJson(second, 'user.get', { ID: 42 }))[0]).toMatchObject({ EMAIL: 'carla@carvalima.com.br' });

    // Every counter continues after the last id it handed out.
    expect(resultOf<number>(await callJson(second, 'crm.deal.add', { fields: { TITLE: 'After restart' } }))).toBe(1004);
    expect(resultOf<number>(await callJson(second, 'crm.timeline.comment.add', { fields: { ENTITY_ID: 1004, ENTITY_TYPE: 'deal', COMMENT: 'next' } }))).toBe(commentId + 1);
    const nextUpload = resultOf<Row>(await callJson(second, 'disk.storage.uploadfile', { id: 1, data: { NAME: 'b.txt' }, fileContent: ['b.txt', 'Yg=='] }));
    expect(nextUpload.ID).toBe(Number(uploaded.ID) + 2); // comment files 90001-90002, upload 90003, activity file 90004
    expect(nextUpload.FILE_ID).toBe(Number(uploaded.FILE_ID) + 2);
    expect(resultOf<number>(await callJson(second, 'crm.contact.add', { fields: { NAME: 'Next' } }))).toBe(contactId + 1);
    expect(Number((await admin(second, 'POST', '/admin/users', { NAME: 'Auto', LAST_NAME: 'Id', EMAIL: 'auto@x' })).json.ID)).toBe(43);

    // Stats are not persisted: only this run's requests are counted.
    expect(second.stats.byMethod['crm.deal.add']).toBe(1);
  });

  it('saves changes shortly after they happen, without waiting for close (a crash keeps them)', async () => {
    const emu = await start();
    const saved = (): string => fs.readFileSync(stateFile, 'utf8');
    const id = resultOf<number>(await callJson(emu, 'crm.deal.add', { fields: { TITLE: 'Saved soon' } }));
    await sleep(600);
    expect(saved()).toContain('Saved soon'); // REST change
    emu.addComment(id, 'in-process comment', [{ name: 'note.txt', content: Buffer.from('hello') }]);
    await sleep(600);
    expect(saved()).toContain('in-process comment'); // in-process change
    const mtime = fs.statSync(stateFile).mtimeMs;

    // A "crashed" emulator: its file is copied while it is still running and never closed.
    const copy = path.join(dir, 'copy.json');
    fs.copyFileSync(stateFile, copy);
    const revived = await startBitrixEmulator({ rateLimit: 0, stateFile: copy });
    running.push(revived);
    expect(revived.getDeal(id)).toMatchObject({ TITLE: 'Saved soon' });
    expect(revived.comments).toEqual([expect.objectContaining({ COMMENT: 'in-process comment' })]);
    expect(revived.files[0].content.toString()).toBe('hello');

    // Read-only traffic does not rewrite the file.
    await callJson(emu, 'crm.deal.list', {});
    await callJson(emu, 'crm.deal.get', { id });
    await sleep(500);
    expect(fs.statSync(stateFile).mtimeMs).toBe(mtime);
  });

  it('refuses a corrupt state file with a clear error and leaves the file untouched', async () => {
    fs.writeFileSync(stateFile, '{"format":"bitrix-emulator-state","version":1,"deals":[{"ID":"10');
    await expect(startBitrixEmulator({ rateLimit: 0, stateFile })).rejects.toThrow(StateFileError);
    await expect(startBitrixEmulator({ rateLimit: 0, stateFile })).rejects.toThrow(`Bitrix emulator state file "${stateFile}" cannot be loaded: it is not valid JSON`);
    expect(fs.readFileSync(stateFile, 'utf8')).toBe('{"format":"bitrix-emulator-state","version":1,"deals":[{"ID":"10');

    // Valid JSON with a broken part: the error names it.
    fs.rmSync(stateFile);
    const emu = await startBitrixEmulator({ rateLimit: 0, stateFile });
    emu.addComment(Number(emu.createDeal({ TITLE: 'x' }).ID), 'with file', [{ name: 'a.bin', content: randomBytes(10) }]);
    await emu.close();
    const doc = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { files: Array<{ contentBase64: string }> };
    doc.files[0].contentBase64 = doc.files[0].contentBase64.slice(4);
    fs.writeFileSync(stateFile, JSON.stringify(doc));
    await expect(startBitrixEmulator({ rateLimit: 0, stateFile })).rejects.toThrow(/files\[0\]\.contentBase64 decodes to \d+ bytes, expected 10/);

    fs.writeFileSync(stateFile, JSON.stringify({ deals: [] }));
    await expect(startBitrixEmulator({ rateLimit: 0, stateFile })).rejects.toThrow(/"format" is undefined, expected "bitrix-emulator-state"/);
  });

  it('starts empty and creates the file when it does not exist; reset() empties the saved portal too', async () => {
    const nested = path.join(dir, 'nested', 'portal.json');
    const emu = await startBitrixEmulator({ rateLimit: 0, stateFile: nested });
    expect(fs.existsSync(nested)).toBe(true);
    expect(emu.listDeals()).toEqual([]);
    emu.createDeal({ TITLE: 'gone after reset' });
    await emu.saveState();
    expect(fs.readFileSync(nested, 'utf8')).toContain('gone after reset');
    emu.reset();
    await emu.close();
    const again = await startBitrixEmulator({ rateLimit: 0, stateFile: nested });
    running.push(again);
    expect(again.listDeals()).toEqual([]);
    expect(again.users.map((u) => u.ID)).toEqual(['1']);
    expect(again.createDeal({ TITLE: 'first' }).ID).toBe('1001');
  });
});
