import { validationError } from '../errors';
import { phpMap } from '../format';
import { matchesFilter, paginate, parseListSpec, rowResolver, sortRows } from '../list-query';
import { asArray, asInt, asRecord, asString, isRecord, isTruthy, Params, toYN, upperKeys } from '../params';
import { FileInput, Portal } from '../portal';
import { ActivityRecord, Row } from '../store';
import { readFields, readId } from './deals';
import { decodeNameAndBase64, UPLOADS_LOCATION } from './files';
import { MethodTable } from './types';

export const OWNER_TYPE_DEAL = 2;
export const OWNER_TYPE_CONTACT = 3;
const SUPPORTED_TYPES = [1, 2, 4, 6];

/** Scalar keys of crm.activity.get (reference §2.5), in answer order. */
const ACTIVITY_KEYS = [
  'ID', 'OWNER_ID', 'OWNER_TYPE_ID', 'TYPE_ID', 'PROVIDER_ID', 'PROVIDER_TYPE_ID', 'PROVIDER_GROUP_ID',
  'ASSOCIATED_ENTITY_ID', 'SUBJECT', 'CREATED', 'LAST_UPDATED', 'START_TIME', 'END_TIME', 'DEADLINE', 'COMPLETED',
  'STATUS', 'RESPONSIBLE_ID', 'PRIORITY', 'NOTIFY_TYPE', 'NOTIFY_VALUE', 'DESCRIPTION', 'DESCRIPTION_TYPE',
  'DIRECTION', 'LOCATION', 'SETTINGS', 'ORIGINATOR_ID', 'ORIGIN_ID', 'AUTHOR_ID', 'EDITOR_ID', 'PROVIDER_PARAMS',
  'PROVIDER_DATA', 'RESULT_MARK', 'RESULT_VALUE', 'RESULT_SUM', 'RESULT_CURRENCY_ID', 'RESULT_STATUS',
  'RESULT_STREAM', 'RESULT_SOURCE_ID', 'AUTOCOMPLETE_RULE',
];
const WRITABLE = new Set(['SUBJECT', 'START_TIME', 'END_TIME', 'DEADLINE', 'COMPLETED', 'RESPONSIBLE_ID', 'PRIORITY', 'NOTIFY_TYPE', 'NOTIFY_VALUE', 'DESCRIPTION', 'DESCRIPTION_TYPE', 'DIRECTION', 'LOCATION', 'ORIGINATOR_ID', 'ORIGIN_ID', 'STATUS']);
const DATE_KEYS = new Set(['START_TIME', 'END_TIME', 'DEADLINE']);

const PROVIDERS: Record<number, [string, string]> = {
  1: ['CRM_MEETING', 'MEETING'],
  2: ['CRM_CALL', 'CALL'],
  4: ['CRM_EMAIL', 'EMAIL'],
};

/** Input of portal-side activities (admin API): wire fields plus raw file contents. */
export interface ActivityInput extends Record<string, unknown> {
  files?: FileInput[];
}

function ownerExists(portal: Portal, ownerTypeId: number, ownerId: number): boolean {
  if (ownerTypeId === OWNER_TYPE_DEAL) return portal.store.deals.has(ownerId);
  if (ownerTypeId === OWNER_TYPE_CONTACT) return portal.store.contacts.has(ownerId);
  return false;
}

function applyActivityFields(portal: Portal, row: Row, input: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(input)) {
    if (!WRITABLE.has(key)) continue;
    if (DATE_KEYS.has(key)) {
      const d = portal.parseDate(value);
      row[key] = d ? portal.formatDate(d) : null;
    } else if (key === 'COMPLETED') {
      row.COMPLETED = toYN(value);
      row.STATUS = row.COMPLETED === 'Y' ? '2' : '1';
    } else row[key] = value === null || value === undefined ? null : String(value);
  }
  if (input.SETTINGS !== undefined) row.SETTINGS = phpMap(asRecord(input.SETTINGS) ?? {});
}

function buildCommunications(portal: Portal, input: unknown, typeId: number): Row[] {
  return asArray(input)
    .filter(isRecord)
    .map((raw) => {
      const c = upperKeys(raw);
      const entityTypeId = asInt(c.ENTITY_TYPE_ID) ?? OWNER_TYPE_CONTACT;
      const entityId = asInt(c.ENTITY_ID) ?? 0;
      const contact = entityTypeId === OWNER_TYPE_CONTACT ? portal.store.contacts.get(entityId) : undefined;
      return {
        ID: String(portal.store.multifieldIds.next()),
        TYPE: asString(c.TYPE) ?? (typeId === 2 ? 'PHONE' : 'EMAIL'),
        VALUE: asString(c.VALUE) ?? '',
        ENTITY_ID: String(entityId),
        ENTITY_TYPE_ID: String(entityTypeId),
        ENTITY_SETTINGS: contact
          ? { NAME: contact.NAME ?? '', LAST_NAME: contact.LAST_NAME ?? '', COMPANY_TITLE: '' }
          : [],
      };
    });
}

/** crm.activity.add semantics; an outgoing completed e-mail is "sent" (recorded in sentEmails). */
export function createActivity(portal: Portal, fieldsInput: Record<string, unknown>, files: FileInput[], actorId: number): ActivityRecord {
  const input = upperKeys(fieldsInput);
  const ownerTypeId = asInt(input.OWNER_TYPE_ID);
  const ownerId = asInt(input.OWNER_ID);
  const typeId = asInt(input.TYPE_ID);
  if (ownerTypeId === null || ownerId === null) throw validationError('OWNER_TYPE_ID and OWNER_ID are required.');
  if (typeId === null || !SUPPORTED_TYPES.includes(typeId)) throw validationError(`Activity type '${String(input.TYPE_ID)}' is not supported. Use TYPE_ID 1, 2, 4 or 6.`);
  if (!ownerExists(portal, ownerTypeId, ownerId)) throw validationError('Owner not found.');
  const communications = buildCommunications(portal, input.COMMUNICATIONS, typeId);
  if ((typeId === 2 || typeId === 4) && communications.length === 0) throw validationError('The field COMMUNICATIONS is not defined or invalid.');
  const sends = typeId === 4 && String(input.DIRECTION) === '2' && isTruthy(input.COMPLETED);
  if (sends && !communications.some((c) => c.VALUE !== '')) throw validationError('Email send error. "To" is not found');

  const id = portal.store.activityIds.next();
  const now = portal.formatDate(new Date());
  const [providerId, providerTypeId] = PROVIDERS[typeId] ?? [asString(input.PROVIDER_ID) ?? 'REST_APP', asString(input.PROVIDER_TYPE_ID) ?? ''];
  const row: Row = Object.fromEntries(ACTIVITY_KEYS.map((k) => [k, null]));
  Object.assign(row, {
    ID: String(id), OWNER_ID: String(ownerId), OWNER_TYPE_ID: String(ownerTypeId), TYPE_ID: String(typeId),
    PROVIDER_ID: providerId, PROVIDER_TYPE_ID: providerTypeId, ASSOCIATED_ENTITY_ID: '0', SUBJECT: '',
    CREATED: now, LAST_UPDATED: now, START_TIME: now, END_TIME: now, DEADLINE: now, COMPLETED: 'N', STATUS: '1',
    RESPONSIBLE_ID: String(actorId), PRIORITY: '2', NOTIFY_TYPE: '0', NOTIFY_VALUE: '0', DESCRIPTION: '',
    DESCRIPTION_TYPE: typeId === 4 ? '3' : '1', DIRECTION: typeId === 1 ? '0' : '1', LOCATION: '', SETTINGS: [],
    AUTHOR_ID: String(actorId), EDITOR_ID: String(actorId), PROVIDER_PARAMS: [], PROVIDER_DATA: null,
    RESULT_MARK: '0', RESULT_STATUS: '0', RESULT_STREAM: '0', AUTOCOMPLETE_RULE: '0',
  });
  applyActivityFields(portal, row, input);
  if (input.END_TIME === undefined && input.DEADLINE !== undefined) row.END_TIME = row.DEADLINE;
  if (input.DEADLINE === undefined) row.DEADLINE = row.END_TIME;
  const stored = files.map((f) => portal.storeFile(f, 'activity', actorId, UPLOADS_LOCATION));
  const record: ActivityRecord = { row, communications, fileIds: stored.map((f) => f.id) };
  portal.store.activities.set(id, record);
  if (sends) {
    const settings = asRecord(row.SETTINGS) ?? {};
    portal.store.sentEmails.push({
      activityId: id,
      ownerTypeId,
      ownerId,
      subject: String(row.SUBJECT ?? ''),
      body: String(row.DESCRIPTION ?? ''),
      descriptionType: String(row.DESCRIPTION_TYPE),
      from: asString(settings.MESSAGE_FROM) ?? null,
      to: communications.map((c) => String(c.VALUE)),
      files: stored.map((f) => ({ id: f.id, name: f.name, content: Buffer.from(f.content) })),
      at: new Date(),
    });
  }
  portal.emit('ONCRMACTIVITYADD', { FIELDS: { ID: String(id) } });
  return record;
}

export function requireActivity(portal: Portal, id: number): ActivityRecord {
  const record = portal.store.activities.get(id);
  if (!record) throw validationError('Activity is not found');
  return record;
}

export function updateActivity(portal: Portal, id: number, fieldsInput: Record<string, unknown>, actorId: number): void {
  const record = requireActivity(portal, id);
  const input = upperKeys(fieldsInput);
  applyActivityFields(portal, record.row, input);
  if (input.COMMUNICATIONS !== undefined) record.communications = buildCommunications(portal, input.COMMUNICATIONS, Number(record.row.TYPE_ID));
  record.row.LAST_UPDATED = portal.formatDate(new Date());
  record.row.EDITOR_ID = String(actorId);
  portal.emit('ONCRMACTIVITYUPDATE', { FIELDS: { ID: String(id) } });
}

export function deleteActivity(portal: Portal, id: number): void {
  requireActivity(portal, id);
  portal.store.activities.delete(id);
  portal.emit('ONCRMACTIVITYDELETE', { FIELDS: { ID: String(id) } });
}

/** FILES as `[{id, url}]`; the url is served by the emulator. */
function activityFiles(portal: Portal, record: ActivityRecord): Row[] {
  return record.fileIds.flatMap((fid) => {
    const file = portal.store.files.get(fid);
    return file ? [{ id: file.id, url: portal.activityFileUrl(file, Number(record.row.ID)) }] : [];
  });
}

export function activityRow(portal: Portal, record: ActivityRecord, keys: string[]): Row {
  const out: Row = {};
  for (const key of keys) {
    if (key === 'FILES') out.FILES = activityFiles(portal, record);
    else if (key === 'COMMUNICATIONS') out.COMMUNICATIONS = structuredClone(record.communications);
    else out[key] = structuredClone(record.row[key] ?? null);
  }
  return out;
}

function selectActivityKeys(select: string[] | null): string[] {
  if (!select) return ACTIVITY_KEYS;
  const keys = new Set<string>(['ID']);
  for (const s of select) {
    if (s === '*') ACTIVITY_KEYS.forEach((k) => keys.add(k));
    else if (ACTIVITY_KEYS.includes(s) || s === 'FILES' || s === 'COMMUNICATIONS') keys.add(s);
  }
  return [...keys];
}

/** `BINDINGS: [{OWNER_TYPE_ID, OWNER_ID}]` matches activities bound to any of the owners. */
function bindingsFilter(record: ActivityRecord, key: string, value: unknown): boolean | null {
  if (key.toUpperCase() !== 'BINDINGS') return null;
  return asArray(value)
    .filter(isRecord)
    .some((b) => {
      const binding = upperKeys(b);
      return String(binding.OWNER_TYPE_ID) === record.row.OWNER_TYPE_ID && String(binding.OWNER_ID) === record.row.OWNER_ID;
    });
}

function activityResolver(record: ActivityRecord, field: string): string[] {
  return rowResolver(record.row, field);
}

/** crm.activity.add FILES: `[{fileData: ["name", "<b64>"]}]`. */
function readActivityFiles(input: unknown): FileInput[] {
  return asArray(input).map((raw) => {
    const fileData = isRecord(raw) ? raw.fileData ?? raw.FILEDATA : undefined;
    const file = decodeNameAndBase64(fileData);
    if (!file) throw validationError('Invalid FILES: expected [{"fileData": ["name", "base64"]}]');
    return file;
  });
}

export const activityMethods: MethodTable = {
  'crm.activity.add': (params, ctx) => {
    const fields = readFields(params);
    const files = readActivityFiles(upperKeys(fields).FILES);
    return { result: Number(createActivity(ctx.portal, fields, files, ctx.userId).row.ID) };
  },
  'crm.activity.get': (params, ctx) => {
    const record = requireActivity(ctx.portal, readId(params));
    return { result: activityRow(ctx.portal, record, [...ACTIVITY_KEYS, 'COMMUNICATIONS', 'FILES']) };
  },
  'crm.activity.update': (params, ctx) => {
    const id = readId(params);
    updateActivity(ctx.portal, id, readFields(params), ctx.userId);
    return { result: true };
  },
  'crm.activity.delete': (params, ctx) => {
    deleteActivity(ctx.portal, readId(params));
    return { result: true };
  },
  'crm.activity.list': (params: Params, ctx) => {
    const spec = parseListSpec(params);
    const rows = [...ctx.portal.store.activities.values()].filter((record) =>
      matchesFilter(record, spec.filter, { resolve: activityResolver, offsetMinutes: ctx.portal.offset, special: bindingsFilter }),
    );
    const order = spec.order.length > 0 ? spec.order : ([['START_TIME', 'ASC']] as Array<[string, 'ASC' | 'DESC']>);
    const page = paginate(sortRows(rows, order, activityResolver, ctx.portal.offset), spec.start);
    const keys = selectActivityKeys(spec.select);
    return { result: page.items.map((record) => activityRow(ctx.portal, record, keys)), total: page.total, next: page.next };
  },
};
