/** In-memory portal data (saved to disk only with the `stateFile` option, see state-file.ts). Rows are kept in their wire shape (string scalars, null for missing). */
export type Row = Record<string, unknown>;

export interface ActivityRecord {
  row: Row;
  communications: Row[];
  fileIds: number[];
}

export interface CommentRecord {
  id: number;
  entityId: number;
  entityType: string;
  created: Date;
  comment: string;
  authorId: number;
  fileIds: number[];
}

export interface StoredFile {
  /** Disk object id: the id used by disk.file.get, comment FILES keys and activity FILES `id`. */
  id: number;
  /** b_file id (FILE_ID in disk answers); a different number space, as on a real portal. */
  fileId: number;
  name: string;
  content: Buffer;
  storageId: number;
  parentId: number;
  createdBy: number;
  createdAt: Date;
  origin: 'disk' | 'comment' | 'activity';
}

export interface UserRecord {
  ID: number;
  NAME: string;
  LAST_NAME: string;
  SECOND_NAME: string;
  EMAIL: string;
  ACTIVE: boolean;
  UF_DEPARTMENT: number[];
  PERSONAL_PHOTO?: string;
  WORK_POSITION: string;
  createdAt: Date;
}

export interface SentEmail {
  activityId: number;
  ownerTypeId: number;
  ownerId: number;
  subject: string;
  body: string;
  descriptionType: string;
  from: string | null;
  to: string[];
  files: Array<{ id: number; name: string; content: Buffer }>;
  at: Date;
}

class Sequence {
  private current: number;
  constructor(private readonly first: number) {
    this.current = first - 1;
  }
  next(): number {
    this.current += 1;
    return this.current;
  }
  /** Makes sure later ids stay above an explicitly chosen one. */
  bump(id: number): void {
    if (id > this.current) this.current = id;
  }
  reset(): void {
    this.current = this.first - 1;
  }
  /** The last id handed out (first - 1 when none yet); used by the state file. */
  get last(): number {
    return this.current;
  }
  /** Restores a saved counter; it never goes below the start of the range. */
  restore(last: number): void {
    this.current = Math.max(last, this.first - 1);
  }
}

/** The id counters, by the name the state file uses. */
export const SEQUENCE_NAMES = ['dealIds', 'contactIds', 'activityIds', 'commentIds', 'diskObjectIds', 'fileIds', 'multifieldIds', 'userIds'] as const;
export type SequenceName = (typeof SEQUENCE_NAMES)[number];

/** Distinct id ranges per entity, so a client that mixes up ids gets "not found" instead of luck. */
export class PortalStore {
  readonly deals = new Map<number, Row>();
  readonly contacts = new Map<number, Row>();
  readonly activities = new Map<number, ActivityRecord>();
  readonly comments = new Map<number, CommentRecord>();
  readonly files = new Map<number, StoredFile>();
  readonly users = new Map<number, UserRecord>();
  readonly sentEmails: SentEmail[] = [];

  readonly dealIds = new Sequence(1001);
  readonly contactIds = new Sequence(20001);
  readonly activityIds = new Sequence(50001);
  readonly commentIds = new Sequence(70001);
  readonly diskObjectIds = new Sequence(90001);
  readonly fileIds = new Sequence(300001);
  readonly multifieldIds = new Sequence(1000001);
  readonly userIds = new Sequence(1);

  clear(): void {
    this.deals.clear();
    this.contacts.clear();
    this.activities.clear();
    this.comments.clear();
    this.files.clear();
    this.users.clear();
    this.sentEmails.length = 0;
    for (const name of SEQUENCE_NAMES) this[name].reset();
  }
}
