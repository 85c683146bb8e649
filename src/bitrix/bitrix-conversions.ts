import { BitrixYesNo } from './bitrix.types';

/** Conversions between Bitrix wire values (reference §4) and JS values. */

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Minutes east of UTC of `timeZone` at `at` (e.g. -180 for America/Sao_Paulo). */
export function timeZoneOffsetMinutes(timeZone: string, at: Date): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(at);
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((asUtc - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Wall-clock parts in `timeZone` → instant. */
function zonedToDate(y: number, mo: number, d: number, h: number, mi: number, s: number, timeZone: string): Date {
  const guess = Date.UTC(y, mo - 1, d, h, mi, s);
  const offset = timeZoneOffsetMinutes(timeZone, new Date(guess));
  const first = guess - offset * 60_000;
  // Second pass fixes the guess around DST changes.
  const offset2 = timeZoneOffsetMinutes(timeZone, new Date(first));
  return new Date(guess - offset2 * 60_000);
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;
const ISO_LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?$/;
const RU_DATE = /^(\d{2})\.(\d{2})\.(\d{4})(?:\s+(\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * Parses a Bitrix date: ISO 8601 with offset (the normal case), or the legacy shapes without offset
 * (`2024-08-29 10:30:11`, `24.08.2023 13:19:39`, `2024-08-29`), which are read in the portal's time zone.
 * Returns null for empty or unparseable values.
 */
export function fromBitrixDate(value: unknown, portalTimeZone = 'America/Sao_Paulo'): Date | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (!text) return null;
  if (ISO_WITH_ZONE.test(text)) {
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? null : new Date(ms);
  }
  let m = ISO_LOCAL.exec(text);
  if (m) return zonedToDate(+m[1], +m[2], +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), portalTimeZone);
  m = RU_DATE.exec(text);
  if (m) return zonedToDate(+m[3], +m[2], +m[1], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), portalTimeZone);
  return null;
}

/** `2024-01-15T14:30:00-03:00`: ISO 8601 with the portal's offset, seconds precision (what Bitrix answers). */
export function toBitrixDateTime(date: Date, portalTimeZone = 'America/Sao_Paulo'): string {
  const offset = timeZoneOffsetMinutes(portalTimeZone, date);
  const local = new Date(Math.floor(date.getTime() / 1000) * 1000 + offset * 60_000);
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return (
    `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/** `2024-01-15`: the portal-local day, for `date` fields (BEGINDATE, CLOSEDATE). */
export function toBitrixDate(date: Date, portalTimeZone = 'America/Sao_Paulo'): string {
  return toBitrixDateTime(date, portalTimeZone).slice(0, 10);
}

/**
 * `2024-01-15 11:45:30` in the portal's time zone (the field map's `timeZone`), the seed's
 * `last_communication_time` shape (String(19), no zone). A value with a zone or offset is converted to
 * the portal's zone first, so every stored value is in the same zone; one without is portal time already.
 */
export function toLegacyDateTimeString(value: unknown, portalTimeZone = 'America/Sao_Paulo'): string | null {
  const text = typeof value === 'string' ? value.trim() : value;
  if (typeof text === 'string' && /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}$/.test(text)) return text.replace('T', ' ');
  const date = fromBitrixDate(text, portalTimeZone);
  return date ? toBitrixDateTime(date, portalTimeZone).slice(0, 19).replace('T', ' ') : null;
}

export function yesNoToBoolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string') return ['y', '1', 'true'].includes(value.trim().toLowerCase());
  return false;
}

export function booleanToYesNo(value: boolean): BitrixYesNo {
  return value ? 'Y' : 'N';
}

/** `'Y'|'N'` as stored by the seed's String(1) columns; null stays null. */
export function toYesNoOrNull(value: unknown): BitrixYesNo | null {
  if (value === null || value === undefined || value === '') return null;
  return yesNoToBoolean(value) ? 'Y' : 'N';
}

/** Bitrix ids arrive as strings ("410"), numbers, or single-item arrays (multiple UFs). */
export function toIdString(value: unknown): string | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'string' && v.trim() !== '' && v.trim() !== '0') return v.trim();
  return null;
}

export function toIntOrNull(value: unknown): number | null {
  const s = toIdString(value);
  if (s === null || !/^-?\d+$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

/** Text of a string UF (arrays of multiple UFs are joined), null for empty. */
export function toText(value: unknown): string | null {
  if (Array.isArray(value)) {
    const parts = value.map(toText).filter((v): v is string => v !== null);
    return parts.length ? parts.join(', ') : null;
  }
  if (value === null || value === undefined || value === false) return null;
  if (typeof value === 'string') return value.trim() === '' ? null : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

/** `"Maria Santos" <maria@x.com>` → `maria@x.com`; `maria@x.com` → itself; garbage → null. */
export function extractEmail(value: unknown): string | null {
  const text = toText(value);
  if (!text) return null;
  const angle = /<\s*([^<>\s@]+@[^<>\s@]+)\s*>/.exec(text);
  if (angle) return angle[1].toLowerCase();
  const bare = /([^\s<>,;"']+@[^\s<>,;"']+)/.exec(text);
  return bare ? bare[1].toLowerCase() : null;
}

/** Every address of a header-like list (`a@x, "B" <b@y>`), lower-cased, deduplicated. */
export function extractEmails(value: unknown): string[] {
  const text = toText(value);
  if (!text) return [];
  const found = text.match(/[^\s<>,;"']+@[^\s<>,;"']+/g) ?? [];
  return [...new Set(found.map((e) => e.toLowerCase()))];
}

const ENTITIES: Record<string, string> = {
  nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'",
  hellip: '…', ndash: '–', mdash: '—', laquo: '«', raquo: '»', ordm: 'º', ordf: 'ª', deg: '°', euro: '€',
};
// Portuguese letters of HTML e-mails: &atilde; &ccedil; &Eacute; ...
for (const [suffix, marks] of Object.entries({ acute: 'aeiouyAEIOUY', grave: 'aeiouAEIOU', circ: 'aeiouAEIOU', tilde: 'anoANO', cedil: 'cC', uml: 'aeiouAEIOU' })) {
  const combining: Record<string, string> = { acute: '\u0301', grave: '\u0300', circ: '\u0302', tilde: '\u0303', cedil: '\u0327', uml: '\u0308' };
  for (const letter of marks) ENTITIES[`${letter}${suffix}`] = `${letter}${combining[suffix]}`.normalize('NFC');
}

/** A plain-text rendering of an HTML e-mail body (for `description`; the HTML itself goes to `body_html`). */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style|head)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|tr|h[1-6]|blockquote)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+|#39);/gi, (whole, name: string) => {
      if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
      if (name.startsWith('#') && name !== '#39') return String.fromCodePoint(parseInt(name.slice(1), 10));
      return ENTITIES[name] ?? ENTITIES[name.toLowerCase()] ?? whole;
    })
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Plain text of a bb-code comment: `[B]x[/B]` → `x`, `[USER=1]Ana[/USER]` → `Ana`, `[DISK FILE ID=n5]` → ``. */
export function bbCodeToText(text: string): string {
  return text
    .replace(/\[disk file id=[^\]]*\]/gi, '')
    .replace(/\[\/?(b|i|u|s|p|url|img|quote|code|color|size|font|list|\*|left|right|center|justify|table|tr|td|th|user|br)(=[^\]]*)?\]/gi, '')
    .trim();
}
