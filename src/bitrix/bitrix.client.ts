import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Span, SpanKind } from '@opentelemetry/api';
import { inSpan, SPAN_ATTRIBUTES } from '../common/spans';
import { AppConfig } from '../config/app-config';
import {
  assertMethodName,
  BITRIX_BATCH_MAX,
  BitrixCommandResult,
  chunkCommands,
  encodeBatchCommand,
  isIdempotentBatch,
  normalizeBatchResult,
} from './bitrix-batch';
import { BitrixBatchResult, BitrixCommandMap } from './bitrix-batch-result';
import { Pool } from 'pg';
import { redactBitrixSecrets } from './bitrix-url-redaction';
import { BitrixRateLimiter } from './bitrix-rate-limiter';
import { SharedBitrixBudget } from './bitrix-shared-budget';
import { BackoffOptions, isIdempotentMethod, nextRetryDelay } from './bitrix-retry-policy';
import { BitrixStats } from './bitrix-stats';
import {
  BitrixApiError,
  BitrixError,
  BitrixFailureKind,
  BitrixNotFoundError,
  BitrixTimeoutError,
  BitrixUnavailableError,
  errorFromBody,
} from './bitrix.errors';
import { BitrixEnvelope, BitrixErrorBody, BitrixListParams, BitrixPage, BitrixParams, BitrixTime } from './bitrix.types';

export interface BitrixCallOptions {
  /**
   * Overrides the idempotency guess from the method name (see bitrix-retry-policy.ts). Set `true` only when
   * replaying the call after a timeout cannot create a duplicate.
   */
  idempotent?: boolean;
  /** Per-attempt timeout; default `config.bitrix.timeoutMs`. */
  timeoutMs?: number;
  /** Retries after a retryable failure; default `config.bitrix.maxRetries` (0: one attempt only). */
  maxRetries?: number;
}

export interface BitrixBatchOptions extends BitrixCallOptions {
  /** Stop at the first failing command (Bitrix `halt=1`). Default false. */
  halt?: boolean;
}

export interface BitrixDownloadOptions {
  /** Refuse bodies larger than this (default 100 MB). */
  maxBytes?: number;
  /** Label for logs and metrics (the URL itself carries tokens and is never logged). */
  label?: string;
  timeoutMs?: number;
}

export interface BitrixDownloadedFile {
  bytes: Buffer;
  contentType: string | null;
  /** From Content-Disposition, when present. */
  fileName: string | null;
}

const USER_AGENT = 'carvalima-helpdesk-api/1.0 (+bitrix24-rest-client; node-fetch)';
const BROWSER_USER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 carvalima-helpdesk-api/1.0';
const DEFAULT_MAX_DOWNLOAD = 100 * 1024 * 1024;
/** A retry attempt gets at least this long, or is not made. */
const MIN_ATTEMPT_MS = 100;

/** Network error codes that prove the request never reached the portal. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT', 'ERR_INVALID_URL']);

/** `status`: the portal's HTTP status, for the call's span. */
type AttemptResult<T> = { value: T; time?: BitrixTime; status?: number };

/**
 * The one Bitrix24 REST transport (SPEC §9). POSTs JSON to `{inboundUrl}{method}.json`, parses the
 * envelopes, spaces calls with a leaky-bucket limiter and retries transient failures within
 * `maxRetries` and `retryBudgetMs`. The inbound URL holds the webhook secret: it is never logged nor put
 * in an error; logs name the method only.
 *
 * Time bound of one call (HTTP time, not counting the wait for a limiter token): at most
 * `max(timeoutMs, retryBudgetMs)`; every attempt is cut at `timeoutMs`.
 */
@Injectable()
export class BitrixClient implements OnModuleDestroy {
  private readonly logger = new Logger(BitrixClient.name);
  private readonly baseUrl: string;
  private readonly portalOrigin: string;
  private readonly secrets: string[];
  private readonly limiter: BitrixRateLimiter;
  private readonly backoff: BackoffOptions;
  /** `time.operating_reset_at` (ms) last seen per method, used to wait out OPERATION_TIME_LIMIT. */
  private readonly operatingResetAt = new Map<string, number>();

  constructor(
    private readonly config: AppConfig,
    private readonly stats: BitrixStats,
  ) {
    const { inboundUrl, rateLimit, rateBurst } = config.bitrix;
    this.baseUrl = inboundUrl.endsWith('/') ? inboundUrl : `${inboundUrl}/`;
    const url = new URL(this.baseUrl);
    this.portalOrigin = url.origin;
    // The path (`/rest/<user>/<code>/`) and the code itself are secret; so is the whole URL.
    const segments = url.pathname.split('/').filter(Boolean);
    const code = segments[segments.length - 1] ?? '';
    this.secrets = [this.baseUrl, inboundUrl, url.pathname, code.length >= 4 ? code : ''].filter(Boolean).sort((a, b) => b.length - a.length);
    this.limiter = new BitrixRateLimiter({ ratePerSecond: rateLimit, burst: rateBurst }, this.sharedBudget(rateLimit, rateBurst));
    // A rejected request must wait at least one drain tick of the portal's bucket.
    this.backoff = { baseMs: Math.max(250, Math.ceil(1000 / rateLimit)), capMs: 8000 };
  }

  async onModuleDestroy(): Promise<void> {
    await this.limiter.stop();
  }

  /** One budget per portal for every instance, in the app's database (BITRIX_RATE_SCOPE=shared, the default). */
  private sharedBudget(ratePerSecond: number, burst: number): SharedBitrixBudget | undefined {
    if (this.config.bitrix.rateScope !== 'shared' || !this.config.database?.url) return undefined;
    const pool = new Pool({ connectionString: this.config.database.url, max: 2, application_name: 'helpdesk-bitrix-budget' });
    pool.on('error', (error: Error) => this.logger.warn(`Bitrix budget connection: ${error.message}`));
    // More headroom than the local bucket's: a booked request reaches the portal after its instance's event
    // loop and the network, and N instances add their delays; 10% of the bucket (at least 2) absorbs
    // burst × 10% / rate seconds of such delay (2.5 s on a standard portal).
    const capacity = Math.max(1, burst - Math.max(2, Math.ceil(burst * 0.1)));
    return new SharedBitrixBudget(pool, this.portalOrigin, { ratePerSecond, capacity });
  }

  /** The portal origin (`https://portal.bitrix24.com.br`), without the secret path. */
  get portal(): string {
    return this.portalOrigin;
  }

  /** Calls a method and returns its `result`. */
  async call<T>(method: string, params: BitrixParams = {}, options: BitrixCallOptions = {}): Promise<T> {
    return (await this.request<T>(method, params, options)).result;
  }

  /** Calls a method and returns the whole success envelope (`result`, `total`, `next`, `time`). */
  async request<T>(method: string, params: BitrixParams = {}, options: BitrixCallOptions = {}): Promise<BitrixEnvelope<T>> {
    assertMethodName(method);
    const idempotent = options.idempotent ?? isIdempotentMethod(method);
    const commands = method === 'batch' && params.cmd && typeof params.cmd === 'object' ? Object.keys(params.cmd).length : undefined;
    const { value } = await this.withRetries(method, idempotent, options.timeoutMs, (timeoutMs) => this.postOnce<T>(method, params, timeoutMs), options.maxRetries, commands);
    return value;
  }

  /** One page of a `*.list` method (at most 50 rows). */
  async listPage<T>(method: string, params: BitrixListParams & BitrixParams = {}, options: BitrixCallOptions = {}): Promise<BitrixPage<T>> {
    const env = await this.request<T[] | Record<string, T>>(method, params, { idempotent: true, ...options });
    const items = Array.isArray(env.result) ? env.result : env.result && typeof env.result === 'object' ? Object.values(env.result) : [];
    return { items, total: env.total ?? null, next: env.next ?? null };
  }

  /**
   * Every row of a list method by `start` offset paging (follows `next`). For big or changing sets prefer
   * keyset paging (see BitrixDeals.iterate).
   */
  async *listAll<T>(method: string, params: BitrixListParams & BitrixParams = {}, options: BitrixCallOptions = {}): AsyncGenerator<T> {
    let start: number | null = typeof params.start === 'number' ? params.start : 0;
    while (start !== null) {
      const page: BitrixPage<T> = await this.listPage<T>(method, { ...params, start }, options);
      for (const item of page.items) yield item;
      start = page.next !== null && page.next > start && page.items.length > 0 ? page.next : null;
    }
  }

  /**
   * Runs up to 50 commands in one `batch` call. Each command is sent as `method?query` with PHP-style
   * brackets. Per-command failures come back in `errors` as typed BitrixErrors; a failure of the whole
   * call throws.
   */
  async batch<C extends BitrixCommandMap>(commands: C, options: BitrixBatchOptions = {}): Promise<BitrixBatchResult<C>> {
    const keys = Object.keys(commands);
    if (keys.length === 0) return new BitrixBatchResult<C>({}, {}, {}, {});
    if (keys.length > BITRIX_BATCH_MAX) {
      throw new Error(`Bitrix batch accepts at most ${BITRIX_BATCH_MAX} commands (got ${keys.length}); use batchChunked`);
    }
    const cmd: Record<string, string> = {};
    for (const key of keys) {
      if (!/^[A-Za-z0-9_-]+$/.test(key)) throw new Error(`Invalid batch command key ${JSON.stringify(key)}`);
      cmd[key] = encodeBatchCommand(commands[key]);
    }
    const idempotent = options.idempotent ?? isIdempotentBatch(commands);
    const env = await this.request<unknown>('batch', { halt: options.halt ? 1 : 0, cmd }, { ...options, idempotent });
    const normalized = normalizeBatchResult(env.result);
    const results: Record<string, unknown> = {};
    const errors: Record<string, BitrixError> = {};
    for (const key of keys) {
      const method = commands[key].method;
      const errorBody = normalized.resultError[key];
      if (errorBody) {
        const error = errorFromBody(method, 200, normalizeErrorBody(errorBody), (s) => this.redact(s));
        errors[key] = error;
        this.stats.record({ type: 'error', method, code: error.code ?? error.name });
      } else if (Object.prototype.hasOwnProperty.call(normalized.result, key)) {
        results[key] = normalized.result[key];
      }
    }
    return new BitrixBatchResult<C>(
      results as { [K in keyof C]?: BitrixCommandResult<C[K]> },
      errors as { [K in keyof C]?: BitrixError },
      pick(normalized.resultTotal, keys) as { [K in keyof C]?: number },
      pick(normalized.resultNext, keys) as { [K in keyof C]?: number },
      env.time,
    );
  }

  /**
   * Any number of commands, 50 per `batch` call, merged into one result. `$result[...]` references only
   * work inside one chunk. With `halt`, the chunks after a failing one are not sent.
   */
  async batchChunked<C extends BitrixCommandMap>(commands: C, options: BitrixBatchOptions = {}): Promise<BitrixBatchResult<C>> {
    const results: Record<string, unknown> = {};
    const errors: Record<string, BitrixError> = {};
    const totals: Record<string, number> = {};
    const next: Record<string, number> = {};
    for (const chunk of chunkCommands(commands)) {
      const part = await this.batch(chunk, options);
      Object.assign(results, part.results);
      Object.assign(errors, part.errors);
      Object.assign(totals, part.totals);
      Object.assign(next, part.next);
      if (options.halt && part.errorCount > 0) break;
    }
    return new BitrixBatchResult<C>(
      results as { [K in keyof C]?: BitrixCommandResult<C[K]> },
      errors as { [K in keyof C]?: BitrixError },
      totals as { [K in keyof C]?: number },
      next as { [K in keyof C]?: number },
    );
  }

  /**
   * Downloads a portal file link (Disk DOWNLOAD_URL, activity FILES url) with a plain GET and browser-like
   * headers (reference §2.6: without them nginx may answer 404). Relative links resolve against the portal.
   * The link is used as is: it carries signed tokens and is never logged.
   */
  async download(link: string, options: BitrixDownloadOptions = {}): Promise<BitrixDownloadedFile> {
    const label = options.label ?? 'file.download';
    let url: URL;
    try {
      url = new URL(link, `${this.portalOrigin}/`);
    } catch {
      throw new BitrixApiError({ method: label, code: 'INVALID_URL' }, 'Link de arquivo do Bitrix24 inválido');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new BitrixApiError({ method: label, code: 'INVALID_URL' }, 'Link de arquivo do Bitrix24 inválido');
    }
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_DOWNLOAD;
    const { value } = await this.withRetries(label, true, options.timeoutMs, (timeoutMs) => this.getOnce(label, url, maxBytes, timeoutMs));
    return value;
  }

  /** Replaces anything that could reveal the webhook secret: the configured URL and code, and any link shape. */
  redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) out = out.split(secret).join('***');
    return redactBitrixSecrets(out);
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * One `bitrix.call` span per call, whatever its retries: the method (or download label), the attempts made, the
   * last HTTP status, and the time spent waiting for the rate limiter. Never the URL: it holds the webhook secret.
   */
  private withRetries<T>(
    method: string,
    idempotent: boolean,
    timeoutOverride: number | undefined,
    attempt: (timeoutMs: number) => Promise<AttemptResult<T>>,
    retriesOverride?: number,
    batchCommands?: number,
  ): Promise<AttemptResult<T>> {
    const attributes = { [SPAN_ATTRIBUTES.bitrixMethod]: method, ...(batchCommands === undefined ? {} : { [SPAN_ATTRIBUTES.bitrixCommands]: batchCommands }) };
    return inSpan('bitrix.call', { kind: SpanKind.CLIENT, attributes }, (span) => this.attempts(span, method, idempotent, timeoutOverride, attempt, retriesOverride));
  }

  private async attempts<T>(
    span: Span,
    method: string,
    idempotent: boolean,
    timeoutOverride: number | undefined,
    attempt: (timeoutMs: number) => Promise<AttemptResult<T>>,
    retriesOverride?: number,
  ): Promise<AttemptResult<T>> {
    const { timeoutMs: configuredTimeout, retryBudgetMs } = this.config.bitrix;
    const maxRetries = retriesOverride ?? this.config.bitrix.maxRetries;
    const timeoutMs = timeoutOverride ?? configuredTimeout;
    const ceilingMs = Math.max(timeoutMs, retryBudgetMs);
    // HTTP time plus backoff sleeps; the wait for a limiter token is not counted against the budget.
    let spentMs = 0;
    let waitedMs = 0;
    for (let retries = 0; ; retries++) {
      const attemptTimeout = Math.min(timeoutMs, ceilingMs - spentMs);
      const before = Date.now();
      let startedAt = before;
      try {
        const result = await this.limiter.schedule(() => {
          startedAt = Date.now();
          return attempt(attemptTimeout);
        });
        if (result.time?.operating_reset_at) this.operatingResetAt.set(method, result.time.operating_reset_at * 1000);
        span.setAttributes({ [SPAN_ATTRIBUTES.bitrixAttempts]: retries + 1, [SPAN_ATTRIBUTES.bitrixRateLimitWaitMs]: waitedMs + startedAt - before });
        if (result.status !== undefined) span.setAttribute(SPAN_ATTRIBUTES.httpStatus, result.status);
        return result;
      } catch (caught) {
        waitedMs += startedAt - before;
        spentMs += Date.now() - startedAt;
        const error = caught instanceof BitrixError ? caught : this.unexpected(method, caught);
        error.attempts = retries + 1;
        span.setAttributes({ [SPAN_ATTRIBUTES.bitrixAttempts]: retries + 1, [SPAN_ATTRIBUTES.bitrixRateLimitWaitMs]: waitedMs });
        if (error.upstreamStatus !== undefined && error.upstreamStatus !== null) span.setAttribute(SPAN_ATTRIBUTES.httpStatus, error.upstreamStatus);
        this.stats.record({ type: 'error', method, code: error.code ?? error.name });
        if (error.code === 'QUERY_LIMIT_EXCEEDED') await this.limiter.drain();
        const delay = nextRetryDelay({
          error,
          idempotent,
          retriesSoFar: retries,
          maxRetries,
          elapsedMs: spentMs,
          budgetMs: retryBudgetMs,
          minDelayMs: this.minDelayFor(method, error),
          backoff: this.backoff,
        });
        if (delay === null || ceilingMs - spentMs - delay < Math.min(MIN_ATTEMPT_MS, timeoutMs)) {
          this.logger.warn(`Bitrix ${method} failed after ${retries + 1} attempt(s): ${error.code || error.name}${reasonNoRetry(error.kind, idempotent)}`);
          throw error;
        }
        this.stats.record({ type: 'retry', method, code: error.code ?? error.name, delayMs: delay });
        this.logger.warn(`Bitrix ${method}: ${error.code || error.name} (HTTP ${error.upstreamStatus ?? '-'}), retry ${retries + 1}/${maxRetries} in ${delay} ms`);
        await sleep(delay);
        spentMs += delay;
      }
    }
  }

  private minDelayFor(method: string, error: BitrixError): number | undefined {
    if (error.code === 'OPERATION_TIME_LIMIT') {
      const resetAt = this.operatingResetAt.get(method);
      return resetAt ? Math.max(0, resetAt - Date.now()) : undefined;
    }
    if (error.code === 'QUERY_LIMIT_EXCEEDED') return Math.ceil(1000 / this.config.bitrix.rateLimit);
    return undefined;
  }

  private async postOnce<T>(method: string, params: BitrixParams, timeoutMs: number): Promise<AttemptResult<BitrixEnvelope<T>>> {
    const started = Date.now();
    let status: number | null = null;
    let text: string;
    try {
      const response = await fetch(`${this.baseUrl}${method}.json`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'User-Agent': USER_AGENT },
        body: JSON.stringify(params),
        signal: AbortSignal.timeout(timeoutMs),
        // A 30x means "portal moved" (reference §1.1); following it would turn the POST into a GET.
        redirect: 'manual',
      });
      status = response.status;
      text = await response.text();
    } catch (caught) {
      throw this.networkError(method, caught, timeoutMs);
    } finally {
      this.stats.record({ type: 'request', method, status, durationMs: Date.now() - started });
    }
    const envelope = this.parseEnvelope<T>(method, status, text);
    this.logger.debug(`Bitrix ${method} -> ${status} in ${Date.now() - started} ms`);
    return { value: envelope, time: envelope.time, status };
  }

  private parseEnvelope<T>(method: string, status: number, text: string): BitrixEnvelope<T> {
    if (status >= 300 && status < 400) {
      throw new BitrixApiError({ method, code: 'REDIRECT', upstreamStatus: status }, 'O portal Bitrix24 respondeu com redirecionamento; verifique o endereço do webhook');
    }
    let body: unknown;
    try {
      body = text.length ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
      // Overloaded portals and proxies answer HTML pages (reference §1.3): never assume JSON.
      throw new BitrixUnavailableError(
        { method, code: 'NON_JSON', upstreamStatus: status, kind: status >= 400 && status < 500 && status !== 429 ? 'permanent' : 'ambiguous' },
        `Resposta inválida do Bitrix24 (HTTP ${status}) em ${method}`,
      );
    }
    const record = body as Record<string, unknown>;
    if ('error' in record && record.error !== undefined && record.error !== null) {
      throw errorFromBody(method, status, normalizeErrorBody(record), (s) => this.redact(s));
    }
    if (status < 200 || status >= 300 || !('result' in record)) {
      throw new BitrixUnavailableError({ method, code: 'UNEXPECTED_ANSWER', upstreamStatus: status }, `Resposta inesperada do Bitrix24 (HTTP ${status}) em ${method}`);
    }
    return {
      result: record.result as T,
      total: toOptionalNumber(record.total),
      next: toOptionalNumber(record.next),
      time: record.time && typeof record.time === 'object' ? (record.time as BitrixTime) : undefined,
    };
  }

  private async getOnce(label: string, url: URL, maxBytes: number, timeoutMs: number): Promise<AttemptResult<BitrixDownloadedFile>> {
    const started = Date.now();
    let status: number | null = null;
    try {
      const response = await fetch(url, {
        method: 'GET',
        headers: {
          'User-Agent': BROWSER_USER_AGENT,
          Accept: '*/*',
          'Accept-Language': 'pt-BR,pt;q=0.9,en;q=0.8',
          Referer: `${this.portalOrigin}/`,
        },
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.status;
      if (!response.ok) {
        const text = await response.text().catch(() => '');
        throw this.downloadError(label, response.status, response.headers.get('content-type'), text);
      }
      const declared = Number(response.headers.get('content-length') ?? NaN);
      if (Number.isFinite(declared) && declared > maxBytes) {
        await response.body?.cancel().catch(() => undefined);
        throw new BitrixApiError({ method: label, code: 'FILE_TOO_LARGE', upstreamStatus: status }, `Arquivo do Bitrix24 excede o limite de ${maxBytes} bytes`);
      }
      const bytes = await readLimited(response, maxBytes, label);
      return {
        value: {
          bytes,
          contentType: response.headers.get('content-type'),
          fileName: fileNameFromDisposition(response.headers.get('content-disposition')),
        },
        status,
      };
    } catch (caught) {
      if (caught instanceof BitrixError) throw caught;
      throw this.networkError(label, caught, timeoutMs);
    } finally {
      this.stats.record({ type: 'request', method: label, status, durationMs: Date.now() - started });
    }
  }

  private downloadError(label: string, status: number, contentType: string | null, text: string): BitrixError {
    if (contentType?.includes('json')) {
      try {
        const body = JSON.parse(text) as Record<string, unknown>;
        if (body && typeof body === 'object' && 'error' in body) return errorFromBody(label, status, normalizeErrorBody(body), (s) => this.redact(s));
      } catch {
        // fall through to the status-based answer
      }
    }
    if (status === 404 || status === 410) return new BitrixNotFoundError({ method: label, code: 'NOT_FOUND', upstreamStatus: status });
    if (status >= 500 || status === 429) return new BitrixUnavailableError({ method: label, code: `HTTP_${status}`, upstreamStatus: status });
    return new BitrixApiError({ method: label, code: `HTTP_${status}`, upstreamStatus: status }, `Falha ao baixar arquivo do Bitrix24 (HTTP ${status})`);
  }

  private networkError(method: string, caught: unknown, timeoutMs: number): BitrixError {
    if (isTimeout(caught)) return new BitrixTimeoutError({ method, description: `no answer within ${timeoutMs} ms` });
    const code = networkCode(caught);
    const kind: BitrixFailureKind = code && NOT_SENT_CODES.has(code) ? 'rejected' : 'ambiguous';
    return new BitrixUnavailableError(
      { method, code: code ?? 'NETWORK_ERROR', kind },
      kind === 'rejected' ? `Não foi possível conectar ao Bitrix24 (${method})` : `Falha de comunicação com o Bitrix24 (${method})`,
    );
  }

  private unexpected(method: string, caught: unknown): BitrixError {
    const text = typeof caught === 'object' && caught !== null && 'message' in caught ? String((caught as { message: unknown }).message) : String(caught);
    this.logger.error(`Bitrix ${method}: unexpected failure: ${this.redact(text)}`);
    return new BitrixUnavailableError({ method, code: 'CLIENT_ERROR', kind: 'permanent', description: this.redact(text) });
  }
}

function normalizeErrorBody(body: Record<string, unknown> | BitrixErrorBody): BitrixErrorBody {
  const record = body as Record<string, unknown>;
  return {
    error: typeof record.error === 'string' ? record.error : String(record.error ?? ''),
    error_description: typeof record.error_description === 'string' ? record.error_description : record.error_description === undefined ? undefined : String(record.error_description),
  };
}

function toOptionalNumber(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function pick(record: Record<string, number>, keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of keys) if (key in record) out[key] = record[key];
  return out;
}

/** Duck-typed: fetch's DOMException may come from another realm (e.g. under Jest), so no `instanceof`. */
function isTimeout(caught: unknown): boolean {
  const name = typeof caught === 'object' && caught !== null ? (caught as { name?: unknown }).name : undefined;
  return name === 'TimeoutError' || name === 'AbortError';
}

/** Finds `ECONNREFUSED` & co. in undici's `fetch failed` error (cause, or AggregateError of a dual-stack connect). */
export function networkCode(caught: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [caught];
  while (queue.length) {
    const item = queue.shift();
    if (!item || typeof item !== 'object' || seen.has(item)) continue;
    seen.add(item);
    const rec = item as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof rec.code === 'string' && rec.code !== 'ERR_ASSERTION') return rec.code;
    if (rec.cause) queue.push(rec.cause);
    if (Array.isArray(rec.errors)) queue.push(...rec.errors);
  }
  return undefined;
}

function reasonNoRetry(kind: BitrixFailureKind, idempotent: boolean): string {
  if (kind === 'permanent') return '';
  if (kind === 'ambiguous' && !idempotent) return ' (not retried: non-idempotent method may have been processed)';
  return ' (retries exhausted)';
}

async function readLimited(response: Response, maxBytes: number, label: string): Promise<Buffer> {
  if (!response.body) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new BitrixApiError({ method: label, code: 'FILE_TOO_LARGE' }, `Arquivo do Bitrix24 excede o limite de ${maxBytes} bytes`);
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks, total);
}

/** `attachment; filename="a.pdf"; filename*=UTF-8''%C3%A1.pdf` → `á.pdf`. */
export function fileNameFromDisposition(header: string | null): string | null {
  if (!header) return null;
  const star = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(header);
  if (star) {
    try {
      return decodeURIComponent(star[2].trim().replace(/^"|"$/g, ''));
    } catch {
      // fall back to the plain parameter
    }
  }
  const plain = /filename\s*=\s*("([^"]*)"|[^;]+)/i.exec(header);
  if (!plain) return null;
  return (plain[2] ?? plain[1]).trim() || null;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
