import { Injectable } from '@nestjs/common';
import { RuleViolationError } from '../common/domain-error';
import { readFileSync } from 'node:fs';
import { AppConfig } from '../config/app-config';
import {
  bbCodeToText,
  fromBitrixDate,
  isValidTimeZone,
  toBitrixDate,
  toBitrixDateTime,
  toIdString,
  toIntOrNull,
  toLegacyDateTimeString,
  toText,
  toYesNoOrNull,
} from './bitrix-conversions';
import { BitrixDeal, BitrixDealFields, BitrixParamValue, BitrixYesNo } from './bitrix.types';
import { foldLabel, normalizePriority, slaDeadlineFor, TICKET_PRIORITIES, TicketPriority } from './ticket-sla';

/**
 * Every portal-specific id the service needs, in one place (SPEC §9). Defaults come from the seed (§5.1);
 * ids marked "invented" are placeholders for fields the seed implies but never names: override them per
 * portal with BITRIX_FIELD_MAP_FILE (JSON file) or BITRIX_FIELD_MAP_JSON (inline JSON), deep-merged over
 * these defaults (inline wins over file). A field set to `null` is not written nor read on that portal.
 */
export interface BitrixFieldMapConfig {
  /** Deal pipeline (funnel) of the helpdesk and its stages. */
  category: {
    id: number;
    stages: { new: string; won: string; lose: string } & Record<string, string>;
  };
  /** `UF_CRM_*` ids of the deal's custom fields. */
  fields: {
    priority: string;
    serviceCategory: string | null;
    systemType: string | null;
    assigneeDepartment: string | null;
    requesterDepartment: string | null;
    matricula: string | null;
    requesterEmail: string | null;
    requesterName: string | null;
    requesterPhone: string | null;
    filial: string | null;
    cpf: string | null;
    slaDeadline: string | null;
    rating: string | null;
    ratingComment: string | null;
  };
  /**
   * Enumeration item ids (label → item ID). Priority is an enumeration on the seed's portal; the others are
   * stored as plain strings unless a mapping is configured here.
   */
  enums: {
    priority: Record<TicketPriority, string>;
    serviceCategory: Record<string, string> | null;
    systemType: Record<string, string> | null;
    assigneeDepartment: Record<string, string> | null;
    requesterDepartment: Record<string, string> | null;
    filial: Record<string, string> | null;
  };
  /** IANA time zone of the portal: date-only fields are written as that day, legacy dates read in it. */
  timeZone: string;
}

export type BitrixMappedField = keyof BitrixFieldMapConfig['fields'];
export type BitrixEnumField = Exclude<keyof BitrixFieldMapConfig['enums'], 'priority'>;

export const DEFAULT_BITRIX_FIELD_MAP: BitrixFieldMapConfig = {
  category: { id: 19, stages: { new: 'C19:NEW', won: 'C19:WON', lose: 'C19:LOSE' } },
  fields: {
    // From the seed (constants.py, §5.1).
    priority: 'UF_CRM_1701707001',
    serviceCategory: 'UF_CRM_1701706961',
    systemType: 'UF_CRM_1701706933',
    assigneeDepartment: 'UF_CRM_1736515084',
    // Invented: the seed stores these on the deal but does not name their UF ids.
    requesterDepartment: 'UF_CRM_1701706905',
    matricula: 'UF_CRM_1701706872',
    requesterEmail: 'UF_CRM_1701706884',
    requesterName: 'UF_CRM_1701706858',
    requesterPhone: 'UF_CRM_1701706893',
    filial: 'UF_CRM_1701706917',
    cpf: 'UF_CRM_1701706925',
    slaDeadline: 'UF_CRM_1701707028',
    rating: 'UF_CRM_1736515121',
    ratingComment: 'UF_CRM_1736515143',
  },
  enums: {
    priority: { Crítico: '1557', Alto: '1559', Médio: '1561', Baixo: '1563' },
    serviceCategory: null,
    systemType: null,
    assigneeDepartment: null,
    requesterDepartment: null,
    filial: null,
  },
  timeZone: 'America/Sao_Paulo',
};

/** A bad field map: the app refuses to start with this message. */
export class BitrixFieldMapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BitrixFieldMapError';
  }
}

/** A ticket value that has no Bitrix counterpart under the current map (INVALID_VALUE: 400). */
export class BitrixMappingError extends RuleViolationError {
  constructor(detail: string) {
    super('INVALID_VALUE', null, detail);
  }
}

/** What the tickets module knows about a ticket, in its own words; every member is optional on update. */
export interface TicketDealInput {
  title?: string;
  /** Plain text; stored in the deal's COMMENTS. */
  description?: string | null;
  priority?: TicketPriority | string;
  serviceCategory?: string | null;
  systemType?: string | null;
  assigneeDepartment?: string | null;
  requesterDepartment?: string | null;
  matricula?: string | null;
  requesterEmail?: string | null;
  requesterName?: string | null;
  requesterPhone?: string | null;
  filial?: string | null;
  /** Plain CPF as the portal expects it; apply the seed §8.3 rule before calling. */
  cpf?: string | null;
  /** SLA deadline; on create it defaults to `slaDeadlineFor(priority, now)`. */
  slaDeadline?: Date | null;
  /** Bitrix user id of the responsible (ASSIGNED_BY_ID). */
  responsibleBitrixId?: number | string | null;
  /** Bitrix contact of the requester (CONTACT_ID). */
  bitrixContactId?: number | null;
  beginDate?: Date | null;
}

/**
 * The local mirror of a deal, named like the `Deal` entity's properties (seed table `deals`), so a
 * repository can merge it directly. `responsible` / `responsibleEmail` are resolved separately from
 * `responsibleBitrixId` (user.get).
 */
export interface BitrixDealSnapshot {
  bitrixDealId: number;
  title: string | null;
  description: string | null;
  stageId: string | null;
  opened: BitrixYesNo | null;
  closed: BitrixYesNo | null;
  createdById: string | null;
  modifyById: string | null;
  movedById: string | null;
  lastActivityById: string | null;
  lastCommunicationTime: string | null;
  closeDate: Date | null;
  dateDeadline: Date | null;
  beginDate: Date | null;
  requesterDepartment: string | null;
  assigneeDepartment: string | null;
  serviceCategory: string | null;
  systemType: string | null;
  /** Label (Crítico/Alto/Médio/Baixo) from the enumeration item id; an unknown id is kept as is. */
  priority: string | null;
  matricula: string | null;
  requesterEmail: string | null;
  rating: number | null;
  ratingComment: string | null;
  responsibleBitrixId: string | null;
  bitrixContactId: number | null;
  bitrixModifiedAt: Date | null;
  /** DATE_CREATE: when the ticket was opened (the system of record's time, whatever path mirrored it). */
  createdAt: Date | null;
}

/** Deal values with no column in the seed's `deals` table, for callers that want them. */
export interface BitrixDealExtras {
  categoryId: number | null;
  /** P in progress, S won, F lost. */
  stageSemanticId: string | null;
  requesterName: string | null;
  requesterPhone: string | null;
  filial: string | null;
  createdAtBitrix: Date | null;
}

/** The helpdesk's field mapping for one portal, plus the conversions ticket ↔ deal fields. */
@Injectable()
export class BitrixFieldMap {
  readonly config: Readonly<BitrixFieldMapConfig>;
  private readonly reverseEnums = new Map<string, Map<string, string>>();

  constructor(config: BitrixFieldMapConfig = DEFAULT_BITRIX_FIELD_MAP) {
    validateFieldMap(config);
    const copy = structuredClone(config);
    // JSON overrides may give item ids as numbers; the wire wants the same string either way.
    for (const [name, items] of Object.entries(copy.enums)) {
      if (items) (copy.enums as Record<string, Record<string, string> | null>)[name] = Object.fromEntries(Object.entries(items).map(([k, v]) => [k, String(v)]));
    }
    this.config = deepFreeze(copy);
    for (const [name, items] of Object.entries(this.config.enums)) {
      if (items) this.reverseEnums.set(name, new Map(Object.entries(items).map(([label, id]) => [String(id), label])));
    }
  }

  /** Builds the map from AppConfig (defaults ← BITRIX_FIELD_MAP_FILE ← BITRIX_FIELD_MAP_JSON); throws BitrixFieldMapError. */
  static fromAppConfig(config: Pick<AppConfig, 'bitrix'>): BitrixFieldMap {
    return new BitrixFieldMap(loadFieldMapConfig(config.bitrix.fieldMapFile, config.bitrix.fieldMapJson));
  }

  get categoryId(): number {
    return this.config.category.id;
  }

  get stages(): Readonly<BitrixFieldMapConfig['category']['stages']> {
    return this.config.category.stages;
  }

  field(name: BitrixMappedField): string | null {
    return this.config.fields[name];
  }

  /** The enumeration item id of a priority label (accents and case are ignored). */
  /** The labels a mapped enumeration accepts (e.g. the assignee departments), or null when it is free text. */
  enumLabels(name: BitrixEnumField): string[] | null {
    const items = this.config.enums[name];
    return items ? Object.keys(items) : null;
  }

  priorityId(priority: TicketPriority | string): string {
    const label = normalizePriority(priority);
    if (!label) throw new BitrixMappingError(`Prioridade inválida: ${JSON.stringify(priority)} (use Crítico, Alto, Médio ou Baixo)`);
    return this.config.enums.priority[label];
  }

  /** The priority label of an enumeration item id; a label stored as text is accepted too; null if unknown. */
  priorityLabel(value: unknown): TicketPriority | null {
    const id = toIdString(value);
    if (id === null) return null;
    const label = this.reverseEnums.get('priority')?.get(id);
    return (label as TicketPriority | undefined) ?? normalizePriority(id);
  }

  /** Names of the `select` list that fetches everything the mirror needs (standard fields + mapped UFs). */
  dealSelect(): string[] {
    const ufs = Object.values(this.config.fields).filter((f): f is string => typeof f === 'string');
    return ['*', ...new Set(ufs)];
  }

  /**
   * Ticket → `crm.deal.add`/`crm.deal.update` fields. Only members present in `input` are written, so the
   * same function serves updates. With `create`, adds the helpdesk pipeline, its first stage, OPENED=Y,
   * BEGINDATE and the SLA deadline (from the priority) when not given.
   */
  toBitrixDealFields(input: TicketDealInput, options: { create?: boolean; now?: Date } = {}): BitrixDealFields {
    const f = this.config.fields;
    const tz = this.config.timeZone;
    const now = options.now ?? new Date();
    const out: BitrixDealFields = {};
    if (options.create) {
      if (!input.title) throw new BitrixMappingError('Título do chamado é obrigatório');
      if (!input.priority) throw new BitrixMappingError('Prioridade do chamado é obrigatória');
      out.CATEGORY_ID = this.config.category.id;
      out.STAGE_ID = this.config.category.stages.new;
      out.OPENED = 'Y';
      out.BEGINDATE = toBitrixDate(input.beginDate ?? now, tz);
    }
    if (input.title !== undefined) out.TITLE = input.title;
    if (input.description !== undefined) out.COMMENTS = input.description ?? '';
    if (input.priority !== undefined) out[f.priority] = this.priorityId(input.priority);
    const deadline = input.slaDeadline !== undefined ? input.slaDeadline : options.create && input.priority ? slaDeadlineFor(input.priority, now) : undefined;
    if (deadline !== undefined) setField(out, f.slaDeadline, deadline ? toBitrixDateTime(deadline, tz) : '');
    if (input.beginDate !== undefined && !options.create) out.BEGINDATE = input.beginDate ? toBitrixDate(input.beginDate, tz) : '';
    this.setEnumOrText(out, 'serviceCategory', input.serviceCategory);
    this.setEnumOrText(out, 'systemType', input.systemType);
    this.setEnumOrText(out, 'assigneeDepartment', input.assigneeDepartment);
    this.setEnumOrText(out, 'requesterDepartment', input.requesterDepartment);
    this.setEnumOrText(out, 'filial', input.filial);
    if (input.matricula !== undefined) setField(out, f.matricula, input.matricula ?? '');
    if (input.requesterEmail !== undefined) setField(out, f.requesterEmail, input.requesterEmail ?? '');
    if (input.requesterName !== undefined) setField(out, f.requesterName, input.requesterName ?? '');
    if (input.requesterPhone !== undefined) setField(out, f.requesterPhone, input.requesterPhone ?? '');
    if (input.cpf !== undefined) setField(out, f.cpf, input.cpf ?? '');
    if (input.responsibleBitrixId !== undefined && input.responsibleBitrixId !== null && input.responsibleBitrixId !== '') {
      out.ASSIGNED_BY_ID = Number(input.responsibleBitrixId);
    }
    if (input.bitrixContactId !== undefined && input.bitrixContactId !== null) out.CONTACT_ID = input.bitrixContactId;
    return out;
  }

  /** Fields that close a ticket: won stage (Bitrix then sets CLOSED=Y), close date, rating (1–5) and its comment. */
  toBitrixCloseFields(input: { rating?: number | null; comment?: string | null; closedAt?: Date }): BitrixDealFields {
    const f = this.config.fields;
    const out: BitrixDealFields = {
      STAGE_ID: this.config.category.stages.won,
      CLOSEDATE: toBitrixDate(input.closedAt ?? new Date(), this.config.timeZone),
    };
    if (input.rating !== undefined && input.rating !== null) {
      if (!Number.isInteger(input.rating) || input.rating < 1 || input.rating > 5) throw new BitrixMappingError('Avaliação deve ser um inteiro de 1 a 5');
      setField(out, f.rating, input.rating);
    }
    if (input.comment !== undefined && input.comment !== null) setField(out, f.ratingComment, input.comment);
    return out;
  }

  /** `crm.deal.get`/`list` row → the local mirror (Deal entity property names). */
  fromBitrixDeal(raw: BitrixDeal): BitrixDealSnapshot {
    const f = this.config.fields;
    const tz = this.config.timeZone;
    const read = (name: string | null): unknown => (name ? raw[name] : undefined);
    const closed = toYesNoOrNull(raw.CLOSED);
    const rating = toIntOrNull(read(f.rating));
    const bitrixDealId = toIntOrNull(raw.ID);
    if (bitrixDealId === null) throw new BitrixMappingError('Deal do Bitrix24 sem ID');
    return {
      bitrixDealId,
      title: toText(raw.TITLE),
      description: toText(raw.COMMENTS),
      stageId: toText(raw.STAGE_ID),
      opened: toYesNoOrNull(raw.OPENED),
      closed,
      createdById: toIdString(raw.CREATED_BY_ID),
      modifyById: toIdString(raw.MODIFY_BY_ID),
      movedById: toIdString(raw.MOVED_BY_ID),
      lastActivityById: toIdString(raw.LAST_ACTIVITY_BY),
      lastCommunicationTime: toLegacyDateTimeString(raw.LAST_COMMUNICATION_TIME ?? raw.LAST_ACTIVITY_TIME, tz),
      // CLOSEDATE is only a planned day while the deal is open; once closed, MOVED_TIME is the exact moment.
      closeDate: closed === 'Y' ? fromBitrixDate(raw.MOVED_TIME, tz) ?? fromBitrixDate(raw.CLOSEDATE, tz) : null,
      dateDeadline: fromBitrixDate(read(f.slaDeadline), tz),
      beginDate: fromBitrixDate(raw.BEGINDATE, tz),
      requesterDepartment: this.readEnumOrText(raw, 'requesterDepartment'),
      assigneeDepartment: this.readEnumOrText(raw, 'assigneeDepartment'),
      serviceCategory: this.readEnumOrText(raw, 'serviceCategory'),
      systemType: this.readEnumOrText(raw, 'systemType'),
      priority: this.priorityLabel(read(f.priority)) ?? toIdString(read(f.priority)),
      matricula: toText(read(f.matricula)),
      requesterEmail: toText(read(f.requesterEmail)),
      rating: rating !== null && rating >= 1 && rating <= 5 ? rating : null,
      ratingComment: toText(read(f.ratingComment)),
      responsibleBitrixId: toIdString(raw.ASSIGNED_BY_ID),
      bitrixContactId: toIntOrNull(raw.CONTACT_ID),
      bitrixModifiedAt: fromBitrixDate(raw.DATE_MODIFY, tz),
      createdAt: fromBitrixDate(raw.DATE_CREATE, tz),
    };
  }

  /** Deal values outside the seed's `deals` columns. */
  dealExtras(raw: BitrixDeal): BitrixDealExtras {
    const f = this.config.fields;
    return {
      categoryId: toIntOrNull(raw.CATEGORY_ID) ?? (raw.CATEGORY_ID === '0' ? 0 : null),
      stageSemanticId: toText(raw.STAGE_SEMANTIC_ID),
      requesterName: f.requesterName ? toText(raw[f.requesterName]) : null,
      requesterPhone: f.requesterPhone ? toText(raw[f.requesterPhone]) : null,
      filial: this.readEnumOrText(raw, 'filial'),
      createdAtBitrix: fromBitrixDate(raw.DATE_CREATE, this.config.timeZone),
    };
  }

  /** True when the deal is in the helpdesk pipeline. */
  isHelpdeskDeal(raw: BitrixDeal): boolean {
    return String(raw.CATEGORY_ID ?? '') === String(this.config.category.id);
  }

  /** Text for the deal's COMMENTS as plain text (bb-code tags removed). */
  descriptionText(raw: BitrixDeal): string | null {
    const text = toText(raw.COMMENTS);
    return text === null ? null : bbCodeToText(text);
  }

  private setEnumOrText(out: BitrixDealFields, name: BitrixEnumField, value: string | null | undefined): void {
    if (value === undefined) return;
    const field = this.config.fields[name];
    if (!field) return;
    const items = this.config.enums[name];
    if (!items || value === null || value === '') {
      out[field] = value ?? '';
      return;
    }
    const folded = foldLabel(value);
    const entry = Object.entries(items).find(([label]) => foldLabel(label) === folded);
    if (!entry) throw new BitrixMappingError(`Valor não mapeado para ${ENUM_LABELS[name]}: ${JSON.stringify(value)}`);
    out[field] = entry[1];
  }

  private readEnumOrText(raw: BitrixDeal, name: BitrixEnumField): string | null {
    const field = this.config.fields[name];
    if (!field) return null;
    const value = raw[field];
    const reverse = this.reverseEnums.get(name);
    if (reverse) {
      const id = toIdString(value);
      if (id !== null && reverse.has(id)) return reverse.get(id) ?? null;
    }
    return toText(value);
  }
}

const ENUM_LABELS: Record<BitrixEnumField, string> = {
  serviceCategory: 'categoria de serviço',
  systemType: 'tipo de sistema',
  assigneeDepartment: 'departamento responsável',
  requesterDepartment: 'departamento solicitante',
  filial: 'filial',
};

function setField(out: BitrixDealFields, field: string | null, value: BitrixParamValue): void {
  if (field) out[field] = value;
}

// ---------------------------------------------------------------------------------------------
// Loading and validation

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Objects merge key by key; arrays and scalars (and null) replace. */
export function deepMerge<T>(base: T, override: unknown): T {
  if (!isPlainObject(base) || !isPlainObject(override)) return (override === undefined ? base : override) as T;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    out[key] = key in out && isPlainObject(out[key]) && isPlainObject(value) ? deepMerge(out[key], value) : value;
  }
  return out as T;
}

function parseJson(text: string, source: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (e) {
    throw new BitrixFieldMapError(`Invalid Bitrix field map (${source}): not valid JSON: ${(e as Error).message}`);
  }
}

/** defaults ← file ← inline JSON; throws BitrixFieldMapError naming the source and the bad key. */
export function loadFieldMapConfig(file?: string, inlineJson?: string): BitrixFieldMapConfig {
  let config: BitrixFieldMapConfig = structuredClone(DEFAULT_BITRIX_FIELD_MAP);
  const layers: Array<[string, Json]> = [];
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new BitrixFieldMapError(`Invalid Bitrix field map: cannot read BITRIX_FIELD_MAP_FILE=${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    layers.push([`BITRIX_FIELD_MAP_FILE=${file}`, parseJson(text, `BITRIX_FIELD_MAP_FILE=${file}`)]);
  }
  if (inlineJson && inlineJson.trim()) layers.push(['BITRIX_FIELD_MAP_JSON', parseJson(inlineJson, 'BITRIX_FIELD_MAP_JSON')]);
  for (const [source, layer] of layers) {
    if (!isPlainObject(layer)) throw new BitrixFieldMapError(`Invalid Bitrix field map (${source}): the top level must be a JSON object`);
    const unknown = unknownKeys(layer, DEFAULT_BITRIX_FIELD_MAP as unknown as Record<string, unknown>, '');
    if (unknown.length) throw new BitrixFieldMapError(`Invalid Bitrix field map (${source}): unknown key(s) ${unknown.join(', ')}`);
    config = deepMerge(config, layer);
    try {
      validateFieldMap(config);
    } catch (e) {
      throw new BitrixFieldMapError(`Invalid Bitrix field map (${source}): ${(e as Error).message}`);
    }
  }
  return config;
}

/** Keys of `layer` that the default map does not have (typos), except inside free-form maps. */
function unknownKeys(layer: Record<string, unknown>, reference: Record<string, unknown>, path: string): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(layer)) {
    const here = path ? `${path}.${key}` : key;
    // Stage names and enum labels are free-form.
    if (here === 'category.stages' || here.startsWith('enums.')) continue;
    if (!(key in reference)) {
      out.push(here);
      continue;
    }
    const ref = reference[key];
    if (isPlainObject(value) && isPlainObject(ref)) out.push(...unknownKeys(value, ref, here));
  }
  return out;
}

const UF_ID = /^[A-Z][A-Z0-9_]*$/;

export function validateFieldMap(config: BitrixFieldMapConfig): void {
  const problems: string[] = [];
  const c = config as unknown as Record<string, unknown>;
  const category = c.category as Record<string, unknown> | undefined;
  if (!isPlainObject(category)) problems.push('category must be an object');
  else {
    if (!Number.isInteger(category.id) || (category.id as number) < 0) problems.push(`category.id must be an integer >= 0 (got ${JSON.stringify(category.id)})`);
    const stages = category.stages;
    if (!isPlainObject(stages)) problems.push('category.stages must be an object');
    else {
      for (const required of ['new', 'won', 'lose']) if (!(required in stages)) problems.push(`category.stages.${required} is required`);
      for (const [name, stage] of Object.entries(stages)) {
        if (typeof stage !== 'string' || !stage.trim()) problems.push(`category.stages.${name} must be a non-empty string`);
        else if (Number.isInteger(category.id) && (category.id as number) > 0 && !stage.startsWith(`C${category.id as number}:`)) {
          problems.push(`category.stages.${name} must start with "C${category.id as number}:" (got ${JSON.stringify(stage)})`);
        }
      }
    }
  }
  const fields = c.fields;
  if (!isPlainObject(fields)) problems.push('fields must be an object');
  else {
    for (const name of Object.keys(DEFAULT_BITRIX_FIELD_MAP.fields)) {
      const value = fields[name];
      const nullable = name !== 'priority';
      if (value === null && nullable) continue;
      if (typeof value !== 'string' || !UF_ID.test(value)) problems.push(`fields.${name} must be a field id like "UF_CRM_123"${nullable ? ' or null' : ''} (got ${JSON.stringify(value)})`);
    }
    const used = Object.entries(fields).filter(([, v]) => typeof v === 'string') as Array<[string, string]>;
    const seen = new Map<string, string>();
    for (const [name, id] of used) {
      if (seen.has(id)) problems.push(`fields.${name} and fields.${seen.get(id)} both use ${id}`);
      seen.set(id, name);
    }
  }
  const enums = c.enums;
  if (!isPlainObject(enums)) problems.push('enums must be an object');
  else {
    const priority = enums.priority;
    if (!isPlainObject(priority)) problems.push('enums.priority must map each priority label to an item id');
    else {
      for (const label of TICKET_PRIORITIES) {
        if (!isEnumId(priority[label])) problems.push(`enums.priority["${label}"] must be an enumeration item id (got ${JSON.stringify(priority[label])})`);
      }
      for (const label of Object.keys(priority)) {
        if (!(TICKET_PRIORITIES as readonly string[]).includes(label)) problems.push(`enums.priority has unknown label ${JSON.stringify(label)}`);
      }
    }
    for (const name of Object.keys(DEFAULT_BITRIX_FIELD_MAP.enums)) {
      if (name === 'priority') continue;
      const items = enums[name];
      if (items === null || items === undefined) continue;
      if (!isPlainObject(items)) problems.push(`enums.${name} must be an object (label → item id) or null`);
      else for (const [label, id] of Object.entries(items)) if (!isEnumId(id)) problems.push(`enums.${name}["${label}"] must be an item id (got ${JSON.stringify(id)})`);
    }
  }
  if (typeof c.timeZone !== 'string' || !isValidTimeZone(c.timeZone)) problems.push(`timeZone must be an IANA time zone (got ${JSON.stringify(c.timeZone)})`);
  if (problems.length) throw new BitrixFieldMapError(problems.join('; '));
}

function isEnumId(value: unknown): boolean {
  return (typeof value === 'string' && /^\d+$/.test(value)) || (typeof value === 'number' && Number.isInteger(value) && value > 0);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
