/** What mirroring one Bitrix object did to the local copy. */
export type MirrorOutcome = 'created' | 'updated' | 'unchanged' | 'deleted' | 'ignored';

export interface MirrorCounts {
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  ignored: number;
  failed: number;
}

export function emptyCounts(): MirrorCounts {
  return { created: 0, updated: 0, unchanged: 0, deleted: 0, ignored: 0, failed: 0 };
}

export type SqlValue = string | number | boolean | Date | null;

/** Equality of two column values as PostgreSQL returns them (dates by instant, numbers by value). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === undefined) a = null;
  if (b === undefined) b = null;
  if (a instanceof Date || b instanceof Date) {
    const ta = a instanceof Date ? a.getTime() : a === null ? null : new Date(String(a)).getTime();
    const tb = b instanceof Date ? b.getTime() : b === null ? null : new Date(String(b)).getTime();
    return ta === tb;
  }
  if (typeof a === 'number' || typeof b === 'number') return a === null || b === null ? a === b : Number(a) === Number(b);
  return a === b;
}

/** A value as it travels in a broadcast (`changes`): dates as ISO strings. */
export function toJsonValue(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : (value ?? null);
}

export function truncate(value: string | null, max: number): string | null {
  return value !== null && value.length > max ? value.slice(0, max) : value;
}
