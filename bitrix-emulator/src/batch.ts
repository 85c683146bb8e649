import qs from 'qs';
import { BitrixError, validationError } from './errors';
import { makeTimeInfo, TimeInfo } from './format';
import { QS_PARSE_OPTIONS } from './http-utils';
import { getParam, isRecord, isTruthy, Params } from './params';
import { MethodOutput } from './methods/types';

/** `batch`: up to 50 `method?query` commands, `$result[key][...]` references, optional halt. */
export const MAX_BATCH_COMMANDS = 50;

export type InnerOutcome = { ok: true; output: MethodOutput; time: TimeInfo } | { ok: false; error: BitrixError; time: TimeInfo };

/** Runs one inner command (stats, faults, dispatch); provided by the REST router. */
export type InnerInvoker = (method: string, params: Params) => InnerOutcome;

const REFERENCE = /\$result\[([^\]]*)\]((?:\[[^\]]*\])*)/g;

function lookup(results: Map<string, unknown>, key: string, path: string): { found: boolean; value: unknown } {
  if (!results.has(key)) return { found: false, value: undefined };
  let value: unknown = results.get(key);
  for (const m of path.matchAll(/\[([^\]]*)\]/g)) {
    const segment = m[1];
    if (Array.isArray(value)) value = value[Number(segment)];
    else if (isRecord(value)) value = value[segment];
    else return { found: false, value: undefined };
  }
  return { found: value !== undefined, value };
}

/** Replaces references in every string of the parsed params; a whole-value reference keeps the type. */
function substitute(value: unknown, results: Map<string, unknown>): unknown {
  if (typeof value === 'string') {
    const whole = /^\$result\[([^\]]*)\]((?:\[[^\]]*\])*)$/.exec(value);
    if (whole) {
      const hit = lookup(results, whole[1], whole[2]);
      return hit.found ? hit.value : value;
    }
    return value.replace(REFERENCE, (match: string, key: string, path: string) => {
      const hit = lookup(results, key, path);
      return hit.found && (typeof hit.value === 'string' || typeof hit.value === 'number' || typeof hit.value === 'boolean') ? String(hit.value) : match;
    });
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, results));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, results)]));
  return value;
}

/** PHP array semantics: a list keyed 0..n-1 in order serialises as a JSON array, empty as `[]`. */
function phpArray(entries: Array<[string, unknown]>, listInput: boolean): unknown {
  if (entries.length === 0) return [];
  if (listInput && entries.every(([k], i) => k === String(i))) return entries.map(([, v]) => v);
  return Object.fromEntries(entries);
}

export function runBatch(params: Params, invoke: InnerInvoker, offsetMinutes: number): unknown {
  const rawCmd = getParam(params, 'cmd');
  const listInput = Array.isArray(rawCmd);
  const commands: Array<[string, unknown]> = listInput
    ? (rawCmd as unknown[]).map((v, i) => [String(i), v])
    : isRecord(rawCmd)
      ? Object.entries(rawCmd)
      : [];
  if (commands.length === 0) throw validationError("Parameter 'cmd' must be array.");
  if (commands.length > MAX_BATCH_COMMANDS) throw new BitrixError(400, 'ERROR_BATCH_LENGTH_EXCEEDED', 'Max batch length exceeded');
  const halt = isTruthy(getParam(params, 'halt'));

  const results = new Map<string, unknown>();
  const result: Array<[string, unknown]> = [];
  const errors: Array<[string, unknown]> = [];
  const totals: Array<[string, unknown]> = [];
  const nexts: Array<[string, unknown]> = [];
  const times: Array<[string, unknown]> = [];

  for (const [key, command] of commands) {
    const startMs = Date.now();
    let outcome: InnerOutcome;
    if (typeof command !== 'string' || command.trim() === '') {
      outcome = { ok: false, error: validationError('Wrong command'), time: makeTimeInfo(startMs, Date.now(), offsetMinutes) };
    } else {
      const q = command.indexOf('?');
      const method = (q === -1 ? command : command.slice(0, q)).trim().toLowerCase().replace(/\.json$/, '');
      const parsed = q === -1 ? {} : (qs.parse(command.slice(q + 1), QS_PARSE_OPTIONS) as Params);
      outcome = invoke(method, substitute(parsed, results) as Params);
    }
    times.push([key, outcome.time]);
    if (outcome.ok) {
      results.set(key, outcome.output.result);
      result.push([key, outcome.output.result]);
      if (outcome.output.total !== undefined) totals.push([key, outcome.output.total]);
      if (outcome.output.next !== undefined) nexts.push([key, outcome.output.next]);
    } else {
      errors.push([key, outcome.error.toBody()]);
      if (halt) break;
    }
  }
  return {
    result: phpArray(result, listInput),
    result_error: phpArray(errors, listInput),
    result_total: phpArray(totals, listInput),
    result_next: phpArray(nexts, listInput),
    result_time: phpArray(times, listInput),
  };
}
