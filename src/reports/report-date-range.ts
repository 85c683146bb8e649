/**
 * Report date bounds. A bound is either a calendar date (`2026-01-31`, a whole UTC day) or an instant
 * (`2026-01-31T18:00:00Z`; without an offset it is read as UTC). `from` is inclusive; `to` is inclusive
 * too: a date-only `to` covers its whole day (upper bound = next day 00:00 UTC, exclusive).
 */
export interface ReportBound {
  /** The instant the bound starts at. */
  instant: Date;
  dateOnly: boolean;
}

export interface ReportRange {
  /** created_at >= fromInclusive */
  fromInclusive: Date | null;
  /** created_at < toExclusive (date-only `to`) or created_at <= toInclusive (instant `to`); at most one is set. */
  toExclusive: Date | null;
  toInclusive: Date | null;
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}:?\d{2})?$/;
const DAY_MS = 86_400_000;

function isRealDate(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/** Parses an ISO 8601 date or date-time; null when it is not one (or not a real calendar date). */
export function parseReportBound(value: unknown): ReportBound | null {
  if (typeof value !== 'string') return null;
  const dateOnly = DATE_ONLY.exec(value);
  if (dateOnly) {
    const [year, month, day] = dateOnly.slice(1, 4).map(Number);
    if (!isRealDate(year, month, day)) return null;
    return { instant: new Date(Date.UTC(year, month - 1, day)), dateOnly: true };
  }
  const dateTime = DATE_TIME.exec(value);
  if (!dateTime) return null;
  const [year, month, day, hour, minute] = dateTime.slice(1, 6).map(Number);
  const second = Number(dateTime[6] ?? '0');
  if (!isRealDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return null;
  const offset = dateTime[8];
  const instant = new Date(offset ? value : `${value}Z`);
  if (Number.isNaN(instant.getTime())) return null;
  if (offset && offset !== 'Z') {
    const digits = offset.replace(':', '');
    if (Number(digits.slice(1, 3)) > 23 || Number(digits.slice(3, 5)) > 59) return null;
  }
  return { instant, dateOnly: false };
}

/** Resolves the bounds into SQL conditions; null when `from` is after `to`. */
export function resolveReportRange(from: ReportBound | null, to: ReportBound | null): ReportRange | null {
  const toExclusive = to?.dateOnly ? new Date(to.instant.getTime() + DAY_MS) : null;
  const toInclusive = to && !to.dateOnly ? to.instant : null;
  if (from) {
    if (toExclusive && from.instant.getTime() >= toExclusive.getTime()) return null;
    if (toInclusive && from.instant.getTime() > toInclusive.getTime()) return null;
  }
  return { fromInclusive: from?.instant ?? null, toExclusive, toInclusive };
}
