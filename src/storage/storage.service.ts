import { BadGatewayException, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { StorageDriver, StorageUnavailableError } from './storage.driver';

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

  /** Stores bytes under a fresh unique key and returns the key. Failures become 502. */
  async upload(prefix: 'attachments' | 'avatars', filename: string, body: Buffer, contentType?: string): Promise<string> {
    const key = `${prefix}/${randomUUID()}/${sanitizeFilename(filename)}`;
    try {
      await this.driver.put(key, body, contentType);
    } catch (error) {
      throw this.toHttp(error);
    }
    return key;
  }

  async download(key: string): Promise<Buffer> {
    try {
      return await this.driver.get(key);
    } catch (error) {
      throw this.toHttp(error);
    }
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

  private toHttp(error: unknown): Error {
    if (error instanceof StorageUnavailableError) {
      return new BadGatewayException({
        message: 'Falha no armazenamento de arquivos',
        detail: 'Falha ao acessar o armazenamento de arquivos (S3). Tente novamente.',
      });
    }
    return error as Error;
  }
}
