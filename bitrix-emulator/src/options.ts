import { randomBytes } from 'node:crypto';

/** A user field (UF_CRM_*) definition as `crm.deal.fields` describes it. */
export interface UserFieldDefinition {
  FIELD_NAME: string;
  USER_TYPE_ID: 'enumeration' | 'string' | 'integer' | 'double' | 'datetime' | 'date' | 'boolean' | 'employee' | 'file';
  MULTIPLE?: boolean;
  LABEL?: string;
  /** Enumeration items: values are written and read back as the item ID. */
  ITEMS?: Array<{ ID: string; VALUE: string }>;
}

export interface EmulatorOptions {
  /** Interface to bind; default 127.0.0.1. */
  host: string;
  /** Port; default 0 (random). */
  port: number;
  /** User id in the inbound webhook URL (also the "current user"); default 1. */
  webhookUserId: number;
  /** Secret code in the inbound webhook URL; default random 16 chars. */
  webhookCode: string;
  /** Leaky bucket drain per second; default 2; 0 disables the limit. */
  rateLimit: number;
  /** Leaky bucket size; default 50. */
  rateBurst: number;
  /** Artificial delay before answering each REST request; default 0. */
  latencyMs: number;
  /** Where outbound event webhooks are POSTed; no URL = events are recorded as `skipped`. */
  eventHandlerUrl?: string;
  /** `auth[application_token]` sent with events; default random. */
  applicationToken: string;
  /** Queue delay before delivering an event; default 20. */
  eventDelayMs: number;
  /** Timeout of one event POST (Bitrix does not wait for slow handlers); default 5000. */
  eventTimeoutMs: number;
  /** Portal domain used in `auth[domain]` / `auth[client_endpoint]`; default carvalima.bitrix24.com.br. */
  portalDomain: string;
  /** Portal time zone as minutes east of UTC (dates are answered with this offset); default -180 (UTC-3). */
  utcOffsetMinutes: number;
  /** UF_CRM_* fields the portal defines for deals (crm.deal.fields, null defaults in crm.deal.get). */
  dealUserFields: UserFieldDefinition[];
  /**
   * JSON file that keeps the portal's data across restarts: loaded at start when it exists (a corrupt
   * file is an error, never a silent reset), saved after changes (coalesced, atomic) and on close().
   * Read at start only. Unset = in memory only.
   */
  stateFile?: string;
}

/** The helpdesk fields named in the seed (§5.1); priority items carry the seed's enumeration IDs. */
export const DEFAULT_DEAL_USER_FIELDS: UserFieldDefinition[] = [
  {
    FIELD_NAME: 'UF_CRM_1701707001',
    USER_TYPE_ID: 'enumeration',
    LABEL: 'Prioridade',
    ITEMS: [
      { ID: '1557', VALUE: 'Crítico' },
      { ID: '1559', VALUE: 'Alto' },
      { ID: '1561', VALUE: 'Médio' },
      { ID: '1563', VALUE: 'Baixo' },
    ],
  },
  { FIELD_NAME: 'UF_CRM_1701706961', USER_TYPE_ID: 'string', LABEL: 'Categoria de serviço' },
  { FIELD_NAME: 'UF_CRM_1701706933', USER_TYPE_ID: 'string', LABEL: 'Tipo de sistema' },
  { FIELD_NAME: 'UF_CRM_1736515084', USER_TYPE_ID: 'string', LABEL: 'Departamento responsável' },
];

const randomCode = (length: number): string =>
  randomBytes(length).toString('base64').replace(/[^a-z0-9]/gi, '').padEnd(length, 'x').slice(0, length).toLowerCase();

export function resolveOptions(partial: Partial<EmulatorOptions> = {}): EmulatorOptions {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<EmulatorOptions>;
  return {
    host: '127.0.0.1',
    port: 0,
    webhookUserId: 1,
    webhookCode: randomCode(16),
    rateLimit: 2,
    rateBurst: 50,
    latencyMs: 0,
    applicationToken: randomCode(32),
    eventDelayMs: 20,
    eventTimeoutMs: 5000,
    portalDomain: 'carvalima.bitrix24.com.br',
    utcOffsetMinutes: -180,
    dealUserFields: DEFAULT_DEAL_USER_FIELDS,
    ...defined,
  };
}
