import { startTestStack, TestStack } from '../support/test-stack';
import { unfinishedJobs, fastWebhookEnv, waitFor } from './webhook-test-kit';

/**
 * Issue 5, outcome 4: 1,000 UPDATE events over 100 deals converge with at most 10 Bitrix HTTP requests
 * and within 15 s, against a portal enforcing 2 requests/s with burst 50 (the client limiter likewise).
 * Default coalescing settings (quiet 400 ms, max wait 5 s).
 */
describe('Webhook coalescing (e2e, rate-limited emulator)', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({
      bitrix: { rateLimit: 2, rateBurst: 50 },
      env: {
        ...fastWebhookEnv({ WEBHOOK_COALESCE_QUIET_MS: '400', WEBHOOK_COALESCE_MAX_WAIT_MS: '5000', WEBHOOK_POLL_MS: '250' }),
        BITRIX_RATE_LIMIT: '2',
        BITRIX_RATE_BURST: '50',
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const bitrix = () => stack.bitrix!;
  const titles = async (ids: number[]): Promise<Map<number, string>> => {
    const rows: { deal_id: number; title: string }[] = await stack.dataSource.query('SELECT deal_id, title FROM deals WHERE deal_id = ANY($1::int[])', [ids]);
    return new Map(rows.map((r) => [r.deal_id, r.title]));
  };

  it('serves 1,000 UPDATE events over 100 deals with at most 10 Bitrix requests, within 15 s', async () => {
    const ids = Array.from({ length: 100 }, (_, n) => Number(bitrix().createDeal({ TITLE: `deal ${n} v0` }).ID));
    await bitrix().flush();
    await waitFor('100 deals mirrored', async () => (await titles(ids)).size === 100, 20000);
    await waitFor('queue drained', async () => (await unfinishedJobs(stack)) === 0);
    bitrix().resetStats();

    const started = Date.now();
    for (let version = 1; version <= 10; version++) {
      for (const id of ids) bitrix().updateDeal(id, { TITLE: `deal ${id} v${version}` });
    }
    await waitFor(
      'all 100 deals at v10',
      async () => {
        const now = await titles(ids);
        return ids.every((id) => now.get(id) === `deal ${id} v10`);
      },
      30000,
      50,
    );
    // Converged = the mirror shows the last version AND every acknowledged event was processed.
    await bitrix().flush();
    const deliveredAfter = (Date.now() - started) / 1000;
    await waitFor('queue drained', async () => (await unfinishedJobs(stack)) === 0, 30000, 50);
    const seconds = (Date.now() - started) / 1000;
    const delivered = bitrix().deliveries.filter((d) => d.outcome === 'delivered' && d.event === 'ONCRMDEALUPDATE').length;
    const requests = bitrix().stats.httpRequests;
    process.stdout.write(`coalescing: ${delivered} UPDATE events, ${requests} Bitrix HTTP requests, converged in ${seconds.toFixed(2)} s (all delivered after ${deliveredAfter.toFixed(2)} s)\n`);
    expect(delivered).toBe(1000);
    expect(requests).toBeLessThanOrEqual(10);
    expect(seconds).toBeLessThanOrEqual(15);
    expect(bitrix().stats.rejectedByRateLimit).toBe(0);
  });

  it('serves a 50-event burst for one deal with one read', async () => {
    const id = Number(bitrix().createDeal({ TITLE: 'burst v0' }).ID);
    await bitrix().flush();
    await waitFor('deal mirrored', async () => (await titles([id])).size === 1, 20000);
    await waitFor('queue drained', async () => (await unfinishedJobs(stack)) === 0);
    bitrix().resetStats();
    for (let n = 1; n <= 50; n++) bitrix().updateDeal(id, { TITLE: `burst v${n}` });
    await waitFor('deal at v50', async () => (await titles([id])).get(id) === 'burst v50', 20000, 50);
    await waitFor('queue drained', async () => (await unfinishedJobs(stack)) === 0);
    expect(bitrix().stats.httpRequests).toBeLessThanOrEqual(2);
  });
});
