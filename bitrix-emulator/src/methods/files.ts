import { BitrixError, validationError } from '../errors';
import { asArray, asInt, asString, getParam, isRecord, Params } from '../params';
import { FileInput, Portal } from '../portal';
import { Row, StoredFile } from '../store';
import { MethodTable } from './types';

/** Storage/folder ids for files uploaded with comments and activities ("Uploaded files" of the author). */
export const UPLOADS_LOCATION = { storageId: 1, parentId: 3 };

/** `["name.pdf", "<base64>"]` (also qs-parsed `{0: name, 1: b64}`) → a file; bad shapes → null. */
export function decodeNameAndBase64(value: unknown): FileInput | null {
  const parts = asArray(value);
  const name = asString(parts[0]);
  const b64 = asString(parts[1]);
  if (!name || b64 === undefined) return null;
  return { name, content: Buffer.from(b64, 'base64') };
}

function diskResult(portal: Portal, file: StoredFile, numericIds: boolean): Row {
  return {
    ID: numericIds ? file.id : String(file.id),
    NAME: file.name,
    CODE: null,
    STORAGE_ID: String(file.storageId),
    TYPE: 'file',
    PARENT_ID: String(file.parentId),
    DELETED_TYPE: '0',
    GLOBAL_CONTENT_VERSION: '1',
    FILE_ID: numericIds ? file.fileId : String(file.fileId),
    SIZE: String(file.content.length),
    CREATE_TIME: portal.formatDate(file.createdAt),
    UPDATE_TIME: portal.formatDate(file.createdAt),
    DELETE_TIME: null,
    CREATED_BY: String(file.createdBy),
    UPDATED_BY: String(file.createdBy),
    DELETED_BY: null,
    DOWNLOAD_URL: portal.diskDownloadUrl(file),
    DETAIL_URL: `https://${portal.options.portalDomain}/company/personal/user/${file.createdBy}/disk/file/${encodeURIComponent(file.name)}`,
  };
}

function upload(params: Params, portal: Portal, userId: number, kind: 'storage' | 'folder'): Row {
  const targetId = asInt(getParam(params, 'id'));
  if (targetId === null || targetId <= 0) throw validationError('ID is not defined or invalid');
  const fileContent = getParam(params, 'fileContent');
  if (fileContent === undefined) throw validationError('fileContent is required (the two-step uploadUrl flow is not emulated)');
  const decoded = decodeNameAndBase64(fileContent);
  if (!decoded) throw validationError('Invalid fileContent: expected ["name", "base64"]');
  const data = getParam(params, 'data');
  const name = (isRecord(data) ? asString(data.NAME ?? data.name) : undefined) ?? decoded.name;
  const location = kind === 'storage' ? { storageId: targetId, parentId: targetId * 10 + 1 } : { storageId: 1, parentId: targetId };
  const file = portal.storeFile({ name, content: decoded.content }, 'disk', userId, location);
  return diskResult(portal, file, true);
}

export const diskMethods: MethodTable = {
  'disk.storage.uploadfile': (params, ctx) => ({ result: upload(params, ctx.portal, ctx.userId, 'storage') }),
  'disk.folder.uploadfile': (params, ctx) => ({ result: upload(params, ctx.portal, ctx.userId, 'folder') }),
  // Moves a file to the portal's trash; the emulator drops it (restoring from the trash is not emulated).
  'disk.file.markdeleted': (params, ctx) => {
    const id = asInt(getParam(params, 'id'));
    if (id === null) throw validationError('ID is not defined or invalid');
    const file = ctx.portal.store.files.get(id);
    if (!file) throw new BitrixError(400, 'ERROR_NOT_FOUND', `Could not find entity with id \`${id}\``);
    ctx.portal.store.files.delete(id);
    return { result: { ...diskResult(ctx.portal, file, false), DELETED_TYPE: '3', DELETE_TIME: ctx.portal.formatDate(new Date()), DELETED_BY: String(ctx.userId) } };
  },
  'disk.file.get': (params, ctx) => {
    const id = asInt(getParam(params, 'id'));
    if (id === null) throw validationError('ID is not defined or invalid');
    const file = ctx.portal.store.files.get(id);
    if (!file) throw new BitrixError(400, 'ERROR_NOT_FOUND', `Could not find entity with id \`${id}\``);
    return { result: diskResult(ctx.portal, file, false) };
  },
};
