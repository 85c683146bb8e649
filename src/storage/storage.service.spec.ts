import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalStorageDriver } from './local-storage.driver';
import { PRESIGN_PERIOD_MS, presignPeriod, StorageService } from './storage.service';

describe('StorageService presigned URLs: signed once per 30-minute period, as of its start', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'storage-spec-'));
  const driver = new LocalStorageDriver(dir, 'http://127.0.0.1:3000', 'a-signing-key-of-enough-length-0123456789');
  const expiresOf = (url: string) => Number(new URL(url).searchParams.get('expires'));

  beforeEach(() => jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate', 'setTimeout', 'setInterval'] }));
  afterEach(() => jest.useRealTimers());
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('answers the same URL for a key within a period, valid TTL seconds from the period start', async () => {
    const storage = new StorageService(driver);
    jest.setSystemTime(new Date('2026-12-02T10:07:13Z'));
    const first = (await storage.presignedUrl('attachments/u1/relatório final.pdf', 7200))!;
    expect(expiresOf(first)).toBe(Date.parse('2026-12-02T10:00:00Z') / 1000 + 7200);
    expect(driver.verify('attachments/u1/relatório final.pdf', expiresOf(first), new URL(first).searchParams.get('signature')!)).toBe(true);

    jest.setSystemTime(new Date('2026-12-02T10:29:59Z'));
    await expect(storage.presignedUrl('attachments/u1/relatório final.pdf', 7200)).resolves.toBe(first);
    // Another TTL or another key is another URL.
    const avatar = (await storage.presignedUrl('attachments/u1/relatório final.pdf', 604800))!;
    expect(expiresOf(avatar)).toBe(Date.parse('2026-12-02T10:00:00Z') / 1000 + 604800);
    expect(await storage.presignedUrl('attachments/u2/outro.pdf', 7200)).not.toBe(first);
    await expect(storage.presignedUrl(null)).resolves.toBeNull();
  });

  it('signs again in the next period, so a URL handed out always has at least TTL − 30 minutes to run', async () => {
    const storage = new StorageService(driver);
    jest.setSystemTime(new Date('2026-12-02T10:29:59Z'));
    const before = (await storage.presignedUrl('attachments/u1/a.txt', 7200))!;
    // Handed out in the last second of its period: still 1 h 30 (and one second) to run.
    expect(expiresOf(before) * 1000 - Date.now()).toBe(7200 * 1000 - PRESIGN_PERIOD_MS + 1000);
    jest.setSystemTime(new Date('2026-12-02T10:30:00Z'));
    const after = (await storage.presignedUrl('attachments/u1/a.txt', 7200))!;
    expect(after).not.toBe(before);
    expect(expiresOf(after)).toBe(Date.parse('2026-12-02T10:30:00Z') / 1000 + 7200);
    expect(presignPeriod(Date.parse('2026-12-02T10:30:00Z')) - presignPeriod(Date.parse('2026-12-02T10:29:59Z'))).toBe(1);
  });
});
