/** In-memory portal data. Rows are kept in their wire shape (string scalars, null for missing). */
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
}

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
    for (const seq of [this.dealIds, this.contactIds, this.activityIds, this.commentIds, this.diskObjectIds, this.fileIds, this.multifieldIds, this.userIds]) {
      seq.reset();
    }
  }
}
