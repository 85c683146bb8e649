import { domainErrorToHttp, httpStatusOf } from '../../src/common/domain-error.mapper';
import { HttpExceptionFilter } from '../../src/common/http-exception.filter';
import { Controller, Get, INestApplication, Logger, Param } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { BitrixEmulator } from '../../bitrix-emulator/src';
import { bitrixCommand } from '../../src/bitrix/bitrix-batch';
import { BitrixDeals } from '../../src/bitrix/bitrix-deals.service';
import { BitrixStats } from '../../src/bitrix/bitrix-stats';
import { BitrixClient } from '../../src/bitrix/bitrix.client';
import {
  BitrixApiError,
  BitrixAuthError,
  BitrixError,
  BitrixNotFoundError,
  BitrixTimeoutError,
  BitrixUnavailableError,
} from '../../src/bitrix/bitrix.errors';
import { BitrixModule } from '../../src/bitrix/bitrix.module';
import { BitrixDeal, BitrixUser } from '../../src/bitrix/bitrix.types';
import { AppConfigModule } from '../../src/config/config.module';
import { bitrixConfig, BitrixSettings, CapturingLogger, caught, startEmulator } from './bitrix-test-kit';

/**
 * Contract of the transport against the emulator over real HTTP: envelopes, every error class, retries,
 * timeouts, the limiter, batch, and that the webhook secret never leaks.
 */
describe('BitrixClient against the Bitrix24 emulator', () => {
  let emulator: BitrixEmulator;
  const logs = new CapturingLogger();
  const clients: BitrixClient[] = [];
  const thrown: Error[] = [];

  function client(overrides: Partial<BitrixSettings> = {}, stats = new BitrixStats()): BitrixClient {
    const c = new BitrixClient(bitrixConfig({ inboundUrl: emulator.inboundUrl, ...overrides }), stats);
    clients.push(c);
    return c;
  }

  async function failure(fn: () => Promise<unknown>): Promise<BitrixError> {
    const e = await caught(fn);
    thrown.push(e);
    expect(e).toBeInstanceOf(BitrixError);
    return e as BitrixError;
  }

  beforeAll(async () => {
    Logger.overrideLogger(logs);
    emulator = await startEmulator();
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.onModuleDestroy()));
    await emulator.close();
    Logger.overrideLogger(false);
  });

  beforeEach(() => {
    emulator.reset();
  });

  it('POSTs JSON to {inboundUrl}{method}.json and parses result/total/next/time', async () => {
    for (let i = 0; i < 60; i++) emulator.createDeal({ TITLE: `Deal ${i}`, CATEGORY_ID: 19 });
    const c = client();
    const env = await c.request<BitrixDeal[]>('crm.deal.list', { select: ['ID', 'TITLE'], order: { ID: 'ASC' } });
    expect(env.result).toHaveLength(50);
    expect(env.total).toBe(60);
    expect(env.next).toBe(50);
    expect(typeof env.time?.start).toBe('number');
    const page2 = await c.listPage<BitrixDeal>('crm.deal.list', { select: ['ID'], order: { ID: 'ASC' }, start: 50 });
    expect(page2.items).toHaveLength(10);
    expect(page2.next).toBeNull();
    const call = emulator.stats.calls[0];
    expect(call.method).toBe('crm.deal.list');
    expect(call.viaBatch).toBe(false);
  });

  it('401 NO_AUTH_FOUND → BitrixAuthError (502), not retried, secret not in the error', async () => {
    const c = client({ inboundUrl: emulator.inboundUrl.replace('c0ffee5ecret2024', 'wr0ngc0dewr0ngc0') });
    const e = await failure(() => c.call('crm.deal.get', { id: 1 }));
    expect(e).toBeInstanceOf(BitrixAuthError);
    expect(e.code).toBe('NO_AUTH_FOUND');
    expect(e.upstreamStatus).toBe(401);
    expect(httpStatusOf(e.domainCode)).toBe(502);
    expect(emulator.stats.httpRequests).toBe(1);
    expect(`${e.message} ${JSON.stringify(domainErrorToHttp(e)?.getResponse())}`).not.toContain('wr0ngc0de');
  });

  it('404 ERROR_METHOD_NOT_FOUND → BitrixApiError, not retried', async () => {
    const e = await failure(() => client().call('crm.deal.nosuchmethod', {}));
    expect(e).toBeInstanceOf(BitrixApiError);
    expect(e).not.toBeInstanceOf(BitrixNotFoundError);
    expect(e.code).toBe('ERROR_METHOD_NOT_FOUND');
    expect(e.upstreamStatus).toBe(404);
    expect(emulator.stats.httpRequests).toBe(1);
  });

  it('400 "Not found" / "Activity is not found" / NOT_FOUND → BitrixNotFoundError (404)', async () => {
    const c = client();
    for (const [method, params] of [
      ['crm.deal.get', { id: 999999 }],
      ['crm.activity.get', { id: 999999 }],
      ['crm.timeline.comment.get', { id: 999999 }],
      ['disk.file.get', { id: 999999 }],
    ] as const) {
      const e = await failure(() => c.call(method, params));
      expect(e).toBeInstanceOf(BitrixNotFoundError);
      expect(httpStatusOf(e.domainCode)).toBe(404);
      expect(e.upstreamStatus).toBe(400);
    }
    expect(emulator.stats.httpRequests).toBe(4);
  });

  it('400 validation error → BitrixApiError with the description, not retried', async () => {
    const e = await failure(() => client().call('crm.deal.add', {}));
    expect(e).toBeInstanceOf(BitrixApiError);
    expect(e.code).toBe('');
    expect(e.description).toBe("Parameter 'fields' must be array.");
    expect(e.detail).toContain("Parameter 'fields' must be array.");
  });

  it('HTTP 500 is retried with backoff, then surfaces as BitrixUnavailableError after maxRetries', async () => {
    const stats = new BitrixStats();
    const c = client({ maxRetries: 3 }, stats);
    emulator.failNext(10, 'http500');
    const e = await failure(() => c.call('user.get', {}));
    expect(e).toBeInstanceOf(BitrixUnavailableError);
    expect(e.code).toBe('INTERNAL_SERVER_ERROR');
    expect(httpStatusOf(e.domainCode)).toBe(502);
    expect(e.attempts).toBe(4);
    expect(emulator.stats.httpRequests).toBe(4);
    expect(stats.snapshot().retries['user.get']).toBe(3);
    expect(stats.snapshot().errors['user.get']).toEqual({ INTERNAL_SERVER_ERROR: 4 });
  });

  it('an HTML 503 page (non-JSON) is retried, then surfaces as BitrixUnavailableError', async () => {
    const c = client({ maxRetries: 2 });
    emulator.failNext(10, 'html503');
    const e = await failure(() => c.call('crm.deal.list', {}));
    expect(e).toBeInstanceOf(BitrixUnavailableError);
    expect(e.code).toBe('NON_JSON');
    expect(e.upstreamStatus).toBe(503);
    expect(emulator.stats.httpRequests).toBe(3);
  });

  it('retry then success: two 500s and an HTML page, then the answer', async () => {
    const stats = new BitrixStats();
    emulator.failNext(2, 'http500');
    emulator.failNext(1, 'html503');
    const users = await client({ maxRetries: 3 }, stats).call<BitrixUser[]>('user.get', { FILTER: { ID: 1 } });
    expect(users[0].ID).toBe('1');
    expect(emulator.stats.httpRequests).toBe(4);
    expect(stats.snapshot().requests['user.get']).toBe(4);
    expect(stats.snapshot().retries['user.get']).toBe(3);
  });

  it('a connection reset is retried for reads', async () => {
    emulator.failNext(1, 'reset');
    const users = await client().call<BitrixUser[]>('user.get', {});
    expect(users.length).toBeGreaterThan(0);
  });

  it('QUERY_LIMIT_EXCEEDED proves the request was refused: even crm.deal.add is retried, creating exactly one deal', async () => {
    emulator.failNext(2, 'queryLimit', { method: 'crm.deal.add' });
    const id = await client().call<number>('crm.deal.add', { fields: { TITLE: 'Retried add', CATEGORY_ID: 19 } });
    expect(typeof id).toBe('number');
    expect(emulator.listDeals()).toHaveLength(1);
    expect(emulator.stats.httpRequests).toBe(3);
  });

  it('a 500 or a reset on crm.deal.add is NOT replayed (the deal may exist already)', async () => {
    const c = client();
    emulator.failNext(1, 'http500', { method: 'crm.deal.add' });
    const e = await failure(() => c.call('crm.deal.add', { fields: { TITLE: 'x' } }));
    expect(e).toBeInstanceOf(BitrixUnavailableError);
    expect(e.attempts).toBe(1);
    emulator.failNext(1, 'reset', { method: 'crm.activity.add' });
    const e2 = await failure(() => c.call('crm.activity.add', { fields: {} }));
    expect(e2).toBeInstanceOf(BitrixUnavailableError);
    expect(e2.attempts).toBe(1);
    expect(emulator.stats.httpRequests).toBe(2);
  });

  it('a hung request → BitrixTimeoutError (504) within the configured bound', async () => {
    const settings = { timeoutMs: 300, maxRetries: 5, retryBudgetMs: 1000 };
    const c = client(settings);
    emulator.failNext(20, 'timeout');
    const started = Date.now();
    const e = await failure(() => c.call('crm.deal.get', { id: 1 }));
    const elapsed = Date.now() - started;
    expect(e).toBeInstanceOf(BitrixTimeoutError);
    expect(httpStatusOf(e.domainCode)).toBe(504);
    expect(domainErrorToHttp(e)?.getResponse()).toEqual({ statusCode: 504, message: expect.stringContaining('Timeout ao comunicar com o Bitrix24'), detail: expect.stringContaining('Timeout ao comunicar com o Bitrix24') });
    // Every attempt is cut at timeoutMs; all attempts and sleeps fit in max(timeoutMs, retryBudgetMs).
    expect(elapsed).toBeLessThan(Math.max(settings.timeoutMs, settings.retryBudgetMs) + 400);
    expect(e.attempts).toBeGreaterThanOrEqual(2);
  });

  it('a timed-out crm.deal.add is tried once only', async () => {
    const c = client({ timeoutMs: 250 });
    emulator.failNext(5, 'timeout', { method: 'crm.deal.add' });
    const started = Date.now();
    const e = await failure(() => c.call('crm.deal.add', { fields: { TITLE: 'x' } }));
    expect(e).toBeInstanceOf(BitrixTimeoutError);
    expect(e.attempts).toBe(1);
    expect(Date.now() - started).toBeLessThan(700);
  });

  it('a timeout then a normal answer: retried and succeeds', async () => {
    emulator.failNext(1, 'timeout', { method: 'user.get' });
    const users = await client({ timeoutMs: 250 }).call<BitrixUser[]>('user.get', {});
    expect(users.length).toBeGreaterThan(0);
  });

  it('connection refused → BitrixUnavailableError(ECONNREFUSED), retried within the budget', async () => {
    const dead = await startEmulator();
    const deadUrl = dead.inboundUrl;
    await dead.close();
    const c = client({ inboundUrl: deadUrl, maxRetries: 2, retryBudgetMs: 2000 });
    const e = await failure(() => c.call('crm.deal.add', { fields: { TITLE: 'x' } }));
    expect(e).toBeInstanceOf(BitrixUnavailableError);
    expect(e.code).toBe('ECONNREFUSED');
    expect(e.kind).toBe('rejected');
    expect(e.attempts).toBe(3);
    expect(httpStatusOf(e.domainCode)).toBe(502);
  });

  it('batch: typed per-command results, per-command errors, totals, and `[]` members normalised', async () => {
    const deal = emulator.createDeal({ TITLE: 'Batch deal', CATEGORY_ID: 19 });
    const c = client();
    const result = await c.batch({
      deal: bitrixCommand<BitrixDeal>('crm.deal.get', { id: Number(deal.ID) }),
      missing: bitrixCommand<BitrixDeal>('crm.deal.get', { id: 424242 }),
      unknown: bitrixCommand<unknown>('crm.nothing.here', {}),
      list: bitrixCommand<BitrixDeal[]>('crm.deal.list', { filter: { CATEGORY_ID: 19 }, select: ['ID', 'TITLE'] }),
      users: bitrixCommand<BitrixUser[]>('user.get', { FILTER: { ID: '$result[deal][ASSIGNED_BY_ID]' } }),
    });
    expect(result.get('deal').TITLE).toBe('Batch deal');
    expect(result.errors.missing).toBeInstanceOf(BitrixNotFoundError);
    expect(result.errors.unknown).toBeInstanceOf(BitrixApiError);
    expect(result.errors.unknown?.code).toBe('ERROR_METHOD_NOT_FOUND');
    expect(() => result.get('missing')).toThrow(BitrixNotFoundError);
    expect(result.get('list').map((d) => d.TITLE)).toEqual(['Batch deal']);
    expect(result.totals.list).toBe(1);
    expect(result.get('users')[0].ID).toBe(deal.ASSIGNED_BY_ID);
    expect(result.errorCount).toBe(2);
    expect(emulator.stats.httpRequests).toBe(1);

    const clean = await c.batch({ a: bitrixCommand<BitrixUser[]>('user.get', {}) });
    expect(clean.errors).toEqual({});
    expect(clean.errorCount).toBe(0);
  });

  it('batch with halt stops at the first failing command', async () => {
    const result = await client().batch(
      {
        first: bitrixCommand<BitrixDeal>('crm.deal.get', { id: 1 }),
        second: bitrixCommand<BitrixUser[]>('user.get', {}),
      },
      { halt: true },
    );
    expect(result.errors.first).toBeInstanceOf(BitrixNotFoundError);
    expect(result.has('second')).toBe(false);
    expect(() => result.get('second')).toThrow(/not executed/);
  });

  it('batchChunked sends 120 commands as 3 batch calls; over 50 in one batch is refused locally', async () => {
    for (let i = 0; i < 120; i++) emulator.createDeal({ TITLE: `D${i}`, CATEGORY_ID: 19 });
    emulator.resetStats();
    const ids = emulator.listDeals().map((d) => Number(d.ID));
    const commands = Object.fromEntries(ids.map((id) => [`d${id}`, bitrixCommand<BitrixDeal>('crm.deal.get', { id })]));
    const c = client();
    const result = await c.batchChunked(commands);
    expect(Object.keys(result.results)).toHaveLength(120);
    expect(emulator.stats.httpRequests).toBe(3);
    expect(emulator.stats.byMethod['crm.deal.get']).toBe(120);
    await expect(c.batch(commands)).rejects.toThrow(/at most 50/);
  });

  it('an inner QUERY_LIMIT in a batch is reported per command, the batch itself succeeds', async () => {
    emulator.failNext(1, 'queryLimit', { method: 'user.get' });
    const result = await client().batch({ u: bitrixCommand<BitrixUser[]>('user.get', {}) });
    expect(result.errors.u?.code).toBe('QUERY_LIMIT_EXCEEDED');
  });

  it('the portal bucket really refuses an unthrottled burst (control for the limiter test)', async () => {
    emulator.options.rateLimit = 20;
    emulator.options.rateBurst = 50;
    try {
      const answers = await Promise.all(
        Array.from({ length: 80 }, () => fetch(`${emulator.inboundUrl}user.current.json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })),
      );
      const statuses = answers.map((a) => a.status);
      await Promise.all(answers.map((a) => a.text()));
      expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
      expect(emulator.stats.rejectedByRateLimit).toBeGreaterThan(0);
    } finally {
      emulator.options.rateLimit = 0;
    }
  });

  it('limiter: a burst of 200 calls at 20 req/s, burst 50, completes with zero QUERY_LIMIT_EXCEEDED', async () => {
    emulator.options.rateLimit = 20;
    emulator.options.rateBurst = 50;
    try {
      const stats = new BitrixStats();
      const c = client({ rateLimit: 20, rateBurst: 50, maxRetries: 0 }, stats);
      const started = Date.now();
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => c.call<BitrixUser[]>('user.get', { FILTER: { ID: 1 }, n: i })));
      const elapsed = Date.now() - started;
      expect(results.every((r) => r[0].ID === '1')).toBe(true);
      expect(emulator.stats.rejectedByRateLimit).toBe(0);
      expect(emulator.stats.httpRequests).toBe(200);
      expect(stats.snapshot().totalErrors).toBe(0);
      // 48 at once, the other 152 at 20/s ≈ 7.6 s.
      expect(elapsed).toBeGreaterThan(6500);
    } finally {
      emulator.options.rateLimit = 0;
    }
  }, 30_000);

  it('counts requests and errors per method', async () => {
    const stats = new BitrixStats();
    const events: string[] = [];
    stats.subscribe((e) => events.push(`${e.type}:${e.method}`));
    const c = client({}, stats);
    await c.call('user.get', {});
    await caught(() => c.call('crm.deal.get', { id: 5 }));
    const snap = stats.snapshot();
    expect(snap.requests).toEqual({ 'user.get': 1, 'crm.deal.get': 1 });
    expect(snap.errors).toEqual({ 'crm.deal.get': { '(empty)': 1 } });
    expect(snap.totalRequests).toBe(2);
    expect(events).toEqual(['request:user.get', 'request:crm.deal.get', 'error:crm.deal.get']);
  });

  it('download: plain GET of a DOWNLOAD_URL with browser-like headers; a tampered link → BitrixNotFoundError', async () => {
    const c = client();
    const uploaded = await c.call<{ DOWNLOAD_URL: string }>('disk.storage.uploadfile', { id: 1, data: { NAME: 'nota.txt' }, fileContent: ['nota.txt', Buffer.from('olá').toString('base64')] });
    const file = await c.download(uploaded.DOWNLOAD_URL);
    expect(file.bytes.toString('utf8')).toBe('olá');
    expect(file.fileName).toBe('nota.txt');
    const e = await failure(() => c.download(uploaded.DOWNLOAD_URL.replace(/token=[^&]+/, 'token=forged')));
    expect(e).toBeInstanceOf(BitrixNotFoundError);
    const small = await failure(() => c.download(uploaded.DOWNLOAD_URL, { maxBytes: 2 }));
    expect(small.code).toBe('FILE_TOO_LARGE');
  });

  describe('HTTP layer', () => {
    @Controller('probe')
    class ProbeController {
      constructor(private readonly deals: BitrixDeals) {}

      @Get('deal/:id')
      get(@Param('id') id: string): Promise<BitrixDeal> {
        return this.deals.get(Number(id));
      }
    }

    let app: INestApplication;

    beforeAll(async () => {
      const config = bitrixConfig({ inboundUrl: emulator.inboundUrl, timeoutMs: 200, maxRetries: 1, retryBudgetMs: 300 });
      const moduleRef = await Test.createTestingModule({ imports: [AppConfigModule.forRoot(config), BitrixModule], controllers: [ProbeController] }).compile();
      app = moduleRef.createNestApplication({ logger: false });
      // The app's one global filter maps Bitrix errors (plain domain errors) to their HTTP answer.
      app.useGlobalFilters(new HttpExceptionFilter());
      await app.init();
    });

    afterAll(async () => {
      await app.close();
    });

    it('answers 504 / 502 / 404 with {statusCode, message, detail} in Portuguese', async () => {
      const deal = emulator.createDeal({ TITLE: 'HTTP', CATEGORY_ID: 19 });
      const ok = await request(app.getHttpServer()).get(`/probe/deal/${deal.ID}`);
      expect(ok.status).toBe(200);
      expect(ok.body.TITLE).toBe('HTTP');

      emulator.failNext(5, 'timeout');
      const timeout = await request(app.getHttpServer()).get(`/probe/deal/${deal.ID}`);
      expect(timeout.status).toBe(504);
      expect(timeout.body).toMatchObject({ statusCode: 504, message: expect.any(String), detail: 'Timeout ao comunicar com o Bitrix24 (crm.deal.get)' });
      emulator.clearFaults();

      emulator.failNext(5, 'http500');
      const bad = await request(app.getHttpServer()).get(`/probe/deal/${deal.ID}`);
      expect(bad.status).toBe(502);
      expect(bad.body.detail).toBe('Bitrix24 indisponível no momento (crm.deal.get)');
      emulator.clearFaults();

      const missing = await request(app.getHttpServer()).get('/probe/deal/987654');
      expect(missing.status).toBe(404);
      expect(missing.body.detail).toBe('Registro não encontrado no Bitrix24 (crm.deal.get)');
      for (const res of [timeout, bad, missing]) expect(JSON.stringify(res.body)).not.toContain('c0ffee5ecret2024');
    });
  });

  it('the webhook secret never appears in logs or error messages', () => {
    expect(logs.lines.length).toBeGreaterThan(5);
    const everything = [...logs.lines, ...thrown.map((e) => `${e.message} ${e.stack ?? ''} ${JSON.stringify(domainErrorToHttp(e)?.getResponse() ?? '')}`)].join('\n');
    expect(everything).not.toContain('c0ffee5ecret2024');
    expect(everything).not.toContain('/rest/1/');
    expect(logs.lines.some((l) => l.includes('crm.deal.get'))).toBe(true);
  });
});
