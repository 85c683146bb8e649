import qs from 'qs';
import { isIdempotentMethod } from './bitrix-retry-policy';
import { BitrixErrorBody, BitrixParams, BitrixTime } from './bitrix.types';

/** Bitrix refuses more than 50 commands per batch (ERROR_BATCH_LENGTH_EXCEEDED). */
export const BITRIX_BATCH_MAX = 50;

/**
 * One command of a batch. `T` is a phantom type: the shape of this command's `result`, so that
 * `batch({ deal: bitrixCommand<BitrixDeal>('crm.deal.get', { id: 5 }) })` returns a typed `results.deal`.
 */
export interface BitrixCommand<T = unknown> {
  method: string;
  params?: BitrixParams;
  /** Never set; carries `T` for type inference only. */
  readonly __result?: T;
}

export function bitrixCommand<T>(method: string, params?: BitrixParams): BitrixCommand<T> {
  return { method, params };
}

export type BitrixCommandResult<C> = C extends BitrixCommand<infer T> ? T : unknown;

/**
 * Encodes one command as Bitrix expects inside `cmd`: `method?` + a PHP-style query string
 * (`fields%5BTITLE%5D=...&select%5B0%5D=ID`). References such as `$result[deal]` are percent-encoded too;
 * Bitrix decodes the query before resolving them.
 */
export function encodeBatchCommand(command: BitrixCommand<unknown>): string {
  assertMethodName(command.method);
  const query = qs.stringify(command.params ?? {}, {
    encode: true,
    arrayFormat: 'indices',
    format: 'RFC3986',
    // PHP reads the string "false" as true: send flags as 1/0.
    filter: (_prefix: string, value: unknown) => (typeof value === 'boolean' ? (value ? 1 : 0) : value),
  });
  return query ? `${command.method}?${query}` : command.method;
}

export function assertMethodName(method: string): void {
  // The method becomes part of the URL path: no slashes, dots-separated identifiers only.
  if (!/^[a-zA-Z][a-zA-Z0-9_]*(\.[a-zA-Z0-9_]+)*$/.test(method)) {
    throw new Error(`Invalid Bitrix method name: ${JSON.stringify(method)}`);
  }
}

/** True when the whole batch is safe to replay after an ambiguous failure. */
export function isIdempotentBatch(commands: Record<string, BitrixCommand<unknown>>): boolean {
  return Object.values(commands).every((c) => isIdempotentMethod(c.method));
}

/** The raw `result` of the `batch` method. Empty members come as PHP `[]`. */
export interface BitrixRawBatchResult {
  result?: Record<string, unknown> | unknown[];
  result_error?: Record<string, BitrixErrorBody> | BitrixErrorBody[];
  result_total?: Record<string, number | string> | unknown[];
  result_next?: Record<string, number | string> | unknown[];
  result_time?: Record<string, BitrixTime> | unknown[];
}

export interface NormalizedBatchResult {
  result: Record<string, unknown>;
  resultError: Record<string, BitrixErrorBody>;
  resultTotal: Record<string, number>;
  resultNext: Record<string, number>;
  resultTime: Record<string, BitrixTime>;
}

/** PHP encodes an empty map as `[]` and a map with keys 0..n-1 as a list: turn both back into objects. */
export function phpMap<T>(value: unknown): Record<string, T> {
  if (value === null || value === undefined) return {};
  if (Array.isArray(value)) {
    const out: Record<string, T> = {};
    value.forEach((v, i) => {
      out[String(i)] = v as T;
    });
    return out;
  }
  if (typeof value === 'object') return value as Record<string, T>;
  return {};
}

export function normalizeBatchResult(raw: unknown): NormalizedBatchResult {
  const r = (raw && typeof raw === 'object' && !Array.isArray(raw) ? raw : {}) as BitrixRawBatchResult;
  const toNumbers = (m: Record<string, number | string>) =>
    Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Number(v)]).filter(([, v]) => Number.isFinite(v)));
  return {
    result: phpMap<unknown>(r.result),
    resultError: phpMap<BitrixErrorBody>(r.result_error),
    resultTotal: toNumbers(phpMap<number | string>(r.result_total)),
    resultNext: toNumbers(phpMap<number | string>(r.result_next)),
    resultTime: phpMap<BitrixTime>(r.result_time),
  };
}

/** Splits commands into groups of at most `size`, keeping their keys and order. */
export function chunkCommands<C extends BitrixCommand<unknown>>(commands: Record<string, C>, size = BITRIX_BATCH_MAX): Array<Record<string, C>> {
  if (size < 1 || size > BITRIX_BATCH_MAX) throw new Error(`Batch chunk size must be 1..${BITRIX_BATCH_MAX}`);
  const chunks: Array<Record<string, C>> = [];
  let current: Record<string, C> = {};
  let n = 0;
  for (const [key, command] of Object.entries(commands)) {
    current[key] = command;
    if (++n === size) {
      chunks.push(current);
      current = {};
      n = 0;
    }
  }
  if (n > 0) chunks.push(current);
  return chunks;
}
