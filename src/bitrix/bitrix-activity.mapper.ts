import {
  bbCodeToText,
  extractEmail,
  extractEmails,
  fromBitrixDate,
  htmlToText,
  toIdString,
  toIntOrNull,
  toText,
} from './bitrix-conversions';
import {
  BitrixActivity,
  BitrixActivitySettings,
  BitrixContentType,
  BitrixOwnerType,
  BitrixTimelineComment,
  BitrixTimelineCommentFile,
} from './bitrix.types';

export type ActivityDirection = 'incoming' | 'outgoing';

/** A file attached to an activity or comment, as Bitrix describes it (download it with BitrixDisk). */
export interface BitrixFileRef {
  /** Disk object / file id given by Bitrix. */
  bitrixFileId: number;
  name: string | null;
  /** Download link (activity `url`, comment `urlDownload`); carries tokens, never log it. */
  url: string | null;
}

/**
 * The local mirror of one timeline entry, named like the `Activity` entity's properties (seed table
 * `activities`). Bitrix activities and timeline comments have separate id spaces: `bitrixSource` tells them apart.
 */
export interface BitrixActivitySnapshot {
  bitrixActivityId: number;
  bitrixSource: 'activity' | 'comment';
  /** Bitrix deal id when the owner is a deal (OWNER_TYPE_ID=2 / ENTITY_TYPE=deal), else null. */
  bitrixDealId: number | null;
  ownerTypeId: string | null;
  /** Bitrix TYPE_ID (4 = e-mail); timeline comments use "2", the seed's "Comentário". */
  typeId: string | null;
  providerId: string | null;
  providerTypeId: string | null;
  direction: ActivityDirection | null;
  subject: string | null;
  priority: string | null;
  responsibleId: string | null;
  /** Plain text (HTML bodies converted, bb-code stripped). */
  description: string | null;
  /** The HTML body when DESCRIPTION_TYPE=3. */
  bodyHtml: string | null;
  descriptionType: string | null;
  senderEmail: string | null;
  fromEmail: string | null;
  toEmail: string | null;
  receiverEmail: string | null;
  authorId: string | null;
  editorId: string | null;
  readConfirmed: number | null;
  createdAtBitrix: Date | null;
  completed: boolean | null;
  files: BitrixFileRef[];
}

/** Seed §4.1: comments are stored as activities of type "2" (Comentário). */
export const TIMELINE_COMMENT_TYPE_ID = '2';
export const TIMELINE_COMMENT_PROVIDER_ID = 'CRM_TIMELINE_COMMENT';

export function directionFromBitrix(value: unknown): ActivityDirection | null {
  const id = toIdString(value);
  return id === '1' ? 'incoming' : id === '2' ? 'outgoing' : null;
}

export function directionToBitrix(direction: ActivityDirection): 1 | 2 {
  return direction === 'incoming' ? 1 : 2;
}

function settingsOf(raw: BitrixActivity): BitrixActivitySettings {
  const s = raw.SETTINGS;
  return s && typeof s === 'object' && !Array.isArray(s) ? s : {};
}

/** `crm.activity.get`/`list` row → the local mirror. Addresses come from SETTINGS.EMAIL_META, then COMMUNICATIONS. */
export function fromBitrixActivity(raw: BitrixActivity, portalTimeZone = 'America/Sao_Paulo'): BitrixActivitySnapshot {
  const id = toIntOrNull(raw.ID);
  if (id === null) throw new Error('Bitrix activity without ID');
  const settings = settingsOf(raw);
  const meta = settings.EMAIL_META && typeof settings.EMAIL_META === 'object' ? settings.EMAIL_META : {};
  const direction = directionFromBitrix(raw.DIRECTION);
  const communicationEmails = (Array.isArray(raw.COMMUNICATIONS) ? raw.COMMUNICATIONS : [])
    .filter((c) => !c.TYPE || String(c.TYPE).toUpperCase() === 'EMAIL')
    .map((c) => extractEmail(c.VALUE))
    .filter((e): e is string => e !== null);
  // For an incoming e-mail the communication is the sender; for an outgoing one, the recipients.
  const from =
    extractEmail(meta.from) ??
    extractEmail(settings.MESSAGE_FROM) ??
    (direction === 'incoming' ? (communicationEmails[0] ?? null) : null);
  const toList = extractEmails(meta.to);
  const to = toList.length ? toList.join(', ') : direction === 'outgoing' && communicationEmails.length ? communicationEmails.join(', ') : null;
  const descriptionType = toIdString(raw.DESCRIPTION_TYPE);
  const rawDescription = toText(raw.DESCRIPTION);
  const isHtml = descriptionType === String(BitrixContentType.html);
  const description =
    rawDescription === null ? null : isHtml ? htmlToText(rawDescription) : descriptionType === String(BitrixContentType.bbCode) ? bbCodeToText(rawDescription) : rawDescription;
  const ownerTypeId = toIdString(raw.OWNER_TYPE_ID);
  const readConfirmed = settings.READ_CONFIRMED;
  return {
    bitrixActivityId: id,
    bitrixSource: 'activity',
    bitrixDealId: ownerTypeId === String(BitrixOwnerType.deal) ? toIntOrNull(raw.OWNER_ID) : null,
    ownerTypeId,
    typeId: toIdString(raw.TYPE_ID),
    providerId: toText(raw.PROVIDER_ID),
    providerTypeId: toText(raw.PROVIDER_TYPE_ID),
    direction,
    subject: toText(raw.SUBJECT),
    priority: toIdString(raw.PRIORITY),
    responsibleId: toIdString(raw.RESPONSIBLE_ID),
    description,
    bodyHtml: isHtml ? rawDescription : null,
    descriptionType,
    senderEmail: from,
    fromEmail: from,
    toEmail: to,
    receiverEmail: to,
    authorId: toIdString(raw.AUTHOR_ID),
    editorId: toIdString(raw.EDITOR_ID),
    // READ_CONFIRMED is not documented anywhere (reference §2.5); read it only if a portal sends it.
    readConfirmed: toIntOrNull(readConfirmed ?? raw.READ_CONFIRMED),
    createdAtBitrix: fromBitrixDate(raw.CREATED ?? raw.START_TIME, portalTimeZone),
    completed: raw.COMPLETED === undefined || raw.COMPLETED === null ? null : String(raw.COMPLETED).toUpperCase() === 'Y',
    files: (Array.isArray(raw.FILES) ? raw.FILES : [])
      .map((file) => ({ bitrixFileId: toIntOrNull(file.id) ?? NaN, name: typeof file.name === 'string' ? file.name : null, url: typeof file.url === 'string' ? file.url : null }))
      .filter((f) => Number.isFinite(f.bitrixFileId)),
  };
}

/** The files of a comment: FILES is an object keyed by file id (or PHP `[]` when empty). */
export function timelineCommentFiles(raw: BitrixTimelineComment): BitrixFileRef[] {
  const files = raw.FILES;
  const list: BitrixTimelineCommentFile[] = !files ? [] : Array.isArray(files) ? files : Object.values(files);
  return list
    .map((file) => ({
      bitrixFileId: toIntOrNull(file.id) ?? NaN,
      name: typeof file.name === 'string' ? file.name : null,
      url: typeof file.urlDownload === 'string' ? file.urlDownload : typeof file.urlShow === 'string' ? file.urlShow : null,
    }))
    .filter((f) => Number.isFinite(f.bitrixFileId));
}

/**
 * `crm.timeline.comment.get`/`list` row → the local mirror (type "2", provider CRM_TIMELINE_COMMENT).
 * A comment has no direction in Bitrix: the caller says whether it came from the requester (`incoming`) or
 * the IT staff (`outgoing`); default null.
 */
export function fromBitrixTimelineComment(
  raw: BitrixTimelineComment,
  options: { direction?: ActivityDirection | null; portalTimeZone?: string } = {},
): BitrixActivitySnapshot {
  const id = toIntOrNull(raw.ID);
  if (id === null) throw new Error('Bitrix timeline comment without ID');
  const isDeal = String(raw.ENTITY_TYPE ?? '').toLowerCase() === 'deal';
  const comment = toText(raw.COMMENT);
  return {
    bitrixActivityId: id,
    bitrixSource: 'comment',
    bitrixDealId: isDeal ? toIntOrNull(raw.ENTITY_ID) : null,
    ownerTypeId: isDeal ? String(BitrixOwnerType.deal) : null,
    typeId: TIMELINE_COMMENT_TYPE_ID,
    providerId: TIMELINE_COMMENT_PROVIDER_ID,
    providerTypeId: null,
    direction: options.direction ?? null,
    subject: null,
    priority: null,
    responsibleId: toIdString(raw.AUTHOR_ID),
    description: comment === null ? null : bbCodeToText(comment),
    bodyHtml: null,
    descriptionType: String(BitrixContentType.bbCode),
    senderEmail: null,
    fromEmail: null,
    toEmail: null,
    receiverEmail: null,
    authorId: toIdString(raw.AUTHOR_ID),
    editorId: null,
    readConfirmed: null,
    createdAtBitrix: fromBitrixDate(raw.CREATED, options.portalTimeZone),
    completed: null,
    files: timelineCommentFiles(raw),
  };
}
