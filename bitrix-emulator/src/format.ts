/** Wire formats: ISO dates with the portal's UTC offset, string scalars, PHP-style empty maps. */

const pad = (n: number): string => String(n).padStart(2, '0');

export function offsetSuffix(offsetMinutes: number): string {
  const sign = offsetMinutes >= 0 ? '+' : '-';
  const abs = Math.abs(offsetMinutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** `2024-08-30T14:29:05-03:00` in the portal's time zone (seconds precision, like Bitrix). */
export function formatPortalDate(date: Date, offsetMinutes: number): string {
  const s = new Date(date.getTime() + offsetMinutes * 60_000);
  return (
    `${s.getUTCFullYear()}-${pad(s.getUTCMonth() + 1)}-${pad(s.getUTCDate())}` +
    `T${pad(s.getUTCHours())}:${pad(s.getUTCMinutes())}:${pad(s.getUTCSeconds())}${offsetSuffix(offsetMinutes)}`
  );
}

/** Midnight (portal time) of the day that contains `date`. */
export function portalMidnight(date: Date, offsetMinutes: number): Date {
  const s = new Date(date.getTime() + offsetMinutes * 60_000);
  return new Date(Date.UTC(s.getUTCFullYear(), s.getUTCMonth(), s.getUTCDate()) - offsetMinutes * 60_000);
}

/** Legacy user fields: `24.08.2023 13:19:39`. */
export function formatLegacyDate(date: Date, offsetMinutes: number): string {
  const s = new Date(date.getTime() + offsetMinutes * 60_000);
  return `${pad(s.getUTCDate())}.${pad(s.getUTCMonth() + 1)}.${s.getUTCFullYear()} ${pad(s.getUTCHours())}:${pad(s.getUTCMinutes())}:${pad(s.getUTCSeconds())}`;
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const RU_DATE = /^(\d{2})\.(\d{2})\.(\d{4})(?:\s+(\d{2}):(\d{2})(?::(\d{2}))?)?$/;
const ISO_NO_OFFSET = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/** True when a value looks like a date Bitrix would accept (used to pick date comparison in filters). */
export function looksLikeDate(value: string): boolean {
  return /^\d{4}-\d{2}-\d{2}/.test(value) || RU_DATE.test(value);
}

/**
 * Parses the date inputs Bitrix accepts: ISO with or without offset (no offset = portal time),
 * `YYYY-MM-DD` (portal midnight) and `DD.MM.YYYY[ HH:MM[:SS]]`.
 */
export function parsePortalDate(value: unknown, offsetMinutes: number): Date | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value !== 'string' || value.trim() === '') return null;
  const text = value.trim();
  const suffix = offsetSuffix(offsetMinutes);
  let iso = text;
  if (DATE_ONLY.test(text)) iso = `${text}T00:00:00${suffix}`;
  else if (ISO_NO_OFFSET.test(text)) iso = `${text.replace(' ', 'T')}${suffix}`;
  else {
    const m = RU_DATE.exec(text);
    if (m) iso = `${m[3]}-${m[2]}-${m[1]}T${m[4] ?? '00'}:${m[5] ?? '00'}:${m[6] ?? '00'}${suffix}`;
  }
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : new Date(ms);
}

/** Money/decimal fields come back as `"1000.00"`. */
export function formatDecimal(value: unknown): string | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(n) ? n.toFixed(2) : null;
}

/** PHP serialises an empty associative array as `[]`; mimic that for maps. */
export function phpMap<T>(record: Record<string, T>): Record<string, T> | [] {
  return Object.keys(record).length === 0 ? [] : record;
}

export interface TimeInfo {
  start: number;
  finish: number;
  duration: number;
  processing: number;
  date_start: string;
  date_finish: string;
  operating_reset_at: number;
  operating: number;
}

/** The `time` member present in every answer. */
export function makeTimeInfo(
  startMs: number,
  finishMs: number,
  offsetMinutes: number,
  operating = 0,
  operatingResetAt = Math.floor(startMs / 1000) + 600,
): TimeInfo {
  const duration = (finishMs - startMs) / 1000;
  return {
    start: startMs / 1000,
    finish: finishMs / 1000,
    duration,
    processing: duration,
    date_start: formatPortalDate(new Date(startMs), offsetMinutes),
    date_finish: formatPortalDate(new Date(finishMs), offsetMinutes),
    operating_reset_at: operatingResetAt,
    operating,
  };
}
