import { invalidId, notFound, validationError } from '../errors';
import { formatDecimal, portalMidnight } from '../format';
import { matchesFilter, paginate, parseListSpec, rowResolver, sortRows } from '../list-query';
import { UserFieldDefinition } from '../options';
import { asArray, asInt, asRecord, getParam, isRecord, Params, toYN, upperKeys } from '../params';
import { Portal } from '../portal';
import { Row } from '../store';
import { STAGE_CODES } from './statuses';
import { MethodContext, MethodTable } from './types';

interface FieldDescriptor {
  type: string;
  isReadOnly?: boolean;
  isImmutable?: boolean;
  isMultiple?: boolean;
  isRequired?: boolean;
  statusType?: string;
  title: string;
}

/** Standard deal fields in crm.deal.get order (reference §2.1). */
const DEAL_FIELDS: Record<string, FieldDescriptor> = {
  ID: { type: 'integer', isReadOnly: true, title: 'ID' },
  TITLE: { type: 'string', title: 'Name' },
  TYPE_ID: { type: 'crm_status', statusType: 'DEAL_TYPE', title: 'Type' },
  STAGE_ID: { type: 'crm_status', statusType: 'DEAL_STAGE', title: 'Stage' },
  PROBABILITY: { type: 'integer', title: 'Probability' },
  CURRENCY_ID: { type: 'crm_currency', title: 'Currency' },
  OPPORTUNITY: { type: 'double', title: 'Amount' },
  IS_MANUAL_OPPORTUNITY: { type: 'char', title: 'Manual amount' },
  TAX_VALUE: { type: 'double', title: 'Tax rate' },
  LEAD_ID: { type: 'crm_lead', isReadOnly: true, title: 'Lead' },
  COMPANY_ID: { type: 'crm_company', title: 'Company' },
  CONTACT_ID: { type: 'crm_contact', title: 'Contact' },
  QUOTE_ID: { type: 'crm_quote', isReadOnly: true, title: 'Quote' },
  BEGINDATE: { type: 'date', title: 'Start date' },
  CLOSEDATE: { type: 'date', title: 'End date' },
  ASSIGNED_BY_ID: { type: 'user', title: 'Responsible person' },
  CREATED_BY_ID: { type: 'user', isReadOnly: true, title: 'Created by' },
  MODIFY_BY_ID: { type: 'user', isReadOnly: true, title: 'Modified by' },
  DATE_CREATE: { type: 'datetime', isReadOnly: true, title: 'Created on' },
  DATE_MODIFY: { type: 'datetime', isReadOnly: true, title: 'Modified on' },
  OPENED: { type: 'char', title: 'Available to everyone' },
  CLOSED: { type: 'char', title: 'Closed' },
  COMMENTS: { type: 'string', title: 'Comment' },
  ADDITIONAL_INFO: { type: 'string', title: 'Additional information' },
  LOCATION_ID: { type: 'location', title: 'Location' },
  CATEGORY_ID: { type: 'crm_category', isImmutable: true, title: 'Pipeline' },
  STAGE_SEMANTIC_ID: { type: 'string', isReadOnly: true, title: 'Stage group' },
  IS_NEW: { type: 'char', isReadOnly: true, title: 'New deal' },
  IS_RECURRING: { type: 'char', title: 'Recurring deal' },
  IS_RETURN_CUSTOMER: { type: 'char', isReadOnly: true, title: 'Repeat deal' },
  IS_REPEATED_APPROACH: { type: 'char', isReadOnly: true, title: 'Repeat inquiry' },
  SOURCE_ID: { type: 'crm_status', statusType: 'SOURCE', title: 'Source' },
  SOURCE_DESCRIPTION: { type: 'string', title: 'Source information' },
  ORIGINATOR_ID: { type: 'string', title: 'External source' },
  ORIGIN_ID: { type: 'string', title: 'Item ID in data source' },
  MOVED_BY_ID: { type: 'user', isReadOnly: true, title: 'Moved by' },
  MOVED_TIME: { type: 'datetime', isReadOnly: true, title: 'Moved on' },
  LAST_ACTIVITY_TIME: { type: 'datetime', isReadOnly: true, title: 'Last activity' },
  LAST_ACTIVITY_BY: { type: 'user', isReadOnly: true, title: 'Last activity by' },
  UTM_SOURCE: { type: 'string', title: 'Ad system' },
  UTM_MEDIUM: { type: 'string', title: 'Traffic type' },
  UTM_CAMPAIGN: { type: 'string', title: 'Ad campaign UTM' },
  UTM_CONTENT: { type: 'string', title: 'Campaign contents' },
  UTM_TERM: { type: 'string', title: 'Campaign search term' },
};

/** Only in input; crm.deal.get/list do not return it. */
const INPUT_ONLY_FIELDS = new Set(['CONTACT_IDS']);
const STANDARD_KEYS = Object.keys(DEAL_FIELDS);
const DATE_FIELDS = new Set(STANDARD_KEYS.filter((k) => DEAL_FIELDS[k].type === 'date' || DEAL_FIELDS[k].type === 'datetime'));
const FLAG_FIELDS = new Set(STANDARD_KEYS.filter((k) => DEAL_FIELDS[k].type === 'char'));
const DECIMAL_FIELDS = new Set(['OPPORTUNITY', 'TAX_VALUE']);
/** Fields a portal-side (admin) change may set although REST cannot. */
const PORTAL_SETTABLE = new Set(['DATE_CREATE', 'DATE_MODIFY', 'CREATED_BY_ID', 'MODIFY_BY_ID']);

export function stagePrefix(categoryId: number): string {
  return categoryId === 0 ? '' : `C${categoryId}:`;
}

export function firstStage(categoryId: number): string {
  return `${stagePrefix(categoryId)}NEW`;
}

/** P in progress, S won, F lost — by the stage's suffix. */
export function stageSemantic(stageId: string): 'P' | 'S' | 'F' {
  const code = stageId.includes(':') ? stageId.slice(stageId.indexOf(':') + 1) : stageId;
  if (code === 'WON') return 'S';
  if (code === 'LOSE' || code.startsWith('APOLOGY')) return 'F';
  return 'P';
}

/** A stage of the deal's own pipeline that the portal has (crm.status.list); anything else is ignored. */
function stageBelongsTo(stageId: string, categoryId: number): boolean {
  const prefix = stagePrefix(categoryId);
  const inPipeline = categoryId === 0 ? !/^C\d+:/.test(stageId) : stageId.startsWith(prefix);
  return inPipeline && STAGE_CODES.has(stageId.slice(prefix.length));
}

/**
 * Money as a portal reads it: a number, or a numeric string with `.` or `,` as the decimal separator
 * (`"12,5"` is 12.5). Anything else is rejected (reference §2.1 lists OPPORTUNITY as a double).
 */
function parseMoney(key: string, value: unknown): string | null {
  if (value === null || value === '') return null;
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim().replace(',', '.') : '';
  if (!/^-?\d+(\.\d+)?$/.test(text)) throw validationError(`Invalid value of field ${key}: ${JSON.stringify(value)}`);
  return formatDecimal(text);
}

/**
 * Enumeration values are item IDs of the field (reference §4: written as the item ID). A label (`"Alto"`) or an
 * ID that is not an item of the field is dropped, as is an unknown UF code; `undefined` means "drop".
 */
function enumerationValue(def: UserFieldDefinition, value: unknown): unknown {
  const ids = new Set((def.ITEMS ?? []).map((i) => i.ID));
  const one = (v: unknown): string | null | undefined => {
    if (v === null || v === '' || v === false) return null;
    const id = typeof v === 'number' || typeof v === 'string' ? String(v).trim() : '';
    return ids.has(id) ? id : undefined;
  };
  if (def.MULTIPLE) return asArray(value).map(one).filter((v): v is string => typeof v === 'string');
  const single = one(Array.isArray(value) ? value[0] : value);
  return single;
}

function userFieldDefs(portal: Portal): Map<string, UserFieldDefinition> {
  return new Map(portal.options.dealUserFields.map((d) => [d.FIELD_NAME.toUpperCase(), d]));
}

function normalizeScalar(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (Array.isArray(value)) return value.map(normalizeScalar);
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalizeScalar(v)]));
  return value;
}

function normalizeUserField(portal: Portal, def: UserFieldDefinition | undefined, value: unknown): unknown {
  if (def && (def.USER_TYPE_ID === 'datetime' || def.USER_TYPE_ID === 'date')) {
    const one = (v: unknown): string | null => {
      const d = portal.parseDate(v);
      return d ? portal.formatDate(d) : null;
    };
    return def.MULTIPLE ? asArray(value).map(one) : one(value);
  }
  if (def?.MULTIPLE) return asArray(value).map(normalizeScalar);
  if (def?.USER_TYPE_ID === 'boolean') return toYN(value) === 'Y' ? '1' : '0';
  return normalizeScalar(value);
}

/** Writes input fields into a row in wire shape; unknown and read-only fields are ignored. */
function applyFields(portal: Portal, row: Row, input: Record<string, unknown>, opts: { trusted: boolean }): void {
  const ufDefs = userFieldDefs(portal);
  for (const [key, value] of Object.entries(input)) {
    if (key.startsWith('UF_')) {
      const def = ufDefs.get(key);
      // A portal drops fields it does not define (crm.deal.update: "Unknown fields are ignored").
      if (!def) continue;
      const stored = def.USER_TYPE_ID === 'enumeration' ? enumerationValue(def, value) : normalizeUserField(portal, def, value);
      if (stored !== undefined) row[def.FIELD_NAME] = stored;
      continue;
    }
    if (key === 'CONTACT_IDS') {
      const first = asArray(value)[0];
      row.CONTACT_ID = first === undefined ? null : normalizeScalar(first);
      continue;
    }
    const def = DEAL_FIELDS[key];
    if (!def || INPUT_ONLY_FIELDS.has(key)) continue;
    if ((def.isReadOnly || key === 'STAGE_ID' || key === 'CATEGORY_ID') && !(opts.trusted && PORTAL_SETTABLE.has(key))) continue;
    if (DATE_FIELDS.has(key)) {
      const date = portal.parseDate(value);
      if (date) row[key] = portal.formatDate(def.type === 'date' && typeof value === 'string' && value.length <= 10 ? portalMidnight(date, portal.offset) : date);
      else if (value === null || value === '') row[key] = null;
      continue;
    }
    if (FLAG_FIELDS.has(key)) row[key] = toYN(value);
    else if (DECIMAL_FIELDS.has(key)) row[key] = parseMoney(key, value);
    else row[key] = normalizeScalar(value);
  }
}

/** Moves a row to a stage: CLOSED / STAGE_SEMANTIC_ID / CLOSEDATE / MOVED_* follow the stage. */
function setStage(portal: Portal, row: Row, stageId: string, actorId: number, now: Date): void {
  const previous = row.STAGE_ID;
  const semantic = stageSemantic(stageId);
  row.STAGE_ID = stageId;
  row.STAGE_SEMANTIC_ID = semantic;
  row.CLOSED = semantic === 'P' ? 'N' : 'Y';
  if (previous !== stageId) {
    row.MOVED_TIME = portal.formatDate(now);
    row.MOVED_BY_ID = String(actorId);
    if (semantic !== 'P') row.CLOSEDATE = portal.formatDate(portalMidnight(now, portal.offset));
  }
}

export interface DealChangeOptions {
  actorId: number;
  /** Portal-side change (admin API): may set DATE_CREATE/DATE_MODIFY/CREATED_BY_ID. */
  trusted?: boolean;
}

export function createDeal(portal: Portal, fieldsInput: Record<string, unknown>, opts: DealChangeOptions): Row {
  const input = upperKeys(fieldsInput);
  const now = new Date();
  const id = portal.store.dealIds.next();
  const actor = String(opts.actorId);
  const row: Row = Object.fromEntries(STANDARD_KEYS.map((k) => [k, null]));
  for (const def of portal.options.dealUserFields) row[def.FIELD_NAME] = def.MULTIPLE ? [] : null;
  const categoryId = asInt(input.CATEGORY_ID) ?? 0;
  Object.assign(row, {
    ID: String(id),
    TITLE: `Deal #${id}`,
    CATEGORY_ID: String(categoryId),
    CURRENCY_ID: 'BRL',
    OPPORTUNITY: '0.00',
    IS_MANUAL_OPPORTUNITY: 'N',
    TAX_VALUE: '0.00',
    OPENED: 'Y',
    IS_NEW: 'Y',
    IS_RECURRING: 'N',
    IS_RETURN_CUSTOMER: 'N',
    IS_REPEATED_APPROACH: 'N',
    BEGINDATE: portal.formatDate(portalMidnight(now, portal.offset)),
    CLOSEDATE: portal.formatDate(portalMidnight(new Date(now.getTime() + 7 * 86_400_000), portal.offset)),
    ASSIGNED_BY_ID: actor,
    CREATED_BY_ID: actor,
    MODIFY_BY_ID: actor,
    MOVED_BY_ID: actor,
    LAST_ACTIVITY_BY: actor,
    DATE_CREATE: portal.formatDate(now),
    DATE_MODIFY: portal.formatDate(now),
    MOVED_TIME: portal.formatDate(now),
    LAST_ACTIVITY_TIME: portal.formatDate(now),
  });
  applyFields(portal, row, input, { trusted: opts.trusted ?? false });
  const wantedStage = typeof input.STAGE_ID === 'string' && stageBelongsTo(input.STAGE_ID, categoryId) ? input.STAGE_ID : firstStage(categoryId);
  row.STAGE_ID = null;
  setStage(portal, row, wantedStage, opts.actorId, now);
  if (row.CLOSED === 'N' && input.CLOSED !== undefined) row.CLOSED = toYN(input.CLOSED);
  portal.store.deals.set(id, row);
  portal.emit('ONCRMDEALADD', { FIELDS: { ID: String(id) } });
  return { ...row };
}

export function requireDeal(portal: Portal, id: number): Row {
  const row = portal.store.deals.get(id);
  if (!row) throw notFound();
  return row;
}

export function updateDeal(portal: Portal, id: number, fieldsInput: Record<string, unknown>, opts: DealChangeOptions): Row {
  const stored = requireDeal(portal, id);
  const input = upperKeys(fieldsInput);
  const now = new Date();
  // Validated on a copy: a rejected value (OPPORTUNITY "12,5abc") leaves the deal as it was.
  const row: Row = { ...stored };
  applyFields(portal, row, input, { trusted: opts.trusted ?? false });
  const categoryId = Number(row.CATEGORY_ID);
  // crm.deal.update cannot change the pipeline; a stage of another pipeline is ignored.
  if (typeof input.STAGE_ID === 'string' && stageBelongsTo(input.STAGE_ID, categoryId)) setStage(portal, row, input.STAGE_ID, opts.actorId, now);
  else if (input.CLOSED !== undefined) row.CLOSED = toYN(input.CLOSED);
  row.IS_NEW = 'N';
  if (!(opts.trusted && input.DATE_MODIFY !== undefined)) row.DATE_MODIFY = portal.formatDate(now);
  if (!(opts.trusted && input.MODIFY_BY_ID !== undefined)) row.MODIFY_BY_ID = String(opts.actorId);
  portal.store.deals.set(id, row);
  portal.emit('ONCRMDEALUPDATE', { FIELDS: { ID: String(id) } });
  return { ...row };
}

export function deleteDeal(portal: Portal, id: number): void {
  requireDeal(portal, id);
  portal.store.deals.delete(id);
  // Activities and comments bound to the deal go with it.
  for (const [activityId, activity] of portal.store.activities) {
    if (activity.row.OWNER_TYPE_ID === '2' && activity.row.OWNER_ID === String(id)) portal.store.activities.delete(activityId);
  }
  for (const [commentId, comment] of portal.store.comments) {
    if (comment.entityType === 'deal' && comment.entityId === id) portal.store.comments.delete(commentId);
  }
  portal.emit('ONCRMDEALDELETE', { FIELDS: { ID: String(id) } });
}

export function readId(params: Params): number {
  const id = asInt(getParam(params, 'id'));
  if (id === null || id <= 0) throw invalidId();
  return id;
}

export function readFields(params: Params): Record<string, unknown> {
  const fields = asRecord(getParam(params, 'fields'));
  if (!fields) throw validationError("Parameter 'fields' must be array.");
  return fields;
}

/** Keys of a row answered for a select list (`*`, `UF_*`, explicit names; ID always). */
function selectDealKeys(portal: Portal, row: Row, select: string[] | null): string[] {
  const ufKeys = [...new Set([...portal.options.dealUserFields.map((d) => d.FIELD_NAME), ...Object.keys(row).filter((k) => k.startsWith('UF_'))])];
  if (!select) return [...STANDARD_KEYS, ...ufKeys];
  const keys = new Set<string>(['ID']);
  for (const s of select) {
    if (s === '*') STANDARD_KEYS.forEach((k) => keys.add(k));
    else if (s === 'UF_*') ufKeys.forEach((k) => keys.add(k));
    else if (DEAL_FIELDS[s] || s.startsWith('UF_')) keys.add(s);
  }
  return [...keys];
}

function project(row: Row, keys: string[]): Row {
  return Object.fromEntries(keys.map((k) => [k, row[k] ?? null]));
}

export function dealFieldsDescription(portal: Portal): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(DEAL_FIELDS)) {
    out[key] = {
      type: def.type,
      isRequired: def.isRequired ?? false,
      isReadOnly: def.isReadOnly ?? false,
      isImmutable: def.isImmutable ?? false,
      isMultiple: def.isMultiple ?? false,
      isDynamic: false,
      title: def.title,
      ...(def.statusType ? { statusType: def.statusType } : {}),
    };
  }
  out.CONTACT_IDS = { type: 'crm_contact', isRequired: false, isReadOnly: false, isImmutable: false, isMultiple: true, isDynamic: false, title: 'Contacts' };
  for (const uf of portal.options.dealUserFields) {
    const label = uf.LABEL ?? uf.FIELD_NAME;
    out[uf.FIELD_NAME] = {
      type: uf.USER_TYPE_ID,
      isRequired: false,
      isReadOnly: false,
      isImmutable: false,
      isMultiple: uf.MULTIPLE ?? false,
      isDynamic: true,
      title: uf.FIELD_NAME,
      listLabel: label,
      formLabel: label,
      filterLabel: label,
      settings: uf.USER_TYPE_ID === 'enumeration' ? { DISPLAY: 'LIST', LIST_HEIGHT: 1 } : { DEFAULT_VALUE: '' },
      ...(uf.USER_TYPE_ID === 'enumeration' ? { items: (uf.ITEMS ?? []).map((i) => ({ ID: i.ID, VALUE: i.VALUE })) } : {}),
    };
  }
  return out;
}

export function listDealRows(portal: Portal, params: Params): { items: Row[]; total: number; next?: number } {
  const spec = parseListSpec(params);
  const filtered = [...portal.store.deals.values()].filter((row) =>
    matchesFilter(row, spec.filter, { resolve: rowResolver, offsetMinutes: portal.offset }),
  );
  const sorted = sortRows(filtered, spec.order, rowResolver, portal.offset);
  const page = paginate(sorted, spec.start);
  return { ...page, items: page.items.map((row) => project(row, selectDealKeys(portal, row, spec.select))) };
}

export const dealMethods: MethodTable = {
  'crm.deal.add': (params, ctx: MethodContext) => {
    const deal = createDeal(ctx.portal, readFields(params), { actorId: ctx.userId });
    return { result: Number(deal.ID) };
  },
  'crm.deal.get': (params, ctx) => {
    const row = requireDeal(ctx.portal, readId(params));
    return { result: project(row, selectDealKeys(ctx.portal, row, null)) };
  },
  'crm.deal.update': (params, ctx) => {
    const id = readId(params);
    updateDeal(ctx.portal, id, readFields(params), { actorId: ctx.userId });
    return { result: true };
  },
  'crm.deal.delete': (params, ctx) => {
    deleteDeal(ctx.portal, readId(params));
    return { result: true };
  },
  'crm.deal.list': (params, ctx) => {
    const page = listDealRows(ctx.portal, params);
    return { result: page.items, total: page.total, next: page.next };
  },
  'crm.deal.fields': (_params, ctx) => ({ result: dealFieldsDescription(ctx.portal) }),
};
