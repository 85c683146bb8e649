import { BitrixApiError, BitrixTimeoutError, BitrixUnavailableError } from './bitrix.errors';
import { fullJitterDelay, isIdempotentMethod, nextRetryDelay, shouldRetry } from './bitrix-retry-policy';

const backoff = { baseMs: 250, capMs: 8000 };

describe('retry policy', () => {
  it.each([
    ['crm.deal.get', true],
    ['crm.deal.list', true],
    ['crm.deal.update', true],
    ['user.get', true],
    ['disk.file.get', true],
    ['crm.deal.fields', true],
    ['crm.deal.add', false],
    ['crm.activity.add', false],
    ['crm.timeline.comment.add', false],
    ['disk.storage.uploadfile', false],
    ['crm.deal.delete', false],
    ['some.unknown.method', false],
  ])('%s idempotent=%s', (method, expected) => {
    expect(isIdempotentMethod(method)).toBe(expected);
  });

  it('retries rejected requests always, ambiguous only when idempotent, permanent never', () => {
    expect(shouldRetry('rejected', false)).toBe(true);
    expect(shouldRetry('ambiguous', true)).toBe(true);
    expect(shouldRetry('ambiguous', false)).toBe(false);
    expect(shouldRetry('permanent', true)).toBe(false);
  });

  it('full jitter stays within [0, min(cap, base*2^n)]', () => {
    expect(fullJitterDelay(0, { ...backoff, random: () => 0.999 })).toBe(249);
    expect(fullJitterDelay(3, { ...backoff, random: () => 0.5 })).toBe(1000);
    expect(fullJitterDelay(10, { ...backoff, random: () => 0.999 })).toBe(7992);
    expect(fullJitterDelay(2, { ...backoff, random: () => 0 })).toBe(0);
    for (let i = 0; i < 200; i++) {
      const d = fullJitterDelay(i % 8, backoff);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(Math.min(8000, 250 * 2 ** (i % 8)));
    }
  });

  const base = { retriesSoFar: 0, maxRetries: 3, elapsedMs: 0, budgetMs: 10_000, backoff };

  it('never replays a timed-out add, but replays a timed-out get', () => {
    const timeout = new BitrixTimeoutError({ method: 'crm.deal.add' });
    expect(nextRetryDelay({ ...base, error: timeout, idempotent: false })).toBeNull();
    expect(nextRetryDelay({ ...base, error: timeout, idempotent: true })).not.toBeNull();
  });

  it('replays an add refused with QUERY_LIMIT_EXCEEDED, waiting at least the minimum', () => {
    const limited = new BitrixUnavailableError({ method: 'crm.deal.add', code: 'QUERY_LIMIT_EXCEEDED', kind: 'rejected' });
    const delay = nextRetryDelay({ ...base, error: limited, idempotent: false, minDelayMs: 500 });
    expect(delay).toBeGreaterThanOrEqual(500);
  });

  it('stops at maxRetries and at the budget', () => {
    const err = new BitrixUnavailableError({ method: 'crm.deal.get', code: 'INTERNAL_SERVER_ERROR' });
    expect(nextRetryDelay({ ...base, error: err, idempotent: true, retriesSoFar: 3 })).toBeNull();
    expect(nextRetryDelay({ ...base, error: err, idempotent: true, elapsedMs: 9_999, minDelayMs: 10 })).toBeNull();
  });

  it('does not retry application errors', () => {
    expect(nextRetryDelay({ ...base, error: new BitrixApiError({ method: 'crm.deal.add', code: '' }), idempotent: true })).toBeNull();
  });
});
