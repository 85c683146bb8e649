import { BitrixError } from '../errors';
import { matchesFilter, paginate, parseListSpec, sortRows } from '../list-query';
import { asArray, asInt, asRecord, asString, getParam, Params, upperKeys } from '../params';
import { FileInput, Portal } from '../portal';
import { CommentRecord, Row } from '../store';
import { decodeNameAndBase64, UPLOADS_LOCATION } from './files';
import { MethodTable } from './types';

const IMAGE_EXT = /\.(png|jpe?g|gif|bmp|webp)$/i;

export function addComment(portal: Portal, input: { entityId: number; entityType: string; comment: string; files: FileInput[] }, authorId: number): CommentRecord {
  const entityType = input.entityType.toLowerCase();
  if (entityType !== 'deal' || !portal.store.deals.has(input.entityId)) {
    throw new BitrixError(400, 'OWNER_NOT_FOUND', 'Owner was not found.');
  }
  if (input.comment.trim() === '') throw new BitrixError(400, 'INVALID_ARG_VALUE', 'Comment is empty.');
  const record: CommentRecord = {
    id: portal.store.commentIds.next(),
    entityId: input.entityId,
    entityType,
    created: new Date(),
    comment: input.comment,
    authorId,
    fileIds: input.files.map((f) => portal.storeFile(f, 'comment', authorId, UPLOADS_LOCATION).id),
  };
  portal.store.comments.set(record.id, record);
  // Per the docs, timeline comment events carry data[ID] without a FIELDS level.
  portal.emit('ONCRMTIMELINECOMMENTADD', { ID: String(record.id) });
  return record;
}

/** The wire row; FILES is an object keyed by disk file id, absent when there are none. */
export function commentRow(portal: Portal, record: CommentRecord): Row {
  const row: Row = {
    ID: String(record.id),
    ENTITY_ID: String(record.entityId),
    ENTITY_TYPE: record.entityType,
    CREATED: portal.formatDate(record.created),
    COMMENT: record.comment,
    AUTHOR_ID: String(record.authorId),
  };
  const files: Record<string, unknown> = {};
  for (const id of record.fileIds) {
    const file = portal.store.files.get(id);
    if (!file) continue;
    const author = portal.store.users.get(file.createdBy);
    files[String(file.id)] = {
      id: file.id,
      date: portal.formatDate(file.createdAt),
      type: IMAGE_EXT.test(file.name) ? 'image' : 'file',
      name: file.name,
      size: file.content.length,
      authorId: file.createdBy,
      authorName: author ? `${author.NAME} ${author.LAST_NAME}`.trim() : '',
      urlShow: portal.commentShowUrl(file),
      urlDownload: portal.commentDownloadUrl(file),
    };
  }
  if (Object.keys(files).length > 0) row.FILES = files;
  return row;
}

function commentResolver(row: Row, field: string): string[] {
  const v = row[field];
  return typeof v === 'string' && v !== '' ? [v] : [];
}

export const timelineCommentMethods: MethodTable = {
  'crm.timeline.comment.add': (params, ctx) => {
    const fields = upperKeys(asRecord(getParam(params, 'fields')) ?? {});
    const entityId = asInt(fields.ENTITY_ID);
    const files: FileInput[] = [];
    for (const raw of asArray(fields.FILES)) {
      const file = decodeNameAndBase64(raw);
      if (!file) throw new BitrixError(400, 'INVALID_ARG_VALUE', 'Invalid FILES: expected [["name", "base64"], ...]');
      files.push(file);
    }
    const record = addComment(
      ctx.portal,
      { entityId: entityId ?? 0, entityType: asString(fields.ENTITY_TYPE) ?? '', comment: asString(fields.COMMENT) ?? '', files },
      ctx.userId,
    );
    return { result: record.id };
  },
  'crm.timeline.comment.get': (params, ctx) => {
    const id = asInt(getParam(params, 'id'));
    const record = id === null ? undefined : ctx.portal.store.comments.get(id);
    if (!record) throw new BitrixError(400, 'NOT_FOUND', 'Not found.');
    return { result: commentRow(ctx.portal, record) };
  },
  'crm.timeline.comment.list': (params: Params, ctx) => {
    const spec = parseListSpec(params);
    const filter = upperKeys(spec.filter);
    if (filter.ENTITY_ID === undefined || filter.ENTITY_TYPE === undefined) {
      throw new BitrixError(400, 'INVALID_ARG_VALUE', 'ENTITY_ID and ENTITY_TYPE are required in filter.');
    }
    const rows = [...ctx.portal.store.comments.values()]
      .map((r) => commentRow(ctx.portal, r))
      .filter((row) => matchesFilter(row, filter, { resolve: commentResolver, offsetMinutes: ctx.portal.offset }));
    const page = paginate(sortRows(rows, spec.order, commentResolver, ctx.portal.offset), spec.start);
    const items = spec.select
      ? page.items.map((row) => Object.fromEntries(Object.entries(row).filter(([k]) => k === 'ID' || spec.select?.includes(k) || spec.select?.includes('*'))))
      : page.items;
    return { result: items, total: page.total, next: page.next };
  },
};
