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
  /**
   * Comment `urlDownload`/`urlShow` and activity FILES `url` need a logged-in browser session on a real portal
   * (reference §2.5, §5): with true (default) they answer the portal's login page, as a webhook client sees them;
   * false serves the bytes (the emulator's old behaviour). Disk `DOWNLOAD_URL` always serves the bytes.
   */
  fileLinksNeedSession: boolean;
  /** Disk storages the portal has (disk.storage.getlist/get); uploads to any other storage or folder fail. */
  diskStorages: DiskStorageDefinition[];
  /**
   * Serve HTTPS with a self-signed certificate generated at start (the official SDK refuses http portals).
   * Read at start only. Default false.
   */
  https: boolean;
  /**
   * Per-method operating-time limit (reference §1.5): seconds of execution per method over a sliding 10 minutes;
   * above it the method answers 429 OPERATION_TIME_LIMIT until `operating_reset_at`. Default 480 (cloud).
   */
  operatingLimitSeconds: number;
  /**
   * Simulated execution time (ms) per call, by lower-case method name, added to the measured time; default {}
   * (a light call costs ~0 s, as the docs' example shows).
   */
  operatingCostMs: Record<string, number>;
}

/** A Disk storage (disk.storage.get shape); its root folder is ROOT_OBJECT_ID. */
export interface DiskStorageDefinition {
  ID: number;
  NAME: string;
  ENTITY_TYPE: 'user' | 'common' | 'group';
  ENTITY_ID: string;
  ROOT_OBJECT_ID: number;
}

/**
 * Storage 1 is the webhook user's drive (root folder 3 holds "Uploaded files" of comments and activities);
 * 7 is the company's shared drive. Folder ids other than the roots do not exist.
 */
export const DEFAULT_DISK_STORAGES: DiskStorageDefinition[] = [
  { ID: 1, NAME: 'Admin Portal', ENTITY_TYPE: 'user', ENTITY_ID: '1', ROOT_OBJECT_ID: 3 },
  { ID: 7, NAME: 'Documentos compartilhados', ENTITY_TYPE: 'common', ENTITY_ID: 'shared_files_s1', ROOT_OBJECT_ID: 71 },
];

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
  // The helpdesk's other fields (src/bitrix/bitrix-field-map.ts defaults; the seed does not name their ids).
  { FIELD_NAME: 'UF_CRM_1701706905', USER_TYPE_ID: 'string', LABEL: 'Departamento do solicitante' },
  { FIELD_NAME: 'UF_CRM_1701706872', USER_TYPE_ID: 'string', LABEL: 'Matrícula' },
  { FIELD_NAME: 'UF_CRM_1701706884', USER_TYPE_ID: 'string', LABEL: 'E-mail do solicitante' },
  { FIELD_NAME: 'UF_CRM_1701706858', USER_TYPE_ID: 'string', LABEL: 'Nome do solicitante' },
  { FIELD_NAME: 'UF_CRM_1701706893', USER_TYPE_ID: 'string', LABEL: 'Telefone do solicitante' },
  { FIELD_NAME: 'UF_CRM_1701706917', USER_TYPE_ID: 'string', LABEL: 'Filial' },
  { FIELD_NAME: 'UF_CRM_1701706925', USER_TYPE_ID: 'string', LABEL: 'CPF' },
  { FIELD_NAME: 'UF_CRM_1701707028', USER_TYPE_ID: 'datetime', LABEL: 'Prazo SLA' },
  { FIELD_NAME: 'UF_CRM_1736515121', USER_TYPE_ID: 'integer', LABEL: 'Avaliação' },
  { FIELD_NAME: 'UF_CRM_1736515143', USER_TYPE_ID: 'string', LABEL: 'Comentário da avaliação' },
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
    fileLinksNeedSession: true,
    diskStorages: DEFAULT_DISK_STORAGES,
    https: false,
    operatingLimitSeconds: 480,
    operatingCostMs: {},
    ...defined,
  };
}
