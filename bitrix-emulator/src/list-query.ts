import { BitrixError } from './errors';
import { looksLikeDate, parsePortalDate } from './format';
import { asArray, asInt, asRecord, getParam, Params } from './params';

/** Shared machinery of `*.list` methods: select/filter/order parsing, matching and paging by 50. */
export const PAGE_SIZE = 50;

export type SortDirection = 'ASC' | 'DESC';

export interface ListSpec {
  select: string[] | null;
  filter: Record<string, unknown>;
  order: Array<[string, SortDirection]>;
  /** -1 disables counting. */
  start: number;
}

export function parseListSpec(params: Params): ListSpec {
  const rawSelect = getParam(params, 'select');
  const select = rawSelect === undefined ? null : asArray(rawSelect).map((s) => String(s).toUpperCase());
  const filter = asRecord(getParam(params, 'filter')) ?? {};
  const orderRecord = asRecord(getParam(params, 'order')) ?? {};
  const order: Array<[string, SortDirection]> = Object.entries(orderRecord).map(([field, dir]) => [
    field.toUpperCase(),
    String(dir).toUpperCase() === 'DESC' ? 'DESC' : 'ASC',
  ]);
  return { select: select && select.length > 0 ? select : null, filter, order, start: parseStart(getParam(params, 'start')) };
}

export function parseStart(value: unknown): number {
  if (value === undefined || value === null || value === '') return 0;
  const n = asInt(value);
  if (n === null) return 0;
  return n < 0 ? -1 : n;
}

export interface Page<T> {
  items: T[];
  total: number;
  next?: number;
}

/** Pages of exactly 50 from `start`; `start=-1` returns the first 50 without counting (total 0). */
export function paginate<T>(rows: T[], start: number): Page<T> {
  if (start < 0) return { items: rows.slice(0, PAGE_SIZE), total: 0 };
  const items = rows.slice(start, start + PAGE_SIZE);
  const next = start + PAGE_SIZE < rows.length ? start + PAGE_SIZE : undefined;
  return next === undefined ? { items, total: rows.length } : { items, total: rows.length, next };
}

/** Returns the comparable values of a field of a row (empty list = empty/null value). */
export type FieldResolver<T> = (row: T, field: string) => string[];

const OPERATORS = ['>=', '<=', '!=%', '!%', '!@', '!=', '=%', '%=', '>', '<', '@', '%', '=', '!'] as const;
type Operator = (typeof OPERATORS)[number] | '';

export function splitFilterKey(key: string): { op: Operator; field: string } {
  for (const op of OPERATORS) {
    if (key.startsWith(op)) return { op, field: key.slice(op.length).toUpperCase() };
  }
  return { op: '', field: key.toUpperCase() };
}

const NUMERIC = /^-?\d+(\.\d+)?$/;

/** Numeric when both sides are numbers, chronological when both are dates, else case-insensitive text. */
export function compareValues(a: string, b: string, offsetMinutes: number): number {
  if (NUMERIC.test(a.trim()) && NUMERIC.test(b.trim())) return Number(a) - Number(b);
  if (looksLikeDate(a) && looksLikeDate(b)) {
    const da = parsePortalDate(a, offsetMinutes);
    const db = parsePortalDate(b, offsetMinutes);
    if (da && db) return da.getTime() - db.getTime();
  }
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  return la < lb ? -1 : la > lb ? 1 : 0;
}

function filterValues(value: unknown): string[] {
  return asArray(value)
    .filter((v) => v !== null && v !== undefined)
    .map((v) => (typeof v === 'boolean' ? (v ? 'Y' : 'N') : String(v)));
}

function isEmptyFilterValue(value: unknown): boolean {
  return value === null || value === false || value === '' || (Array.isArray(value) && value.length === 0);
}

function likeToRegExp(pattern: string, implicitWildcards: boolean): RegExp {
  const escaped = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
  return new RegExp(implicitWildcards ? escaped : `^${escaped}$`, 'i');
}

function matchCondition(rowValues: string[], op: Operator, value: unknown, offset: number): boolean {
  const eq = (): boolean => {
    if (isEmptyFilterValue(value)) return rowValues.length === 0 || rowValues.every((v) => v === '' || v === '0');
    const wanted = filterValues(value);
    return rowValues.some((rv) => wanted.some((w) => compareValues(rv, w, offset) === 0));
  };
  switch (op) {
    case '':
    case '=':
    case '@':
      return eq();
    case '!':
    case '!=':
    case '!@':
      return !eq();
    case '%':
      return filterValues(value).some((w) => rowValues.some((rv) => likeToRegExp(w, true).test(rv)));
    case '=%':
    case '%=':
      return filterValues(value).some((w) => rowValues.some((rv) => likeToRegExp(w, false).test(rv)));
    case '!%':
      return !filterValues(value).some((w) => rowValues.some((rv) => likeToRegExp(w, true).test(rv)));
    case '!=%':
      return !filterValues(value).some((w) => rowValues.some((rv) => likeToRegExp(w, false).test(rv)));
    default: {
      const [w] = filterValues(value);
      if (w === undefined) return true;
      return rowValues.some((rv) => {
        const c = compareValues(rv, w, offset);
        return op === '>' ? c > 0 : op === '>=' ? c >= 0 : op === '<' ? c < 0 : c <= 0;
      });
    }
  }
}

export interface FilterOptions<T> {
  resolve: FieldResolver<T>;
  offsetMinutes: number;
  /** Fields that may be filtered; others raise an error when set, or are ignored when undefined. */
  isKnownField?: (field: string) => boolean;
  /** Special-cased keys (e.g. activity BINDINGS); return null to fall back to the generic matcher. */
  special?: (row: T, key: string, value: unknown) => boolean | null;
}

export function matchesFilter<T>(row: T, filter: Record<string, unknown>, options: FilterOptions<T>): boolean {
  for (const [key, value] of Object.entries(filter)) {
    const special = options.special?.(row, key, value);
    if (special === false) return false;
    if (special === true) continue;
    const { op, field } = splitFilterKey(key);
    if (options.isKnownField && !options.isKnownField(field)) continue;
    if (!matchCondition(options.resolve(row, field), op, value, options.offsetMinutes)) return false;
  }
  return true;
}

export function sortRows<T>(rows: T[], order: Array<[string, SortDirection]>, resolve: FieldResolver<T>, offsetMinutes: number): T[] {
  const keys: Array<[string, SortDirection]> = order.length > 0 ? [...order] : [['ID', 'ASC']];
  if (!keys.some(([f]) => f === 'ID')) keys.push(['ID', 'ASC']);
  return [...rows].sort((a, b) => {
    for (const [field, dir] of keys) {
      const [va] = resolve(a, field);
      const [vb] = resolve(b, field);
      let c: number;
      if (va === undefined && vb === undefined) c = 0;
      else if (va === undefined) c = -1; // NULLs first in ascending order (MySQL)
      else if (vb === undefined) c = 1;
      else c = compareValues(va, vb, offsetMinutes);
      if (c !== 0) return dir === 'ASC' ? c : -c;
    }
    return 0;
  });
}

/** Resolver for flat wire rows: scalars as one value, arrays as several, null/'' as none. */
export function rowResolver(row: Record<string, unknown>, field: string): string[] {
  const value = row[field];
  if (value === null || value === undefined || value === '') return [];
  if (Array.isArray(value)) return value.filter((v) => v !== null && v !== undefined).map((v) => String(v));
  if (typeof value === 'object') return [];
  return [typeof value === 'boolean' ? (value ? 'Y' : 'N') : String(value)];
}

export function requireRecord(value: unknown, description: string): Record<string, unknown> {
  const record = asRecord(value);
  if (!record) throw new BitrixError(400, '', description);
  return record;
}
