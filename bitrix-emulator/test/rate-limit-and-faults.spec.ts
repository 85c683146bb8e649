import { BitrixEmulator, startBitrixEmulator } from '../src';
import { admin, callJson, sleep } from './helpers';

describe('leaky bucket', () => {
  let emu: BitrixEmulator;
  afterEach(() => emu.close());

  it('refuses a burst above 50 with 503 QUERY_LIMIT_EXCEEDED and lets requests through after draining', async () => {
    emu = await startBitrixEmulator(); // defaults: 2/s drain, burst 50
    const answers = await Promise.all(Array.from({ length: 60 }, () => callJson(emu, 'user.current')));
    const ok = answers.filter((a) => a.status === 200).length;
    const limited = answers.filter((a) => a.status === 503);
    expect(ok).toBeGreaterThanOrEqual(50);
    expect(ok).toBeLessThan(55);
    expect(limited.length).toBe(60 - ok);
    expect(limited[0].json).toEqual({ error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' });
    expect(emu.stats.rejectedByRateLimit).toBe(limited.length);
    expect(emu.stats.httpRequests).toBe(60);

    expect((await callJson(emu, 'user.current')).status).toBe(503);
    await sleep(1100); // drains 2 per second
    expect((await callJson(emu, 'user.current')).status).toBe(200);
  });

  it('counts a batch of 50 commands as one request', async () => {
    emu = await startBitrixEmulator({ rateLimit: 1, rateBurst: 3 });
    const cmd = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`c${i}`, 'user.current']));
    for (let i = 0; i < 3; i += 1) expect((await callJson(emu, 'batch', { cmd })).status).toBe(200);
    expect((await callJson(emu, 'batch', { cmd })).status).toBe(503);
    expect(emu.stats.byMethod['user.current']).toBe(150);
  });

  it('is disabled with rateLimit 0 and adjustable at runtime through options', async () => {
    emu = await startBitrixEmulator({ rateLimit: 0, rateBurst: 1 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => callJson(emu, 'user.current')));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    emu.options.rateLimit = 1;
    expect((await callJson(emu, 'user.current')).status).toBe(200);
    expect((await callJson(emu, 'user.current')).status).toBe(503);
  });
});

describe('REST fault injection', () => {
  let emu: BitrixEmulator;

  beforeAll(async () => {
    emu = await startBitrixEmulator({ rateLimit: 0 });
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.reset());

  it('http500 answers the INTERNAL_SERVER_ERROR envelope for the next n requests only', async () => {
    emu.failNext(2, 'http500');
    for (let i = 0; i < 2; i += 1) {
      const answer = await callJson(emu, 'user.current');
      expect(answer.status).toBe(500);
      expect(answer.json).toEqual({ error: 'INTERNAL_SERVER_ERROR', error_description: 'Internal server error' });
    }
    expect((await callJson(emu, 'user.current')).status).toBe(200);
  });

  it('html503 answers a non-JSON text/html page', async () => {
    emu.failNext(1, 'html503');
    const answer = await callJson(emu, 'user.current');
    expect(answer.status).toBe(503);
    expect(answer.contentType).toContain('text/html');
    expect(answer.text).toContain('503 Service Temporarily Unavailable');
    expect(() => JSON.parse(answer.text)).toThrow();
  });

  it('queryLimit answers 503 QUERY_LIMIT_EXCEEDED', async () => {
    emu.failNext(1, 'queryLimit');
    const answer = await callJson(emu, 'user.current');
    expect(answer.status).toBe(503);
    expect(answer.json).toEqual({ error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' });
  });

  it('error answers a chosen code, description and status, matching only the named method', async () => {
    emu.failNext(1, 'error', { method: 'crm.deal.get', error: 'ACCESS_DENIED', errorDescription: 'Access denied', status: 403 });
    expect((await callJson(emu, 'user.current')).status).toBe(200);
    const answer = await callJson(emu, 'crm.deal.get', { id: 1 });
    expect(answer.status).toBe(403);
    expect(answer.json).toEqual({ error: 'ACCESS_DENIED', error_description: 'Access denied' });
    emu.failNext(1, 'error', { error: 'OPERATION_TIME_LIMIT', errorDescription: 'Method is blocked due to operation time limit.', status: 429 });
    expect((await callJson(emu, 'crm.deal.list')).status).toBe(429);
    expect(emu.stats.calls.map((c) => c.outcome)).toEqual(['ok', 'fault', 'fault']);
  });

  it('reset destroys the socket', async () => {
    emu.failNext(1, 'reset');
    await expect(callJson(emu, 'user.current')).rejects.toThrow();
    expect((await callJson(emu, 'user.current')).status).toBe(200);
  });

  it('timeout never answers (the client must give up), or answers after hangMs', async () => {
    emu.failNext(1, 'timeout');
    const started = Date.now();
    await expect(
      fetch(`${emu.inboundUrl}user.current.json`, { method: 'POST', signal: AbortSignal.timeout(300) }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);

    emu.failNext(1, 'timeout', { hangMs: 250 });
    const t0 = Date.now();
    const late = await callJson(emu, 'user.current');
    expect(late.status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(240);
  });

  it('a fault naming a method also hits that command inside a batch', async () => {
    emu.createDeal({ TITLE: 'x' });
    emu.failNext(1, 'queryLimit', { method: 'crm.deal.get' });
    const answer = await callJson(emu, 'batch', { cmd: { a: 'crm.deal.get?id=1001', b: 'crm.deal.get?id=1001' } });
    expect(answer.status).toBe(200);
    const result = answer.json.result as Record<string, Record<string, unknown>>;
    expect(result.result_error).toEqual({ a: { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' } });
    expect(Object.keys(result.result)).toEqual(['b']);
  });

  it('faults can be injected through the admin API; latency delays every answer', async () => {
    const injected = await admin(emu, 'POST', '/admin/faults', { count: 1, kind: 'http500', method: 'crm.deal.list' });
    expect(injected.status).toBe(200);
    expect((await callJson(emu, 'crm.deal.list')).status).toBe(500);
    expect((await admin(emu, 'POST', '/admin/faults', { kind: 'nope' })).status).toBe(400);

    emu.options.latencyMs = 150;
    const t0 = Date.now();
    expect((await callJson(emu, 'user.current')).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    emu.options.latencyMs = 0;
  });
});
