import { outcomeOfResponse, retryAfterToMs } from './notification-contract';

describe('outcomeOfResponse', () => {
  it('2xx is delivered', () => {
    expect(outcomeOfResponse(200, null)).toEqual({ kind: 'delivered' });
    expect(outcomeOfResponse(202, null)).toEqual({ kind: 'delivered' });
  });

  it('429 and 5xx retry, honouring Retry-After', () => {
    expect(outcomeOfResponse(429, '7')).toEqual({ kind: 'retry', reason: 'HTTP 429', retryAfterMs: 7000 });
    expect(outcomeOfResponse(503, null)).toEqual({ kind: 'retry', reason: 'HTTP 503' });
  });

  it('404/410 are gone only for push; otherwise rejected', () => {
    expect(outcomeOfResponse(410, null, { goneOn404And410: true }).kind).toBe('gone');
    expect(outcomeOfResponse(404, null, { goneOn404And410: true }).kind).toBe('gone');
    expect(outcomeOfResponse(404, null).kind).toBe('rejected');
    expect(outcomeOfResponse(400, null).kind).toBe('rejected');
  });
});

describe('retryAfterToMs', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2026-12-02T12:00:00Z');
    expect(retryAfterToMs('120', now)).toBe(120_000);
    expect(retryAfterToMs('Wed, 02 Dec 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterToMs('Wed, 02 Dec 2026 11:00:00 GMT', now)).toBe(0);
    expect(retryAfterToMs('soon', now)).toBeUndefined();
    expect(retryAfterToMs(undefined, now)).toBeUndefined();
  });
});
