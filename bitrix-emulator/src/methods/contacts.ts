import { invalidId, notFound } from '../errors';
import { matchesFilter, paginate, parseListSpec, rowResolver, sortRows } from '../list-query';
import { asArray, asInt, asString, getParam, isRecord, isTruthy, Params, toYN, upperKeys } from '../params';
import { Portal } from '../portal';
import { Row } from '../store';
import { readFields, readId } from './deals';
import { MethodTable } from './types';

const CONTACT_KEYS = [
  'ID', 'POST', 'COMMENTS', 'HONORIFIC', 'NAME', 'SECOND_NAME', 'LAST_NAME', 'PHOTO', 'LEAD_ID', 'TYPE_ID',
  'SOURCE_ID', 'SOURCE_DESCRIPTION', 'COMPANY_ID', 'BIRTHDATE', 'EXPORT', 'HAS_PHONE', 'HAS_EMAIL', 'HAS_IMOL',
  'DATE_CREATE', 'DATE_MODIFY', 'ASSIGNED_BY_ID', 'CREATED_BY_ID', 'MODIFY_BY_ID', 'OPENED', 'ORIGINATOR_ID',
  'ORIGIN_ID', 'ADDRESS', 'UTM_SOURCE', 'UTM_MEDIUM', 'UTM_CAMPAIGN', 'UTM_CONTENT', 'UTM_TERM', 'LAST_ACTIVITY_TIME',
  'LAST_ACTIVITY_BY',
];
const WRITABLE = new Set(['POST', 'COMMENTS', 'HONORIFIC', 'NAME', 'SECOND_NAME', 'LAST_NAME', 'TYPE_ID', 'SOURCE_ID', 'SOURCE_DESCRIPTION', 'COMPANY_ID', 'BIRTHDATE', 'EXPORT', 'ASSIGNED_BY_ID', 'OPENED', 'ORIGINATOR_ID', 'ORIGIN_ID', 'ADDRESS', 'UTM_SOURCE', 'UTM_MEDIUM', 'UTM_CAMPAIGN', 'UTM_CONTENT', 'UTM_TERM']);
const FLAGS = new Set(['EXPORT', 'OPENED']);
export const MULTIFIELDS = ['PHONE', 'EMAIL', 'WEB', 'IM'] as const;
const MULTIFIELD_SET = new Set<string>(MULTIFIELDS);

/** Applies multifield input: items with ID overwrite (or delete with empty VALUE / DELETE=Y), others append. */
function applyMultifield(portal: Portal, row: Row, typeId: string, input: unknown): void {
  const current = (Array.isArray(row[typeId]) ? (row[typeId] as Row[]) : []).map((i) => ({ ...i }));
  for (const raw of asArray(input)) {
    if (!isRecord(raw)) continue;
    const item = upperKeys(raw);
    const value = asString(item.VALUE) ?? '';
    const existingId = asString(item.ID);
    const existing = existingId ? current.find((c) => c.ID === existingId) : undefined;
    if (existing) {
      if (value === '' || isTruthy(item.DELETE)) current.splice(current.indexOf(existing), 1);
      else Object.assign(existing, { VALUE: value, VALUE_TYPE: asString(item.VALUE_TYPE) ?? existing.VALUE_TYPE });
      continue;
    }
    if (value === '') continue;
    current.push({ ID: String(portal.store.multifieldIds.next()), VALUE_TYPE: asString(item.VALUE_TYPE) ?? 'WORK', VALUE: value, TYPE_ID: typeId });
  }
  // The key is absent when the contact has no item of this type.
  if (current.length > 0) row[typeId] = current;
  else delete row[typeId];
}

function applyContactFields(portal: Portal, row: Row, input: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(upperKeys(input))) {
    if (MULTIFIELD_SET.has(key)) applyMultifield(portal, row, key, value);
    else if (key.startsWith('UF_')) row[key] = value === null || value === undefined ? null : typeof value === 'object' ? value : String(value);
    else if (WRITABLE.has(key)) row[key] = FLAGS.has(key) ? toYN(value) : value === null || value === undefined ? null : String(value);
  }
  row.HAS_PHONE = row.PHONE ? 'Y' : 'N';
  row.HAS_EMAIL = row.EMAIL ? 'Y' : 'N';
}

export function createContact(portal: Portal, fields: Record<string, unknown>, actorId: number): Row {
  const id = portal.store.contactIds.next();
  const now = portal.formatDate(new Date());
  const row: Row = Object.fromEntries(CONTACT_KEYS.map((k) => [k, null]));
  Object.assign(row, {
    ID: String(id), EXPORT: 'Y', OPENED: 'Y', HAS_IMOL: 'N', TYPE_ID: 'CLIENT', SOURCE_ID: 'SELF',
    ASSIGNED_BY_ID: String(actorId), CREATED_BY_ID: String(actorId), MODIFY_BY_ID: String(actorId),
    DATE_CREATE: now, DATE_MODIFY: now, LAST_ACTIVITY_TIME: now, LAST_ACTIVITY_BY: String(actorId),
  });
  applyContactFields(portal, row, fields);
  portal.store.contacts.set(id, row);
  return structuredClone(row);
}

function requireContact(portal: Portal, id: number): Row {
  const row = portal.store.contacts.get(id);
  if (!row) throw notFound();
  return row;
}

/** Resolver that looks into multifield VALUEs, so `filter: {EMAIL: 'a@b'}` matches exactly one item. */
function contactResolver(row: Row, field: string): string[] {
  if (MULTIFIELD_SET.has(field)) {
    const items = Array.isArray(row[field]) ? (row[field] as Row[]) : [];
    return items.map((i) => String(i.VALUE));
  }
  return rowResolver(row, field);
}

function selectContactKeys(row: Row, select: string[] | null): string[] {
  const ufKeys = Object.keys(row).filter((k) => k.startsWith('UF_'));
  if (!select) return [...CONTACT_KEYS, ...ufKeys];
  const keys = new Set<string>(['ID']);
  for (const s of select) {
    if (s === '*') CONTACT_KEYS.forEach((k) => keys.add(k));
    else if (s === 'UF_*') ufKeys.forEach((k) => keys.add(k));
    else keys.add(s);
  }
  return [...keys];
}

function projectContact(row: Row, keys: string[]): Row {
  const out: Row = {};
  for (const k of keys) {
    if (MULTIFIELD_SET.has(k)) {
      if (row[k] !== undefined) out[k] = structuredClone(row[k]);
    } else out[k] = row[k] ?? null;
  }
  return out;
}

export const contactMethods: MethodTable = {
  'crm.contact.add': (params, ctx) => ({ result: Number(createContact(ctx.portal, readFields(params), ctx.userId).ID) }),
  'crm.contact.get': (params, ctx) => {
    const row = requireContact(ctx.portal, readId(params));
    return { result: projectContact(row, [...selectContactKeys(row, null), ...MULTIFIELDS]) };
  },
  'crm.contact.update': (params, ctx) => {
    const id = asInt(getParam(params, 'id'));
    if (id === null) throw invalidId();
    const row = requireContact(ctx.portal, id);
    applyContactFields(ctx.portal, row, readFields(params));
    row.DATE_MODIFY = ctx.portal.formatDate(new Date());
    row.MODIFY_BY_ID = String(ctx.userId);
    return { result: true };
  },
  'crm.contact.list': (params: Params, ctx) => {
    const spec = parseListSpec(params);
    const rows = [...ctx.portal.store.contacts.values()].filter((row) =>
      matchesFilter(row, spec.filter, { resolve: contactResolver, offsetMinutes: ctx.portal.offset }),
    );
    const page = paginate(sortRows(rows, spec.order, contactResolver, ctx.portal.offset), spec.start);
    // `*` does not include multifields: they come back only when named in select.
    return { result: page.items.map((row) => projectContact(row, selectContactKeys(row, spec.select))), total: page.total, next: page.next };
  },
};
