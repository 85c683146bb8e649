import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { randomUUID } from 'node:crypto';
import { StorageDriver } from './storage.driver';

export const ATTACHMENT_URL_TTL_SECONDS = 2 * 3600;
export const AVATAR_URL_TTL_SECONDS = 168 * 3600;

/**
 * Presigned URLs are signed as of the start of a 30-minute period, so a key's URL is the same for the whole period
 * and is signed once (issue 18: signing was about a third of the app's CPU on full listings). A URL handed out is valid for its TTL
 * minus at most 30 minutes (an attachment's: 1 h 30 to 2 h). The listings' ETag carries the same period.
 */
export const PRESIGN_PERIOD_MS = 30 * 60 * 1000;
export const presignPeriod = (now = Date.now()): number => Math.floor(now / PRESIGN_PERIOD_MS);
/** URLs kept: ~400 bytes each; a full listing of 200 tickets × 5 activities needs ~200–1,200. */
const PRESIGNED_URLS_KEPT = 20_000;

/** Keeps a file name readable but harmless: no paths, no control characters, bounded length. */
export function sanitizeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f"<>|:*?]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '');
  const limited = cleaned.length > 180 ? cleaned.slice(cleaned.length - 180) : cleaned;
  return limited || 'arquivo';
}

/** Object storage for attachments and avatars. Keys are unique: `<prefix>/<uuid>/<safe-name>`. */
@Injectable()
export class StorageService {
  private readonly presigned = new LRUCache<string, Promise<string>>({ max: PRESIGNED_URLS_KEPT });

  constructor(private readonly driver: StorageDriver) {}

  /** Stores bytes under a fresh unique key and returns the key. Failures throw StorageUnavailableError. */
  async upload(prefix: 'attachments' | 'avatars', filename: string, body: Buffer, contentType?: string): Promise<string> {
    const key = `${prefix}/${randomUUID()}/${sanitizeFilename(filename)}`;
    await this.driver.put(key, body, contentType);
    return key;
  }

  async download(key: string): Promise<Buffer> {
    return this.driver.get(key);
  }

  /** Best-effort removal (clean-up after a failed operation); never throws. */
  async remove(key: string): Promise<boolean> {
    try {
      await this.driver.delete(key);
      return true;
    } catch {
      return false;
    }
  }

  /** The key's URL of the current presigning period (see PRESIGN_PERIOD_MS), signed once per period. */
  presignedUrl(key: string | null | undefined, ttlSeconds = ATTACHMENT_URL_TTL_SECONDS): Promise<string | null> {
    if (!key) return Promise.resolve(null);
    const period = presignPeriod();
    const cacheKey = `${period}:${ttlSeconds}:${key}`;
    let url = this.presigned.get(cacheKey);
    if (!url) {
      url = this.driver.presignedGetUrl(key, ttlSeconds, new Date(period * PRESIGN_PERIOD_MS));
      this.presigned.set(cacheKey, url);
      url.catch(() => this.presigned.delete(cacheKey));
    }
    return url;
  }

  ping(): Promise<void> {
    return this.driver.ping();
  }
}
