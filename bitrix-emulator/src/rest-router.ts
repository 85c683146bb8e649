import { IncomingMessage, ServerResponse } from 'node:http';
import { InnerOutcome, runBatch } from './batch';
import { BitrixError } from './errors';
import { makeTimeInfo } from './format';
import { BodyTooLargeError, NGINX_503, parseRestParams, readBody, sendHtml, sendJson, sleep } from './http-utils';
import { METHODS } from './methods/registry';
import { MethodOutput } from './methods/types';
import { OperatingBudget } from './operating-time';
import { Params } from './params';
import { Portal } from './portal';
import { LeakyBucket } from './rate-limiter';
import { RestFaultRule, RestFaults } from './rest-faults';
import { CallOutcome, StatsRecorder } from './stats';

/** Handles `/rest/{userId}/{code}/{method}[.json]`: auth, faults, leaky bucket, dispatch, envelopes. */
export interface RestDeps {
  portal: Portal;
  stats: StatsRecorder;
  faults: RestFaults;
  bucket: LeakyBucket;
  operating: OperatingBudget;
}

const NO_AUTH = new BitrixError(401, 'NO_AUTH_FOUND', 'Wrong authorization data');
const METHOD_NOT_FOUND = new BitrixError(404, 'ERROR_METHOD_NOT_FOUND', 'Method not found!');
const QUERY_LIMIT = new BitrixError(503, 'QUERY_LIMIT_EXCEEDED', 'Too many requests');
const INTERNAL = new BitrixError(500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
const BATCH_NOT_ALLOWED = new BitrixError(405, 'ERROR_BATCH_METHOD_NOT_ALLOWED', 'Method is not allowed for batch usage');
const OPERATION_TIME_LIMIT = new BitrixError(429, 'OPERATION_TIME_LIMIT', 'Method is blocked due to operation time limit.');

/** Counts a call's execution time (measured plus the configured simulated cost) against its method. */
function chargeOperating(deps: RestDeps, method: string, startMs: number): { operating: number; resetAt: number } {
  const simulatedMs = deps.portal.options.operatingCostMs[method] ?? 0;
  deps.operating.record(method, (Date.now() - startMs + simulatedMs) / 1000);
  return { operating: deps.operating.used(method), resetAt: deps.operating.resetAt(method) };
}

export function normalizeMethod(raw: string): string {
  let method = raw;
  try {
    method = decodeURIComponent(raw);
  } catch {
    // keep the raw segment
  }
  return method.trim().toLowerCase().replace(/\.json$/, '');
}

function faultError(rule: RestFaultRule): BitrixError {
  switch (rule.kind) {
    case 'queryLimit':
      return QUERY_LIMIT;
    case 'error':
      return new BitrixError(rule.options.status ?? 400, rule.options.error ?? '', rule.options.errorDescription ?? 'Injected error');
    default:
      return INTERNAL;
  }
}

export async function handleRest(req: IncomingMessage, res: ServerResponse, url: URL, deps: RestDeps): Promise<void> {
  const { portal, stats, faults, bucket } = deps;
  const options = portal.options;
  stats.httpRequests += 1;
  const segments = url.pathname.replace(/^\/rest\/?/, '').split('/').filter((s) => s !== '');
  const method = segments.length > 0 ? normalizeMethod(segments[segments.length - 1]) : '';

  let body: Buffer;
  try {
    body = await readBody(req);
  } catch (err) {
    if (err instanceof BodyTooLargeError) sendJson(res, 413, { error: 'INVALID_REQUEST', error_description: 'Request entity too large' });
    else res.destroy();
    return;
  }
  let params: Params = {};
  let paramsError: BitrixError | null = null;
  try {
    params = parseRestParams(req, url, body);
  } catch (err) {
    if (!(err instanceof BitrixError)) throw err;
    paramsError = err;
  }
  const record = (outcome: CallOutcome, error?: string): void =>
    stats.recordCall({ method, params, viaBatch: false, at: new Date(), outcome, ...(error !== undefined ? { error } : {}) });

  if (options.latencyMs > 0) await sleep(options.latencyMs);
  const startMs = Date.now();
  const fail = (error: BitrixError): void => sendJson(res, error.status, error.toBody());

  const fault = faults.take(method, false);
  if (fault) {
    if (fault.kind === 'timeout') {
      if (fault.options.hangMs === undefined) {
        record('fault', 'timeout');
        return; // never answer; the socket is destroyed when the client gives up or the emulator closes
      }
      await sleep(fault.options.hangMs);
      if (res.destroyed || req.socket.destroyed) return;
    } else {
      record('fault', fault.kind);
      if (fault.kind === 'reset') req.socket.destroy();
      else if (fault.kind === 'html503') sendHtml(res, 503, NGINX_503);
      else fail(faultError(fault));
      return;
    }
  }

  if (segments.length !== 3 || segments[0] !== String(options.webhookUserId) || segments[1] !== options.webhookCode) {
    record('unauthorized', NO_AUTH.code);
    fail(NO_AUTH);
    return;
  }
  if (!bucket.tryTake()) {
    stats.rejectedByRateLimit += 1;
    record('rate-limited', QUERY_LIMIT.code);
    fail(QUERY_LIMIT);
    return;
  }
  if (paramsError) {
    record('error', paramsError.code);
    fail(paramsError);
    return;
  }
  if (method !== 'batch' && deps.operating.isBlocked(method)) {
    record('error', OPERATION_TIME_LIMIT.code);
    fail(OPERATION_TIME_LIMIT);
    return;
  }
  const ctx = { portal, userId: options.webhookUserId };
  let output: MethodOutput;
  try {
    if (method === 'batch') {
      output = { result: runBatch(params, (inner, innerParams) => invokeInner(deps, ctx, inner, innerParams), portal.offset) };
    } else {
      const handler = METHODS[method];
      if (!handler) throw METHOD_NOT_FOUND;
      output = handler(params, ctx);
    }
  } catch (err) {
    const error = err instanceof BitrixError ? err : INTERNAL;
    if (!(err instanceof BitrixError)) console.error('[bitrix-emulator] unexpected error in', method, err);
    if (method !== 'batch') chargeOperating(deps, method, startMs);
    record('error', error.code);
    fail(error);
    return;
  }
  record('ok');
  const envelope: Record<string, unknown> = { result: output.result };
  if (output.next !== undefined) envelope.next = output.next;
  if (output.total !== undefined) envelope.total = output.total;
  // The outer batch is not counted (its commands are, in result_time).
  const charged = method === 'batch' ? { operating: 0, resetAt: undefined } : chargeOperating(deps, method, startMs);
  envelope.time = makeTimeInfo(startMs, Date.now(), portal.offset, charged.operating, charged.resetAt);
  sendJson(res, 200, envelope);
}

/** One command inside a batch: counted per method, may hit an inner fault, never nests a batch. */
function invokeInner(deps: RestDeps, ctx: { portal: Portal; userId: number }, method: string, params: Params): InnerOutcome {
  const startMs = Date.now();
  const done = (outcome: CallOutcome, result: { output: MethodOutput } | { error: BitrixError }): InnerOutcome => {
    const error = 'error' in result ? result.error : undefined;
    deps.stats.recordCall({ method, params, viaBatch: true, at: new Date(), outcome, ...(error ? { error: error.code } : {}) });
    const charged = outcome === 'ok' || outcome === 'error' ? chargeOperating(deps, method, startMs) : { operating: 0, resetAt: undefined };
    const time = makeTimeInfo(startMs, Date.now(), ctx.portal.offset, charged.operating, charged.resetAt);
    return 'output' in result ? { ok: true, output: result.output, time } : { ok: false, error: result.error, time };
  };
  if (method === 'batch') return done('error', { error: BATCH_NOT_ALLOWED });
  if (deps.operating.isBlocked(method)) return done('fault', { error: OPERATION_TIME_LIMIT });
  const fault = deps.faults.take(method, true);
  if (fault) return done('fault', { error: faultError(fault) });
  const handler = METHODS[method];
  if (!handler) return done('error', { error: METHOD_NOT_FOUND });
  try {
    return done('ok', { output: handler(params, ctx) });
  } catch (err) {
    if (!(err instanceof BitrixError)) console.error('[bitrix-emulator] unexpected error in batch command', method, err);
    const error = err instanceof BitrixError ? err : INTERNAL;
    return done('error', { error });
  }
}
