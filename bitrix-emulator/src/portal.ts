import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { EventDispatcher } from './events';
import { formatPortalDate, parsePortalDate } from './format';
import { EmulatorOptions } from './options';
import { PortalStore, StoredFile } from './store';

/** A file given in-process or through the admin API. */
export interface FileInput {
  name: string;
  content: Buffer;
}

/**
 * The state and services shared by REST methods and the admin API: data, options, outbound events,
 * and the signed download links of stored files.
 */
export class Portal {
  readonly store = new PortalStore();
  readonly events: EventDispatcher;
  /** Signs download tokens; kept in the state file (when one is used) so issued URLs survive a restart. */
  fileSecret: Buffer = randomBytes(32);
  /** Set once the server listens (`http://127.0.0.1:port`). */
  baseUrl = '';

  constructor(readonly options: EmulatorOptions) {
    this.events = new EventDispatcher(() => this.options);
  }

  get offset(): number {
    return this.options.utcOffsetMinutes;
  }

  formatDate(date: Date): string {
    return formatPortalDate(date, this.offset);
  }

  parseDate(value: unknown): Date | null {
    return parsePortalDate(value, this.offset);
  }

  emit(event: string, data: Record<string, unknown>): void {
    this.events.emit(event, data);
  }

  storeFile(input: FileInput, origin: StoredFile['origin'], createdBy: number, location: { storageId: number; parentId: number }): StoredFile {
    const file: StoredFile = {
      id: this.store.diskObjectIds.next(),
      fileId: this.store.fileIds.next(),
      name: input.name,
      content: Buffer.from(input.content),
      storageId: location.storageId,
      parentId: location.parentId,
      createdBy,
      createdAt: new Date(),
      origin,
    };
    this.store.files.set(file.id, file);
    return file;
  }

  /** `disk|<id>|<hmac>`: the only thing the download routes trust. */
  fileToken(fileId: number): string {
    return `disk|${fileId}|${this.signature(fileId)}`;
  }

  /** Resolves a download token to its file, or null for a forged/unknown one. */
  fileFromToken(token: string | null): StoredFile | null {
    const m = token ? /^disk\|(\d+)\|([0-9a-f]+)$/.exec(token) : null;
    if (!m) return null;
    const id = Number(m[1]);
    const expected = Buffer.from(this.signature(id));
    const given = Buffer.from(m[2]);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    return this.store.files.get(id) ?? null;
  }

  /**
   * disk.file.get / disk.*.uploadfile DOWNLOAD_URL in a webhook portal's shape,
   * `https://<portal>/rest/<user>/<webhook-code>/download/?token=...`: it embeds the webhook secret.
   */
  diskDownloadUrl(file: StoredFile): string {
    const { webhookUserId, webhookCode } = this.options;
    return `${this.baseUrl}/rest/${webhookUserId}/${webhookCode}/download/?token=${encodeURIComponent(this.fileToken(file.id))}`;
  }

  /** Timeline comment FILES[..].urlDownload. */
  commentDownloadUrl(file: StoredFile): string {
    return `${this.baseUrl}/disk/downloadFile/${file.id}/?&ncc=1&filename=${encodeURIComponent(file.name)}&token=${encodeURIComponent(this.fileToken(file.id))}`;
  }

  /** Timeline comment FILES[..].urlShow (same bytes, served inline). */
  commentShowUrl(file: StoredFile): string {
    return `${this.baseUrl}/disk/showFile/${file.id}/?&ncc=1&filename=${encodeURIComponent(file.name)}&token=${encodeURIComponent(this.fileToken(file.id))}`;
  }

  /** Activity FILES[..].url. */
  activityFileUrl(file: StoredFile, activityId: number): string {
    return `${this.baseUrl}/bitrix/tools/crm_show_file.php?fileId=${file.id}&ownerTypeId=6&ownerId=${activityId}&auth=&token=${encodeURIComponent(this.fileToken(file.id))}`;
  }

  private signature(id: number): string {
    return createHmac('sha256', this.fileSecret).update(`file:${id}`).digest('hex').slice(0, 32);
  }
}
