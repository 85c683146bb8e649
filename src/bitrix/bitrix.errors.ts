import { DomainError, DomainErrorCode } from '../common/domain-error';
import { BitrixErrorBody } from './bitrix.types';

/** How a failure relates to the request having been processed by the portal. */
export type BitrixFailureKind =
  /** The portal provably did not process the request (rate limit, connection refused): always safe to retry. */
  | 'rejected'
  /** The request may have been processed (timeout, reset, 5xx, HTML page): retry only idempotent methods. */
  | 'ambiguous'
  /** A definitive answer (validation, auth, not found): never retried. */
  | 'permanent';

export interface BitrixErrorDetails {
  /** REST method name, e.g. `crm.deal.get`. Never the URL. */
  method: string;
  /** Bitrix error code (`QUERY_LIMIT_EXCEEDED`, `NO_AUTH_FOUND`, `""`...), or a local code (`TIMEOUT`, `ECONNREFUSED`, `NON_JSON`). */
  code?: string;
  /** Bitrix `error_description`, already redacted. */
  description?: string;
  /** HTTP status answered by the portal, if any. */
  upstreamStatus?: number;
  /** How many HTTP attempts were made. */
  attempts?: number;
  kind?: BitrixFailureKind;
}

/**
 * Base of every Bitrix24 failure: a plain domain error (the HTTP status is chosen by
 * common/domain-error.mapper.ts); `detail` is Portuguese and never contains the webhook URL, `message`
 * adds the Bitrix code and description for logs.
 */
export abstract class BitrixError extends DomainError {
  abstract override readonly domainCode: Extract<DomainErrorCode, `BITRIX_${string}`>;
  readonly method: string;
  /** Bitrix error code (`QUERY_LIMIT_EXCEEDED`, `NO_AUTH_FOUND`, `""`...) or a local one (`TIMEOUT`, `ECONNREFUSED`). */
  readonly code: string | undefined;
  readonly description: string | undefined;
  readonly upstreamStatus: number | undefined;
  readonly kind: BitrixFailureKind;
  attempts: number;

  constructor(detail: string, details: BitrixErrorDetails) {
    super(detail, { logMessage: describe(detail, details) });
    this.method = details.method;
    this.code = details.code;
    this.description = details.description;
    this.upstreamStatus = details.upstreamStatus;
    this.kind = details.kind ?? 'permanent';
    this.attempts = details.attempts ?? 1;
  }
}

/** No answer within `timeoutMs` (→ 504). The request may or may not have been processed. */
export class BitrixTimeoutError extends BitrixError {
  override readonly domainCode = 'BITRIX_TIMEOUT';

  constructor(details: BitrixErrorDetails) {
    super(`Timeout ao comunicar com o Bitrix24 (${details.method})`, {
      code: 'TIMEOUT',
      kind: 'ambiguous',
      ...details,
    });
  }
}

/** The portal is unreachable, overloaded or answered garbage: 5xx, HTML, network errors, rate limit after retries (→ 502). */
export class BitrixUnavailableError extends BitrixError {
  override readonly domainCode = 'BITRIX_UNAVAILABLE';

  constructor(details: BitrixErrorDetails, detail?: string) {
    super(detail ?? `Bitrix24 indisponível no momento (${details.method})`, {
      kind: 'ambiguous',
      ...details,
    });
  }
}

/** The portal answered with an application error (validation, unknown method, permission...) (→ 502). */
export class BitrixApiError extends BitrixError {
  override readonly domainCode: 'BITRIX_REJECTED' | 'BITRIX_AUTH' = 'BITRIX_REJECTED';

  constructor(details: BitrixErrorDetails, detail?: string) {
    super(
      detail ?? `Erro retornado pelo Bitrix24 em ${details.method}: ${details.description || details.code || 'erro desconhecido'}`,
      { kind: 'permanent', ...details },
    );
  }
}

/** Wrong or expired webhook, missing scope or permission (→ 502: a configuration problem of this service). */
export class BitrixAuthError extends BitrixApiError {
  override readonly domainCode = 'BITRIX_AUTH';

  constructor(details: BitrixErrorDetails) {
    super(details, `Falha de autenticação/permissão no Bitrix24 (${details.method}); verifique o webhook configurado`);
  }
}

/** The object does not exist in Bitrix24 (`""`/"Not found", `NOT_FOUND`, "Activity is not found") (→ 404). */
export class BitrixNotFoundError extends BitrixError {
  override readonly domainCode = 'BITRIX_NOT_FOUND';

  constructor(details: BitrixErrorDetails) {
    super(`Registro não encontrado no Bitrix24 (${details.method})`, {
      kind: 'permanent',
      ...details,
    });
  }
}

function describe(detail: string, d: BitrixErrorDetails): string {
  const parts = [d.code !== undefined ? `code=${JSON.stringify(d.code)}` : '', d.description ? `description=${JSON.stringify(d.description)}` : '']
    .concat(d.upstreamStatus ? [`status=${d.upstreamStatus}`] : [])
    .filter(Boolean);
  return parts.length ? `${detail} [${parts.join(' ')}]` : detail;
}

const AUTH_CODES = new Set([
  'NO_AUTH_FOUND',
  'EXPIRED_TOKEN',
  'INVALID_TOKEN',
  'INSUFFICIENT_SCOPE',
  'ACCESS_DENIED',
  'INVALID_CREDENTIALS',
  'WRONG_AUTH_TYPE',
  'AUTHORIZATION_ERROR',
  'USER_ACCESS_ERROR',
]);

/** Codes that mean "the portal refused before doing anything": safe to retry even a `*.add`. */
export const REJECTED_CODES = new Set(['QUERY_LIMIT_EXCEEDED', 'OPERATION_TIME_LIMIT', 'OVERLOAD_LIMIT']);

/** True for Bitrix's various "object not found" answers, but not for "Method not found!". */
export function isNotFoundBody(body: BitrixErrorBody): boolean {
  const code = (body.error ?? '').toUpperCase();
  const text = body.error_description ?? '';
  if (code === 'ERROR_METHOD_NOT_FOUND' || /method not found/i.test(text)) return false;
  if (code === 'NOT_FOUND' || code === 'OWNER_NOT_FOUND' || code === 'ERROR_NOT_FOUND' || code === 'ENTITY_NOT_FOUND') return true;
  return /\bnot found\b|is not found|não encontrad/i.test(text);
}

/**
 * Turns a Bitrix error envelope (whole call or one batch command) into a typed error.
 * `status` is the HTTP status (200 for batch members).
 */
export function errorFromBody(method: string, status: number, body: BitrixErrorBody, redact: (s: string) => string = (s) => s): BitrixError {
  const code = String(body.error ?? '');
  const upper = code.toUpperCase();
  const description = body.error_description !== undefined ? redact(String(body.error_description)) : undefined;
  const details: BitrixErrorDetails = { method, code, description, upstreamStatus: status };
  if (REJECTED_CODES.has(upper)) {
    const detail =
      upper === 'QUERY_LIMIT_EXCEEDED'
        ? `Limite de requisições do Bitrix24 excedido (${method})`
        : upper === 'OPERATION_TIME_LIMIT'
          ? `Limite de tempo de operação do Bitrix24 excedido para ${method}`
          : `Bitrix24 bloqueado por sobrecarga (${method})`;
    return new BitrixUnavailableError({ ...details, kind: 'rejected' }, detail);
  }
  if (isNotFoundBody(body)) return new BitrixNotFoundError(details);
  if (AUTH_CODES.has(upper) || status === 401) return new BitrixAuthError(details);
  if (status >= 500 || upper === 'INTERNAL_SERVER_ERROR' || upper === 'ERROR_UNEXPECTED_ANSWER') {
    return new BitrixUnavailableError({ ...details, kind: 'ambiguous' });
  }
  return new BitrixApiError(details);
}
