import { BitrixEmulator } from '../../bitrix-emulator/src';
import { BitrixStats } from '../../src/bitrix/bitrix-stats';
import { BitrixClient } from '../../src/bitrix/bitrix.client';
import type { BitrixUser } from '../../src/bitrix/bitrix.types';
import { createTestDatabase } from '../support/test-database';
import { bitrixConfig, startEmulator } from './bitrix-test-kit';

/**
 * Three clients, as three instances, each configured with the portal's whole rate (10 req/s, bucket 50),
 * against the emulator's leaky bucket. With the shared budget (PostgreSQL) they never overflow the portal and
 * together send at its rate; each with its own bucket (the control) they overflow it.
 */
describe('Bitrix24 budget shared by every instance (e2e, PostgreSQL + emulator)', () => {
  const RATE = 10;
  const BURST = 50;
  /** What the shared budget lets through at once: the bucket less its headroom (10%, at least 2). */
  const AT_ONCE = 45;
  let emulator: BitrixEmulator;
  let db: { url: string; drop: () => Promise<void> };
  const clients: BitrixClient[] = [];

  function instance(shared: boolean, overrides: { maxRetries?: number } = {}): BitrixClient {
    const config = bitrixConfig({ inboundUrl: emulator.inboundUrl, rateLimit: RATE, rateBurst: BURST, maxRetries: 0, ...overrides }, shared ? db.url : undefined);
    const client = new BitrixClient(config, new BitrixStats());
    clients.push(client);
    return client;
  }

  const calls = (client: BitrixClient, n: number) =>
    Promise.allSettled(Array.from({ length: n }, (_, i) => client.call<BitrixUser[]>('user.get', { FILTER: { ID: 1 }, n: i })));

  beforeAll(async () => {
    db = await createTestDatabase();
    emulator = await startEmulator({ rateLimit: RATE, rateBurst: BURST });
  });
  let rejectedBefore = 0;
  const rejected = () => emulator.stats.rejectedByRateLimit - rejectedBefore;
  beforeEach(async () => {
    // An empty portal bucket and a drained shared budget for each case.
    await new Promise((resolve) => setTimeout(resolve, (BURST / RATE) * 1000 + 200));
    rejectedBefore = emulator.stats.rejectedByRateLimit;
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.onModuleDestroy()));
    await emulator?.close();
    await db?.drop();
  });

  it('three instances sharing the budget: zero QUERY_LIMIT_EXCEEDED, together at the portal rate', async () => {
    const three = [instance(true), instance(true), instance(true)];
    const started = Date.now();
    const results = (await Promise.all(three.map((c) => calls(c, 40)))).flat();
    const seconds = (Date.now() - started) / 1000;
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(rejected()).toBe(0);
    // 120 requests: 45 at once, the other 75 at 10/s ≈ 7.5 s.
    const rate = (120 - AT_ONCE) / seconds;
    process.stdout.write(`shared budget: 3 instances, 120 requests in ${seconds.toFixed(2)} s (${rate.toFixed(1)} req/s after the burst; portal ${RATE}/s)\n`);
    expect(seconds).toBeGreaterThan(6.5);
    expect(rate).toBeGreaterThan(RATE * 0.85);
  }, 30_000);

  it('control: three instances with a bucket each overflow the portal', async () => {
    const three = [instance(false), instance(false), instance(false)];
    await Promise.all(three.map((c) => calls(c, 40)));
    expect(rejected()).toBeGreaterThan(0);
  }, 30_000);

  it('one busy instance uses the whole budget while the others are idle', async () => {
    const [busy] = [instance(true), instance(true), instance(true)];
    const started = Date.now();
    const results = await calls(busy, 65);
    const seconds = (Date.now() - started) / 1000;
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    // 45 at once, 20 at 10/s ≈ 2 s: the full rate, not a third of it (which would take ≈ 6 s).
    expect(seconds).toBeLessThan(3.5);
    expect(rejected()).toBe(0);
  }, 30_000);

  it('QUERY_LIMIT_EXCEEDED seen by one instance slows the others', async () => {
    const [refused, other] = [instance(true), instance(true)];
    emulator.failNext(1, 'queryLimit', { method: 'user.get' });
    await expect(refused.call('user.get', {})).rejects.toThrow(/excedido/);
    const started = Date.now();
    expect((await calls(other, 10)).filter((r) => r.status === 'rejected')).toEqual([]);
    // The bucket was marked full: the other instance gets no burst, only the drain rate (10 calls ≈ 1 s),
    // where an untouched budget would have let the 10 through at once.
    expect(Date.now() - started).toBeGreaterThan(900);
  }, 30_000);
});
