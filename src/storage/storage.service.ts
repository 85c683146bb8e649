import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { StorageDriver } from './storage.driver';

export const ATTACHMENT_URL_TTL_SECONDS = 2 * 3600;
export const AVATAR_URL_TTL_SECONDS = 168 * 3600;

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

  presignedUrl(key: string | null | undefined, ttlSeconds = ATTACHMENT_URL_TTL_SECONDS): Promise<string | null> {
    if (!key) return Promise.resolve(null);
    return this.driver.presignedGetUrl(key, ttlSeconds);
  }

  ping(): Promise<void> {
    return this.driver.ping();
  }
}
