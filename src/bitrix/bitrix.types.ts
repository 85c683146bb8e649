/**
 * Raw Bitrix24 REST shapes, as they travel on the wire (see shared/bitrix24-reference.md).
 * Get/list results carry ids and numbers as strings; `*.add` returns a JSON number.
 */

/** A JSON value that can be sent as a Bitrix parameter. */
export type BitrixScalar = string | number | boolean | null;
export type BitrixParamValue = BitrixScalar | undefined | BitrixParamValue[] | { [key: string]: BitrixParamValue };
export type BitrixParams = { [key: string]: BitrixParamValue };

/** `Y`/`N` flags used by most CRM entities. */
export type BitrixYesNo = 'Y' | 'N';

/** The `time` member of every response. The set of keys varies by method and portal. */
export interface BitrixTime {
  start?: number;
  finish?: number;
  duration?: number;
  processing?: number;
  date_start?: string;
  date_finish?: string;
  operating_reset_at?: number;
  operating?: number;
}

/** The success envelope. */
export interface BitrixEnvelope<T> {
  result: T;
  total?: number;
  next?: number;
  time?: BitrixTime;
}

/** The error envelope, also used per command in `batch` (`result_error`). */
export interface BitrixErrorBody {
  error: string;
  error_description?: string;
}

/** One page of a list method. */
export interface BitrixPage<T> {
  items: T[];
  total: number | null;
  /** The `start` of the next page, absent on the last page. */
  next: number | null;
}

/** List parameters shared by the `crm.*.list` methods. */
export interface BitrixListParams {
  select?: string[];
  filter?: BitrixParams;
  order?: Record<string, 'ASC' | 'DESC'>;
  /** Offset (0, 50, 100...) or -1 to skip counting (keyset paging). */
  start?: number;
}

/** `crm.deal.get` / `crm.deal.list` row. Values are strings or null; `UF_CRM_*` keys vary by portal. */
export interface BitrixDeal {
  ID: string;
  TITLE?: string | null;
  TYPE_ID?: string | null;
  CATEGORY_ID?: string | null;
  STAGE_ID?: string | null;
  STAGE_SEMANTIC_ID?: string | null;
  IS_NEW?: string | null;
  OPENED?: string | null;
  CLOSED?: string | null;
  COMMENTS?: string | null;
  ASSIGNED_BY_ID?: string | null;
  CREATED_BY_ID?: string | null;
  MODIFY_BY_ID?: string | null;
  MOVED_BY_ID?: string | null;
  MOVED_TIME?: string | null;
  LAST_ACTIVITY_BY?: string | null;
  LAST_ACTIVITY_TIME?: string | null;
  LAST_COMMUNICATION_TIME?: string | null;
  DATE_CREATE?: string | null;
  DATE_MODIFY?: string | null;
  BEGINDATE?: string | null;
  CLOSEDATE?: string | null;
  CONTACT_ID?: string | null;
  COMPANY_ID?: string | null;
  SOURCE_ID?: string | null;
  OPPORTUNITY?: string | null;
  CURRENCY_ID?: string | null;
  [field: string]: unknown;
}

/** Fields accepted by `crm.deal.add` / `crm.deal.update`. */
export type BitrixDealFields = { [field: string]: BitrixParamValue };

/** A multifield item (PHONE, EMAIL, ...) as returned by Bitrix. */
export interface BitrixMultiField {
  ID?: string;
  VALUE: string;
  VALUE_TYPE?: string;
  TYPE_ID?: string;
}

export interface BitrixContact {
  ID: string;
  NAME?: string | null;
  LAST_NAME?: string | null;
  SECOND_NAME?: string | null;
  /** Absent when the contact has none; only returned when named in `select` of list. */
  EMAIL?: BitrixMultiField[];
  PHONE?: BitrixMultiField[];
  [field: string]: unknown;
}

/** One file of a timeline comment (FILES is an object keyed by file id). */
export interface BitrixTimelineCommentFile {
  id: number | string;
  date?: string;
  type?: string;
  name: string;
  size?: number | string;
  authorId?: number | string;
  authorName?: string;
  urlShow?: string;
  urlDownload?: string;
}

export interface BitrixTimelineComment {
  ID: string;
  ENTITY_ID: string;
  ENTITY_TYPE: string;
  CREATED: string;
  COMMENT: string | null;
  AUTHOR_ID: string | null;
  /** Object keyed by file id; PHP sends `[]` when empty. */
  FILES?: Record<string, BitrixTimelineCommentFile> | BitrixTimelineCommentFile[] | null;
  [field: string]: unknown;
}

export interface BitrixActivityFile {
  id: number | string;
  url?: string;
  [key: string]: unknown;
}

export interface BitrixActivityCommunication {
  ID?: string;
  TYPE?: string;
  VALUE: string;
  ENTITY_ID?: string;
  ENTITY_TYPE_ID?: string;
  ENTITY_SETTINGS?: Record<string, unknown> | unknown[];
  [key: string]: unknown;
}

/** E-mail metadata stored by Bitrix in SETTINGS (from the PHP SDK models, not the official docs). */
export interface BitrixEmailMeta {
  __email?: string;
  from?: string;
  replyTo?: string;
  to?: string;
  cc?: string;
  bcc?: string;
}

export interface BitrixActivitySettings {
  MESSAGE_FROM?: string;
  EMAIL_META?: BitrixEmailMeta;
  IS_BATCH_EMAIL?: boolean | string;
  DISABLE_SENDING_MESSAGE_COPY?: string;
  [key: string]: unknown;
}

export interface BitrixActivity {
  ID: string;
  OWNER_ID?: string | null;
  OWNER_TYPE_ID?: string | null;
  TYPE_ID?: string | null;
  PROVIDER_ID?: string | null;
  PROVIDER_TYPE_ID?: string | null;
  SUBJECT?: string | null;
  CREATED?: string | null;
  LAST_UPDATED?: string | null;
  START_TIME?: string | null;
  END_TIME?: string | null;
  DEADLINE?: string | null;
  COMPLETED?: string | null;
  STATUS?: string | null;
  RESPONSIBLE_ID?: string | null;
  PRIORITY?: string | null;
  DESCRIPTION?: string | null;
  DESCRIPTION_TYPE?: string | null;
  DIRECTION?: string | null;
  AUTHOR_ID?: string | null;
  EDITOR_ID?: string | null;
  /** Empty SETTINGS come as `[]`. */
  SETTINGS?: BitrixActivitySettings | unknown[] | null;
  /** Only when named in `select` of crm.activity.list. */
  FILES?: BitrixActivityFile[] | null;
  COMMUNICATIONS?: BitrixActivityCommunication[] | null;
  [field: string]: unknown;
}

export interface BitrixDiskFile {
  ID: string | number;
  NAME: string;
  STORAGE_ID?: string | number;
  TYPE?: string;
  PARENT_ID?: string | number;
  FILE_ID?: string | number;
  SIZE?: string | number;
  CREATE_TIME?: string;
  UPDATE_TIME?: string;
  CREATED_BY?: string | number;
  DOWNLOAD_URL?: string;
  DETAIL_URL?: string;
  [field: string]: unknown;
}

export interface BitrixUser {
  ID: string;
  /** JSON boolean in user.get. */
  ACTIVE?: boolean | string;
  NAME?: string | null;
  LAST_NAME?: string | null;
  SECOND_NAME?: string | null;
  EMAIL?: string | null;
  PERSONAL_PHOTO?: string | null;
  PERSONAL_MOBILE?: string | null;
  WORK_PHONE?: string | null;
  WORK_POSITION?: string | null;
  UF_DEPARTMENT?: number[] | string[] | null;
  IS_ONLINE?: string;
  USER_TYPE?: string;
  [field: string]: unknown;
}

/** Bitrix CRM owner types (OWNER_TYPE_ID / ENTITY_TYPE_ID). */
export const BitrixOwnerType = {
  lead: 1,
  deal: 2,
  contact: 3,
  company: 4,
} as const;

/** Activity TYPE_ID values. */
export const BitrixActivityType = {
  meeting: 1,
  call: 2,
  task: 3,
  email: 4,
  action: 5,
  provider: 6,
} as const;

/** DESCRIPTION_TYPE (crm.enum.contenttype): 1 plain, 2 bbCode, 3 HTML. */
export const BitrixContentType = {
  plain: 1,
  bbCode: 2,
  html: 3,
} as const;
