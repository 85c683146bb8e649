import { BitrixError, BitrixFailureKind } from './bitrix.errors';

/**
 * Retry rule (reference §1.5 and the brief):
 * - `rejected` failures (503 QUERY_LIMIT_EXCEEDED, 429 OPERATION_TIME_LIMIT, 503 OVERLOAD_LIMIT, connection
 *   refused, DNS failure) prove the portal did nothing: every method is retried, `*.add` included.
 * - `ambiguous` failures (timeout, connection reset, 5xx, HTML/non-JSON page) may hide a processed request:
 *   only idempotent methods are retried. A `crm.deal.add` or `crm.activity.add` (which can send an e-mail)
 *   is never replayed after one of these; the caller gets the error and decides.
 * - `permanent` failures (4xx with a Bitrix code, not found, auth) are never retried.
 */

/** Last segments of method names that read or overwrite state and are safe to repeat. */
const IDEMPOTENT_VERBS = new Set([
  'get',
  'list',
  'fields',
  'search',
  'count',
  'types',
  'current',
  'update',
  'set',
  'getlist',
  'getfields',
  'getchildren',
  'getstorage',
  'getforapp',
  'info',
  'access',
  'scope',
  'methods',
]);

/** True when a REST method can be replayed after an ambiguous failure. Unknown methods are treated as unsafe. */
export function isIdempotentMethod(method: string): boolean {
  const verb = method.toLowerCase().split('.').pop() ?? '';
  return IDEMPOTENT_VERBS.has(verb);
}

export function shouldRetry(kind: BitrixFailureKind, idempotent: boolean): boolean {
  if (kind === 'rejected') return true;
  if (kind === 'ambiguous') return idempotent;
  return false;
}

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  random?: () => number;
}

/** Exponential backoff with full jitter: uniform in [0, min(cap, base * 2^retry)]. `retry` starts at 0. */
export function fullJitterDelay(retry: number, { baseMs, capMs, random = Math.random }: BackoffOptions): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, retry));
  return Math.floor(random() * ceiling);
}

export interface RetryDecisionInput {
  error: BitrixError;
  idempotent: boolean;
  /** Retries already made (0 after the first attempt). */
  retriesSoFar: number;
  maxRetries: number;
  elapsedMs: number;
  budgetMs: number;
  /** Suggested minimum wait (e.g. until `operating_reset_at`). */
  minDelayMs?: number;
  backoff: BackoffOptions;
}

/** Returns the delay before the next attempt, or null to give up. */
export function nextRetryDelay(input: RetryDecisionInput): number | null {
  if (!shouldRetry(input.error.kind, input.idempotent)) return null;
  if (input.retriesSoFar >= input.maxRetries) return null;
  let delay = fullJitterDelay(input.retriesSoFar, input.backoff);
  // The bucket drains one request per 1/rate s; waiting less than that after a rejection only burns a retry.
  if (input.minDelayMs !== undefined) delay = Math.max(delay, input.minDelayMs);
  if (input.elapsedMs + delay > input.budgetMs) return null;
  return delay;
}
