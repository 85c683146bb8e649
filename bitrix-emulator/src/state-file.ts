/**
 * The optional state file (`stateFile` option): the portal's data as one JSON document, so that a
 * restarted emulator still knows the deals, files and ids it handed out (a real portal keeps them).
 *
 * What is saved: deals, contacts, activities, timeline comments, users, stored files (bytes as base64),
 * the sent-e-mail log, every id counter and the download-token secret (so issued URLs stay valid).
 * Not saved: options, stats, REST faults, event faults/queues/deliveries and the rate bucket.
 *
 * Writes are coalesced (the first change after a save arms a timer; everything changed until it fires
 * goes into one write), skipped when nothing changed, and atomic (temp file in the same directory,
 * fsync, rename), so a crash leaves either the old or the new file, never a torn one.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Portal } from './portal';
import { ActivityRecord, CommentRecord, Row, SEQUENCE_NAMES, SequenceName, SentEmail, StoredFile, UserRecord } from './store';

export const STATE_FORMAT = 'bitrix-emulator-state';
export const STATE_VERSION = 1;
/** Delay between the first unsaved change and the write that carries it. */
export const STATE_SAVE_DELAY_MS = 200;

interface SavedFile {
  id: number;
  fileId: number;
  name: string;
  storageId: number;
  parentId: number;
  createdBy: number;
  createdAt: string;
  origin: StoredFile['origin'];
  size: number;
  contentBase64: string;
}

interface SavedUser {
  ID: number;
  NAME: string;
  LAST_NAME: string;
  SECOND_NAME: string;
  EMAIL: string;
  ACTIVE: boolean;
  UF_DEPARTMENT: number[];
  PERSONAL_PHOTO?: string;
  WORK_POSITION: string;
  createdAt: string;
}

interface SavedComment {
  id: number;
  entityId: number;
  entityType: string;
  created: string;
  comment: string;
  authorId: number;
  fileIds: number[];
}

interface SavedSentEmail {
  activityId: number;
  ownerTypeId: number;
  ownerId: number;
  subject: string;
  body: string;
  descriptionType: string;
  from: string | null;
  to: string[];
  files: Array<{ id: number; name: string; contentBase64: string }>;
  at: string;
}

/** The JSON document on disk (version 1). */
export interface SavedState {
  format: typeof STATE_FORMAT;
  version: typeof STATE_VERSION;
  /** Hex HMAC key of the download tokens. */
  fileSecret: string;
  /** The last id each counter handed out. */
  sequences: Record<SequenceName, number>;
  deals: Row[];
  contacts: Row[];
  activities: ActivityRecord[];
  comments: SavedComment[];
  files: SavedFile[];
  users: SavedUser[];
  sentEmails: SavedSentEmail[];
}

/** A state file that exists but cannot be used; the emulator refuses to start rather than reset it. */
export class StateFileError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`Bitrix emulator state file "${file}" cannot be loaded: ${detail}. Fix it, or move it away to start with an empty portal (the emulated deals, comments and files are then lost).`);
    this.name = 'StateFileError';
  }
}

// --- saving ---------------------------------------------------------------------------------------

/** Stored bytes never change, so their base64 is computed once per buffer. */
const base64Cache = new WeakMap<Buffer, string>();

function toBase64(content: Buffer): string {
  let cached = base64Cache.get(content);
  if (cached === undefined) {
    cached = content.toString('base64');
    base64Cache.set(content, cached);
  }
  return cached;
}

export function captureState(portal: Portal): SavedState {
  const store = portal.store;
  const sequences = Object.fromEntries(SEQUENCE_NAMES.map((name) => [name, store[name].last])) as Record<SequenceName, number>;
  return {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    fileSecret: portal.fileSecret.toString('hex'),
    sequences,
    deals: [...store.deals.values()],
    contacts: [...store.contacts.values()],
    activities: [...store.activities.values()],
    comments: [...store.comments.values()].map((c) => ({ ...c, created: c.created.toISOString() })),
    files: [...store.files.values()].map((f) => ({
      id: f.id,
      fileId: f.fileId,
      name: f.name,
      storageId: f.storageId,
      parentId: f.parentId,
      createdBy: f.createdBy,
      createdAt: f.createdAt.toISOString(),
      origin: f.origin,
      size: f.content.length,
      contentBase64: toBase64(f.content),
    })),
    users: [...store.users.values()].map((u) => ({ ...u, createdAt: u.createdAt.toISOString() })),
    sentEmails: store.sentEmails.map((e) => ({
      ...e,
      files: e.files.map((f) => ({ id: f.id, name: f.name, contentBase64: toBase64(f.content) })),
      at: e.at.toISOString(),
    })),
  };
}

export function serializeState(portal: Portal): string {
  return JSON.stringify(captureState(portal));
}

let tempCounter = 0;

/** Temp file next to the target (same file system, so rename is atomic), fsync, then rename over it. */
async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  tempCounter += 1;
  const temp = `${file}.${process.pid}.${tempCounter}.tmp`;
  try {
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
}

/** Saves the portal to `file`: coalesced, skipped when unchanged, one write at a time. */
export class StatePersister {
  private timer: NodeJS.Timeout | null = null;
  private lastHash: string | null = null;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    readonly file: string,
    private readonly serialize: () => string,
    private readonly delayMs = STATE_SAVE_DELAY_MS,
  ) {}

  /** Something may have changed: save within `delayMs` (no-op once closed). */
  schedule(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.save().catch((err: unknown) => {
        console.error(`[bitrix-emulator] could not save the state file ${this.file}; will retry on the next change or on close:`, err);
      });
    }, this.delayMs);
  }

  /** Writes the current state now (after any write in progress) unless it equals the last one written. */
  save(): Promise<void> {
    const run = this.queue.then(() => this.writeIfChanged());
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Cancels the pending timer and writes now. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    await this.save();
  }

  /** Final write; later changes are no longer saved. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private async writeIfChanged(): Promise<void> {
    const text = this.serialize();
    const hash = createHash('sha256').update(text).digest('hex');
    if (hash === this.lastHash) return;
    await writeAtomically(this.file, text);
    this.lastHash = hash;
  }
}

// --- loading --------------------------------------------------------------------------------------

/** Minimal structural validation with the JSON path of the first bad value in the error. */
class Validator {
  constructor(private readonly file: string) {}

  fail(where: string, problem: string): never {
    throw new StateFileError(this.file, `${where} ${problem}`);
  }

  record(value: unknown, where: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(where, 'is not an object');
    return value as Record<string, unknown>;
  }

  array(value: unknown, where: string): unknown[] {
    if (!Array.isArray(value)) this.fail(where, 'is not an array');
    return value;
  }

  int(value: unknown, where: string): number {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) this.fail(where, 'is not an integer');
    return value;
  }

  string(value: unknown, where: string): string {
    if (typeof value !== 'string') this.fail(where, 'is not a string');
    return value;
  }

  boolean(value: unknown, where: string): boolean {
    if (typeof value !== 'boolean') this.fail(where, 'is not a boolean');
    return value;
  }

  date(value: unknown, where: string): Date {
    const date = new Date(this.string(value, where));
    if (Number.isNaN(date.getTime())) this.fail(where, 'is not an ISO date');
    return date;
  }

  ints(value: unknown, where: string): number[] {
    return this.array(value, where).map((v, i) => this.int(v, `${where}[${i}]`));
  }

  /** Checked base64 text (and, given `size`, its decoded length). */
  base64(value: unknown, where: string, size?: number): string {
    const text = this.string(value, where);
    if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) this.fail(where, 'is not valid base64');
    const length = Buffer.byteLength(text, 'base64');
    if (size !== undefined && length !== size) this.fail(where, `decodes to ${length} bytes, expected ${size}`);
    return text;
  }

  origin(value: unknown, where: string): StoredFile['origin'] {
    if (value !== 'disk' && value !== 'comment' && value !== 'activity') this.fail(where, 'is not disk, comment or activity');
    return value;
  }

  /** A wire row whose `ID` is a decimal string; returns the numeric id. */
  rowId(row: Row, where: string): number {
    const id = row.ID;
    if (typeof id !== 'string' || !/^\d+$/.test(id)) this.fail(`${where}.ID`, 'is not a numeric string');
    return Number(id);
  }

  unique(seen: Set<number>, id: number, where: string): void {
    if (seen.has(id)) this.fail(where, `repeats id ${id}`);
    seen.add(id);
  }
}

/** Parses and validates a state file's text (throws StateFileError). */
export function parseState(text: string, file: string): SavedState {
  const v = new Validator(file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new StateFileError(file, `it is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const doc = v.record(parsed, 'the document');
  if (doc.format !== STATE_FORMAT) v.fail('"format"', `is ${JSON.stringify(doc.format)}, expected "${STATE_FORMAT}"`);
  if (doc.version !== STATE_VERSION) v.fail('"version"', `is ${JSON.stringify(doc.version)}; this emulator reads version ${STATE_VERSION}`);
  const fileSecret = v.string(doc.fileSecret, 'fileSecret');
  if (!/^(?:[0-9a-f]{2})+$/.test(fileSecret)) v.fail('fileSecret', 'is not a hex string');

  const seqs = v.record(doc.sequences, 'sequences');
  const sequences = Object.fromEntries(SEQUENCE_NAMES.map((name) => [name, v.int(seqs[name], `sequences.${name}`)])) as Record<SequenceName, number>;

  const rows = (key: 'deals' | 'contacts'): Row[] => {
    const seen = new Set<number>();
    return v.array(doc[key], key).map((raw, i) => {
      const row = v.record(raw, `${key}[${i}]`);
      v.unique(seen, v.rowId(row, `${key}[${i}]`), `${key}[${i}]`);
      return row;
    });
  };

  const activityIds = new Set<number>();
  const activities = v.array(doc.activities, 'activities').map((raw, i): ActivityRecord => {
    const where = `activities[${i}]`;
    const a = v.record(raw, where);
    const row = v.record(a.row, `${where}.row`);
    v.unique(activityIds, v.rowId(row, `${where}.row`), where);
    return {
      row,
      communications: v.array(a.communications, `${where}.communications`).map((c, j) => v.record(c, `${where}.communications[${j}]`)),
      fileIds: v.ints(a.fileIds, `${where}.fileIds`),
    };
  });

  const commentIds = new Set<number>();
  const comments = v.array(doc.comments, 'comments').map((raw, i): SavedComment => {
    const where = `comments[${i}]`;
    const c = v.record(raw, where);
    const id = v.int(c.id, `${where}.id`);
    v.unique(commentIds, id, where);
    return {
      id,
      entityId: v.int(c.entityId, `${where}.entityId`),
      entityType: v.string(c.entityType, `${where}.entityType`),
      created: v.date(c.created, `${where}.created`).toISOString(),
      comment: v.string(c.comment, `${where}.comment`),
      authorId: v.int(c.authorId, `${where}.authorId`),
      fileIds: v.ints(c.fileIds, `${where}.fileIds`),
    };
  });

  const fileIds = new Set<number>();
  const files = v.array(doc.files, 'files').map((raw, i): SavedFile => {
    const where = `files[${i}]`;
    const f = v.record(raw, where);
    const id = v.int(f.id, `${where}.id`);
    v.unique(fileIds, id, where);
    const size = v.int(f.size, `${where}.size`);
    return {
      id,
      fileId: v.int(f.fileId, `${where}.fileId`),
      name: v.string(f.name, `${where}.name`),
      storageId: v.int(f.storageId, `${where}.storageId`),
      parentId: v.int(f.parentId, `${where}.parentId`),
      createdBy: v.int(f.createdBy, `${where}.createdBy`),
      createdAt: v.date(f.createdAt, `${where}.createdAt`).toISOString(),
      origin: v.origin(f.origin, `${where}.origin`),
      size,
      contentBase64: v.base64(f.contentBase64, `${where}.contentBase64`, size),
    };
  });

  const userIds = new Set<number>();
  const users = v.array(doc.users, 'users').map((raw, i): SavedUser => {
    const where = `users[${i}]`;
    const u = v.record(raw, where);
    const id = v.int(u.ID, `${where}.ID`);
    v.unique(userIds, id, where);
    const user: SavedUser = {
      ID: id,
      NAME: v.string(u.NAME, `${where}.NAME`),
      LAST_NAME: v.string(u.LAST_NAME, `${where}.LAST_NAME`),
      SECOND_NAME: v.string(u.SECOND_NAME, `${where}.SECOND_NAME`),
      EMAIL: v.string(u.EMAIL, `${where}.EMAIL`),
      ACTIVE: v.boolean(u.ACTIVE, `${where}.ACTIVE`),
      UF_DEPARTMENT: v.ints(u.UF_DEPARTMENT, `${where}.UF_DEPARTMENT`),
      WORK_POSITION: v.string(u.WORK_POSITION, `${where}.WORK_POSITION`),
      createdAt: v.date(u.createdAt, `${where}.createdAt`).toISOString(),
    };
    if (u.PERSONAL_PHOTO !== undefined) user.PERSONAL_PHOTO = v.string(u.PERSONAL_PHOTO, `${where}.PERSONAL_PHOTO`);
    return user;
  });

  const sentEmails = v.array(doc.sentEmails, 'sentEmails').map((raw, i): SavedSentEmail => {
    const where = `sentEmails[${i}]`;
    const e = v.record(raw, where);
    return {
      activityId: v.int(e.activityId, `${where}.activityId`),
      ownerTypeId: v.int(e.ownerTypeId, `${where}.ownerTypeId`),
      ownerId: v.int(e.ownerId, `${where}.ownerId`),
      subject: v.string(e.subject, `${where}.subject`),
      body: v.string(e.body, `${where}.body`),
      descriptionType: v.string(e.descriptionType, `${where}.descriptionType`),
      from: e.from === null ? null : v.string(e.from, `${where}.from`),
      to: v.array(e.to, `${where}.to`).map((t, j) => v.string(t, `${where}.to[${j}]`)),
      files: v.array(e.files, `${where}.files`).map((rawFile, j) => {
        const f = v.record(rawFile, `${where}.files[${j}]`);
        return { id: v.int(f.id, `${where}.files[${j}].id`), name: v.string(f.name, `${where}.files[${j}].name`), contentBase64: v.base64(f.contentBase64, `${where}.files[${j}].contentBase64`) };
      }),
      at: v.date(e.at, `${where}.at`).toISOString(),
    };
  });

  return { format: STATE_FORMAT, version: STATE_VERSION, fileSecret, sequences, deals: rows('deals'), contacts: rows('contacts'), activities, comments, files, users, sentEmails };
}

/** Reads `file`: null when it does not exist; StateFileError when it exists but is unusable. */
export async function readStateFile(file: string): Promise<SavedState | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new StateFileError(file, `it cannot be read (${err instanceof Error ? err.message : String(err)})`);
  }
  return parseState(text, file);
}

/** Replaces the portal's data with a loaded state. Counters never fall behind the ids present. */
export function applyState(portal: Portal, state: SavedState): void {
  const store = portal.store;
  store.clear();
  portal.fileSecret = Buffer.from(state.fileSecret, 'hex');
  for (const row of state.deals) store.deals.set(Number(row.ID), row);
  for (const row of state.contacts) store.contacts.set(Number(row.ID), row);
  for (const record of state.activities) store.activities.set(Number(record.row.ID), record);
  for (const c of state.comments) {
    const record: CommentRecord = { ...c, created: new Date(c.created) };
    store.comments.set(record.id, record);
  }
  for (const f of state.files) {
    store.files.set(f.id, {
      id: f.id,
      fileId: f.fileId,
      name: f.name,
      content: Buffer.from(f.contentBase64, 'base64'),
      storageId: f.storageId,
      parentId: f.parentId,
      createdBy: f.createdBy,
      createdAt: new Date(f.createdAt),
      origin: f.origin,
    });
  }
  for (const u of state.users) {
    const user: UserRecord = { ...u, createdAt: new Date(u.createdAt) };
    store.users.set(user.ID, user);
  }
  for (const e of state.sentEmails) {
    const email: SentEmail = { ...e, files: e.files.map((f) => ({ id: f.id, name: f.name, content: Buffer.from(f.contentBase64, 'base64') })), at: new Date(e.at) };
    store.sentEmails.push(email);
  }

  for (const name of SEQUENCE_NAMES) store[name].restore(state.sequences[name]);
  const bumpAll = (name: SequenceName, ids: Iterable<number>): void => {
    for (const id of ids) store[name].bump(id);
  };
  bumpAll('dealIds', store.deals.keys());
  bumpAll('contactIds', store.contacts.keys());
  bumpAll('activityIds', store.activities.keys());
  bumpAll('commentIds', store.comments.keys());
  bumpAll('diskObjectIds', store.files.keys());
  bumpAll('fileIds', [...store.files.values()].map((f) => f.fileId));
  bumpAll('userIds', store.users.keys());
}
