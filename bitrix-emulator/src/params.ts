/** Helpers to read loosely typed request parameters (JSON bodies, qs-parsed forms, query strings). */
export type Params = Record<string, unknown>;

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

/** Reads a parameter by name, accepting `id`/`ID`/`Id` spellings (Bitrix is lenient about case here). */
export function getParam(params: Params, name: string): unknown {
  if (name in params) return params[name];
  const lower = name.toLowerCase();
  if (lower in params) return params[lower];
  const upper = name.toUpperCase();
  if (upper in params) return params[upper];
  const key = Object.keys(params).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : params[key];
}

/** A record, or a qs-style array turned into an index-keyed record; anything else gives undefined. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  if (isRecord(value)) return value;
  if (Array.isArray(value)) return Object.fromEntries(value.map((v, i) => [String(i), v]));
  return undefined;
}

/** A list: arrays as-is, index-keyed records (`a[0]=..` parsed as object) as their values, scalars wrapped. */
export function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  if (isRecord(value)) return Object.values(value);
  return [value];
}

export function asInt(value: unknown): number | null {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number.parseInt(value, 10);
  return null;
}

export function asString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 'Y' : 'N';
  return undefined;
}

/** Bitrix-style truthiness for flags sent as Y/N, 1/0, true/false. */
export function isTruthy(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') return ['y', '1', 'true', 'yes'].includes(value.trim().toLowerCase());
  return false;
}

/** Normalises any flag input to the wire's `"Y"` / `"N"`. */
export function toYN(value: unknown): 'Y' | 'N' {
  return isTruthy(value) ? 'Y' : 'N';
}

/** Upper-cases the keys of a fields object (Bitrix field codes are upper case). */
export function upperKeys(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k.toUpperCase(), v]));
}
