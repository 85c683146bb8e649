import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { BitrixEmulator, startBitrixEmulator } from '../../bitrix-emulator/src';

const run = promisify(execFile);
const SCRIPT = path.join(__dirname, 'sdk', 'b24jssdk-contract.mjs');

interface SdkRow {
  ok: boolean;
  result: Record<string, unknown> | Array<Record<string, unknown>> | null;
  errors: string[];
}

interface SdkReport {
  callList: { ok: boolean; errors: string[]; ids: number[] };
  fetchList: { pages: number[] };
  batch: { ok: boolean; deal: SdkRow | null; owner: SdkRow | null; missing: SdkRow | null; missingComment: SdkRow | null };
  userGet: { ok: boolean; ids: string[] };
  burst: { ok: number; failed: string[]; ms: number };
}

/**
 * Contract test: the official SDK (@bitrix24/b24jssdk, which refuses a non-https portal) against the emulator over
 * HTTPS. The SDK is an ES module: it runs in its own Node process, trusting the emulator's self-signed certificate
 * through NODE_EXTRA_CA_CERTS, exactly as an integration would run it.
 */
describe('official SDK @bitrix24/b24jssdk against the emulator over HTTPS', () => {
  let emulator: BitrixEmulator;
  let dir: string;
  let caFile: string;
  let dealIds: number[];

  beforeAll(async () => {
    // The portal's bucket is smaller than the SDK's default (50): the SDK must cope with QUERY_LIMIT_EXCEEDED.
    emulator = await startBitrixEmulator({ https: true, rateLimit: 2, rateBurst: 10 });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'b24jssdk-'));
    caFile = path.join(dir, 'emulator-ca.pem');
    fs.writeFileSync(caFile, emulator.certificatePem ?? '');
    dealIds = [];
    for (let i = 0; i < 120; i++) dealIds.push(Number(emulator.createDeal({ TITLE: `Chamado ${i}`, CATEGORY_ID: 19 }).ID));
    emulator.createDeal({ TITLE: 'Outro funil', CATEGORY_ID: 0 });
  });
  afterAll(async () => {
    await emulator.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const runSdk = async (env: Record<string, string>): Promise<SdkReport> => {
    const { stdout } = await run(process.execPath, [SCRIPT], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: caFile, B24_WEBHOOK_URL: emulator.inboundUrl, B24_DEAL_ID: String(dealIds[0]), ...env },
      timeout: 90_000,
      maxBuffer: 10 * 1024 * 1024,
    });
    return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as SdkReport;
  };

  it('list (callList, fetchList), batch and rate-limit helpers work against the emulator', async () => {
    emulator.resetStats();
    const report = await runSdk({ B24_BURST_CALLS: '20', B24_SDK_BURST: '50', B24_SDK_DRAIN: '2' });

    // callList / fetchList: every deal of the pipeline once, in ID order, by keyset paging (start=-1, >ID).
    expect(report.callList).toEqual({ ok: true, errors: [], ids: dealIds });
    expect(report.fetchList.pages).toEqual([50, 50, 20]);
    const lists = emulator.stats.calls.filter((c) => c.method === 'crm.deal.list');
    expect(lists.length).toBeGreaterThanOrEqual(6);
    expect(lists.every((c) => String(c.params.start) === '-1')).toBe(true);

    // batch: named commands, a $result reference, a failing command reported per command.
    expect(report.batch.deal).toMatchObject({ ok: true, result: { ID: String(dealIds[0]), TITLE: 'Chamado 0' } });
    expect(report.batch.owner).toMatchObject({ ok: true, result: [expect.objectContaining({ ID: '1' })] });
    expect(report.batch.missingComment).toMatchObject({ ok: false, result: null });
    expect(report.batch.missingComment?.errors.join(' ')).toContain('Not found.');
    // Observed SDK behaviour (2.2.0): a command error with an empty code, as crm.deal.* answer
    // ({"error":"","error_description":"Not found"}, reference §1.3), counts as a success without a result.
    expect(report.batch.missing).toEqual({ ok: true, errors: [] });
    expect(emulator.stats.calls.find((c) => c.method === 'crm.deal.get' && c.viaBatch && String(c.params.id) === '999999')?.outcome).toBe('error');

    // user.get: the SDK's request parameters are not filter keys.
    expect(report.userGet).toEqual({ ok: true, ids: ['1'] });

    // Rate limit: 20 parallel calls against a bucket of 10 draining 2/s. The portal refused some with
    // 503 QUERY_LIMIT_EXCEEDED; the SDK waited and retried, and every call succeeded.
    console.log(`b24jssdk burst: ${report.burst.ok} calls ok in ${report.burst.ms} ms, ${emulator.stats.rejectedByRateLimit} refused by the portal's bucket and retried`);
    expect(report.burst.failed).toEqual([]);
    expect(report.burst.ok).toBe(20);
    expect(emulator.stats.rejectedByRateLimit).toBeGreaterThan(0);
  }, 120_000);

  it('with the portal limits configured in the SDK (burst 8 of 10, 2/s), its limiter keeps every call under the bucket', async () => {
    emulator.resetStats();
    // Let the portal's bucket drain from the previous test.
    await new Promise((resolve) => setTimeout(resolve, 7000));
    // A little under the portal's bucket, as an integration would configure it (the two clocks drift).
    const report = await runSdk({ B24_BURST_CALLS: '20', B24_SDK_BURST: '8', B24_SDK_DRAIN: '2' });
    console.log(`b24jssdk limiter: ${report.burst.ok} calls ok in ${report.burst.ms} ms, ${emulator.stats.rejectedByRateLimit} refused`);
    expect(report.burst).toMatchObject({ ok: 20, failed: [] });
    expect(emulator.stats.rejectedByRateLimit).toBe(0);
    // 20 calls plus the list and batch calls through a bucket of 10 at 2/s take several seconds.
    expect(report.burst.ms).toBeGreaterThan(2000);
  }, 120_000);
});
