import { BadRequestException } from '@nestjs/common';
import qs from 'qs';
import { INT32_MAX } from '../common/validation/bounded-integer';

/** What a Bitrix24 event is about: the object the worker re-reads. */
export type WebhookObjectKind = 'deal' | 'activity' | 'comment';

/**
 * Events this service mirrors (SPEC §6; reference §3). Every one of them means "re-read this object":
 * ADD, UPDATE and DELETE of one object are handled alike, which makes delivery order irrelevant.
 * `ONIMEMAILMESSAGEADD` comes from the seed and is not documented by Bitrix: its ID is an activity.
 */
export const WEBHOOK_EVENT_KINDS: Readonly<Record<string, WebhookObjectKind>> = {
  ONCRMDEALADD: 'deal',
  ONCRMDEALUPDATE: 'deal',
  ONCRMDEALDELETE: 'deal',
  ONCRMDEALMOVETOCATEGORY: 'deal',
  ONCRMACTIVITYADD: 'activity',
  ONCRMACTIVITYUPDATE: 'activity',
  ONCRMACTIVITYDELETE: 'activity',
  ONIMEMAILMESSAGEADD: 'activity',
  ONCRMTIMELINECOMMENTADD: 'comment',
  ONCRMTIMELINECOMMENTUPDATE: 'comment',
  ONCRMTIMELINECOMMENTDELETE: 'comment',
};

/** The durable record of accepted events about one object: the data of its pg-boss job. No secrets. */
export interface WebhookJobData {
  /** Upper-case event name. */
  event: string;
  kind: WebhookObjectKind;
  /** Bitrix ID of the object (deal, activity or timeline comment). */
  bitrixId: number;
  /** When this service acknowledged it, the first one when several were folded into the job (ISO). */
  receivedAt: string;
  /** Bitrix `ts` (unix seconds), when sent. */
  ts: number | null;
  /** How many acknowledged events about the object this job stands for, when more than one. */
  events?: number;
  /** W3C `traceparent` of the intakes of its events (oldest first, a bounded number), when tracing is on. */
  traceparents?: string[];
  /** Set on a copy made by an admin replay: the failed job it replaces. */
  replayOf?: string;
}

/** A parsed, authenticated-or-not webhook body. */
export interface ParsedWebhook {
  event: string;
  applicationToken: string | null;
  /** null for an event this service does not handle. */
  kind: WebhookObjectKind | null;
  bitrixId: number | null;
  ts: number | null;
}

type Dict = Record<string, unknown>;

function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** How PHP-style keys (`data[FIELDS][ID]`) are read, in forms and in JSON alike. */
const PHP_KEYS: qs.IParseOptions = { depth: 5, parameterLimit: 2000 };

/** A form-encoded body as Bitrix posts it, with its PHP-style keys nested. */
export function parseWebhookForm(text: string): Dict {
  return qs.parse(text, PHP_KEYS) as Dict;
}

/**
 * JSON bodies may carry the same PHP-style flat keys as the form (`"auth[application_token]": "..."`);
 * folds them into the nested shape the form parser (qs) produces.
 */
export function nestPhpStyleKeys(body: Dict): Dict {
  if (!Object.keys(body).some((key) => key.includes('['))) return body;
  const flat: string[] = [];
  const nested: Dict = {};
  for (const [key, value] of Object.entries(body)) {
    if (key.includes('[') && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) {
      flat.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
    } else nested[key] = value;
  }
  const parsed = parseWebhookForm(flat.join('&'));
  return { ...parsed, ...nested };
}

/** Reads event, token, object ID and ts from a body; throws 400 for a body that is not a webhook at all. */
export function parseWebhookBody(body: unknown): ParsedWebhook {
  if (!isDict(body)) throw new BadRequestException('Corpo do webhook inválido: esperado formulário ou JSON');
  const root = nestPhpStyleKeys(body);
  const auth = isDict(root.auth) ? root.auth : {};
  const token = typeof auth.application_token === 'string' ? auth.application_token : null;
  const rawEvent = root.event;
  const event = typeof rawEvent === 'string' ? rawEvent.trim().toUpperCase() : '';
  if (!event || event.length > 100 || !/^[A-Z0-9_.]+$/.test(event)) {
    return { event: '', applicationToken: token, kind: null, bitrixId: null, ts: null };
  }
  const kind = WEBHOOK_EVENT_KINDS[event] ?? null;
  const ts = toPositiveInt(root.ts);
  if (!kind) return { event, applicationToken: token, kind: null, bitrixId: null, ts };
  const data = isDict(root.data) ? root.data : {};
  const fields = isDict(data.FIELDS) ? data.FIELDS : isDict(data.fields) ? data.fields : {};
  // Comments carry data[ID] (no FIELDS level); the others data[FIELDS][ID]. Accept either for every event.
  const id = toPositiveInt(fields.ID ?? fields.id ?? data.ID ?? data.id);
  // The ID lands in the mirror's `integer` columns (deals.deal_id, activities.activity_id): beyond them it is refused.
  const bitrixId = id !== null && id <= INT32_MAX ? id : null;
  return { event, applicationToken: token, kind, bitrixId, ts };
}

function toPositiveInt(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : null;
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value.trim())) return null;
  const n = Number(value.trim());
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}
