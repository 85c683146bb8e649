import { BitrixError, validationError } from '../errors';
import { paginate, parseStart } from '../list-query';
import { DiskStorageDefinition } from '../options';
import { asArray, asInt, asString, getParam, isRecord, Params } from '../params';
import { FileInput, Portal } from '../portal';
import { Row, StoredFile } from '../store';
import { MethodTable } from './types';

/** Storage/folder ids for files uploaded with comments and activities ("Uploaded files" of the author). */
export const UPLOADS_LOCATION = { storageId: 1, parentId: 3 };

const notFoundEntity = (id: number | string): BitrixError => new BitrixError(400, 'ERROR_NOT_FOUND', `Could not find entity with id \`${id}\``);

function readObjectId(params: Params): number {
  const id = asInt(getParam(params, 'id'));
  if (id === null || id <= 0) throw validationError('ID is not defined or invalid');
  return id;
}

/** A configured storage, or ERROR_NOT_FOUND (a wrong configured storage id must not pass). */
export function requireStorage(portal: Portal, id: number): DiskStorageDefinition {
  const storage = portal.options.diskStorages.find((s) => s.ID === id);
  if (!storage) throw notFoundEntity(id);
  return storage;
}

/** The storage whose root folder is `folderId`, or ERROR_NOT_FOUND (only root folders exist). */
function requireFolder(portal: Portal, folderId: number): DiskStorageDefinition {
  const storage = portal.options.diskStorages.find((s) => s.ROOT_OBJECT_ID === folderId);
  if (!storage) throw notFoundEntity(folderId);
  return storage;
}

function storageRow(storage: DiskStorageDefinition): Row {
  return {
    ID: String(storage.ID),
    NAME: storage.NAME,
    CODE: null,
    MODULE_ID: 'disk',
    ENTITY_TYPE: storage.ENTITY_TYPE,
    ENTITY_ID: storage.ENTITY_ID,
    ROOT_OBJECT_ID: String(storage.ROOT_OBJECT_ID),
  };
}

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
  const targetId = readObjectId(params);
  const storage = kind === 'storage' ? requireStorage(portal, targetId) : requireFolder(portal, targetId);
  const fileContent = getParam(params, 'fileContent');
  if (fileContent === undefined) throw validationError('fileContent is required (the two-step uploadUrl flow is not emulated)');
  const decoded = decodeNameAndBase64(fileContent);
  if (!decoded) throw validationError('Invalid fileContent: expected ["name", "base64"]');
  const data = getParam(params, 'data');
  const name = (isRecord(data) ? asString(data.NAME ?? data.name) : undefined) ?? decoded.name;
  const location = { storageId: storage.ID, parentId: storage.ROOT_OBJECT_ID };
  const file = portal.storeFile({ name, content: decoded.content }, 'disk', userId, location);
  return diskResult(portal, file, true);
}

function children(params: Params, portal: Portal, folderId: number): { result: Row[]; total: number; next?: number } {
  const files = [...portal.store.files.values()].filter((f) => f.parentId === folderId).sort((a, b) => a.id - b.id);
  const page = paginate(files, parseStart(getParam(params, 'start')));
  return { result: page.items.map((f) => diskResult(portal, f, false)), total: page.total, next: page.next };
}

export const diskMethods: MethodTable = {
  'disk.storage.getlist': (params, ctx) => {
    const page = paginate(ctx.portal.options.diskStorages.map(storageRow), parseStart(getParam(params, 'start')));
    return { result: page.items, total: page.total, next: page.next };
  },
  'disk.storage.get': (params, ctx) => ({ result: storageRow(requireStorage(ctx.portal, readObjectId(params))) }),
  // Meant for applications; on this webhook portal it answers the webhook user's storage (not confirmed by a source).
  'disk.storage.getforapp': (_params, ctx) => {
    const storage = ctx.portal.options.diskStorages[0];
    if (!storage) throw notFoundEntity('app');
    return { result: storageRow(storage) };
  },
  'disk.storage.getchildren': (params, ctx) => children(params, ctx.portal, requireStorage(ctx.portal, readObjectId(params)).ROOT_OBJECT_ID),
  'disk.folder.getchildren': (params, ctx) => {
    const id = readObjectId(params);
    requireFolder(ctx.portal, id);
    return children(params, ctx.portal, id);
  },
  'disk.storage.uploadfile': (params, ctx) => ({ result: upload(params, ctx.portal, ctx.userId, 'storage') }),
  'disk.folder.uploadfile': (params, ctx) => ({ result: upload(params, ctx.portal, ctx.userId, 'folder') }),
  // Moves a file to the portal's trash; the emulator drops it (restoring from the trash is not emulated).
  'disk.file.markdeleted': (params, ctx) => {
    const id = readObjectId(params);
    const file = ctx.portal.store.files.get(id);
    if (!file) throw notFoundEntity(id);
    ctx.portal.store.files.delete(id);
    return { result: { ...diskResult(ctx.portal, file, false), DELETED_TYPE: '3', DELETE_TIME: ctx.portal.formatDate(new Date()), DELETED_BY: String(ctx.userId) } };
  },
  'disk.file.get': (params, ctx) => {
    const id = readObjectId(params);
    const file = ctx.portal.store.files.get(id);
    if (!file) throw notFoundEntity(id);
    return { result: diskResult(ctx.portal, file, false) };
  },
};
