import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { BitrixClient } from './bitrix.client';
import { BitrixFileRef } from './bitrix-activity.mapper';
import { BitrixError, BitrixUnavailableError } from './bitrix.errors';
import { BitrixDiskFile } from './bitrix.types';

export interface BitrixFileContent {
  name: string;
  bytes: Buffer;
  contentType: string | null;
}

/** Markers of the portal's authorization form (`form_auth`, AUTH_FORM, USER_LOGIN/USER_PASSWORD fields). */
const LOGIN_FORM_MARKERS = /name=["']?(form_auth|AUTH_FORM|USER_PASSWORD|USER_LOGIN)\b|bx-login|\/auth\/\?/i;

/**
 * True when a file link answered the portal's login page instead of the file (the link needs a browser session:
 * reference §2.5, §5). An HTML answer for a file that is not HTML is one; for an `.html` attachment, only an
 * answer that holds the authorization form is.
 */
export function isPortalLoginPage(content: Pick<BitrixFileContent, 'contentType' | 'bytes' | 'name'>, expectedName: string | null = null): boolean {
  if (!(content.contentType ?? '').toLowerCase().includes('text/html')) return false;
  const name = expectedName ?? content.name;
  if (!/\.html?$/i.test(name)) return true;
  return LOGIN_FORM_MARKERS.test(content.bytes.subarray(0, 64 * 1024).toString('utf8'));
}

/** Bitrix Disk (reference §2.6): ticket attachments are uploaded to `config.bitrix.diskStorageId`. */
@Injectable()
export class BitrixDisk {
  private readonly logger = new Logger(BitrixDisk.name);

  constructor(
    private readonly client: BitrixClient,
    private readonly config: AppConfig,
  ) {}

  /**
   * `disk.storage.uploadfile` with `fileContent: [name, base64]`. `generateUniqueName` avoids the portal's
   * "name already exists" error when two tickets attach `screenshot.png`. Not retried after an ambiguous failure.
   */
  async uploadFile(name: string, bytes: Buffer | Uint8Array, options: { storageId?: string | number } = {}): Promise<BitrixDiskFile> {
    const safeName = name.trim() || 'arquivo';
    return this.client.call<BitrixDiskFile>('disk.storage.uploadfile', {
      id: options.storageId ?? this.config.bitrix.diskStorageId,
      data: { NAME: safeName },
      fileContent: [safeName, Buffer.from(bytes).toString('base64')],
      generateUniqueName: true,
    });
  }

  /** `disk.file.get` (BitrixNotFoundError when missing). */
  async getFile(diskFileId: number | string): Promise<BitrixDiskFile> {
    return this.client.call<BitrixDiskFile>('disk.file.get', { id: diskFileId });
  }

  /** Bytes of a Disk file: `disk.file.get`, then a plain GET of its DOWNLOAD_URL. */
  async downloadFile(diskFileId: number | string, options: { maxBytes?: number } = {}): Promise<BitrixFileContent> {
    const file = await this.getFile(diskFileId);
    if (!file.DOWNLOAD_URL) throw new BitrixUnavailableError({ method: 'disk.file.get', code: 'NO_DOWNLOAD_URL' }, 'Arquivo do Bitrix24 sem link de download');
    const downloaded = await this.client.download(file.DOWNLOAD_URL, { label: 'disk.download', maxBytes: options.maxBytes });
    return { name: file.NAME || downloaded.fileName || `arquivo-${diskFileId}`, bytes: downloaded.bytes, contentType: downloaded.contentType };
  }

  /** Bytes behind a portal link (comment `urlDownload`, activity FILES `url`). */
  async downloadUrl(url: string, options: { fallbackName?: string; maxBytes?: number } = {}): Promise<BitrixFileContent> {
    const downloaded = await this.client.download(url, { label: 'file.download', maxBytes: options.maxBytes });
    return { name: downloaded.fileName || options.fallbackName || 'arquivo', bytes: downloaded.bytes, contentType: downloaded.contentType };
  }

  /**
   * A file of an activity or comment: first its own link; if that link needs a browser session (login page,
   * 401/403/404), falls back to `disk.file.get` with its id and downloads its DOWNLOAD_URL (the seed's approach).
   * The activity/comment mirror calls this for every FILES entry (webhook/activity-mirror.service.ts).
   */
  async downloadAttachment(file: BitrixFileRef, options: { maxBytes?: number } = {}): Promise<BitrixFileContent> {
    if (file.url) {
      try {
        const content = await this.downloadUrl(file.url, { fallbackName: file.name ?? `arquivo-${file.bitrixFileId}`, maxBytes: options.maxBytes });
        if (!isPortalLoginPage(content, file.name)) return { ...content, name: file.name ?? content.name };
        this.logger.warn(`Bitrix file ${file.bitrixFileId}: link answered an HTML page; trying disk.file.get`);
      } catch (e) {
        if (!(e instanceof BitrixError) || ![401, 403, 404].includes(e.upstreamStatus ?? 0)) throw e;
        this.logger.warn(`Bitrix file ${file.bitrixFileId}: link refused (HTTP ${e.upstreamStatus}); trying disk.file.get`);
      }
    }
    const content = await this.downloadFile(file.bitrixFileId, options);
    return { ...content, name: file.name ?? content.name };
  }
}
