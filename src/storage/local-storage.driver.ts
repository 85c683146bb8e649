import { createHmac, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { StorageDriver, StorageUnavailableError } from './storage.driver';

/**
 * Files on local disk, for the embedded default. Presigned URLs point at this API's
 * `GET /files/{key}?expires=&signature=` route, signed with HMAC like an S3 URL.
 */
export class LocalStorageDriver extends StorageDriver {
  private readonly root: string;

  constructor(
    rootDir: string,
    private readonly publicUrl: string,
    private readonly signingKey: string,
  ) {
    super();
    this.root = path.resolve(rootDir);
  }

  async put(key: string, body: Buffer): Promise<void> {
    const file = this.pathOf(key);
    try {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(file, body);
    } catch (error) {
      throw new StorageUnavailableError('upload', error);
    }
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await fs.readFile(this.pathOf(key));
    } catch (error) {
      throw new StorageUnavailableError('download', error);
    }
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.pathOf(key), { force: true });
  }

  async presignedGetUrl(key: string, ttlSeconds: number, signedAt = new Date()): Promise<string> {
    const expires = Math.floor(signedAt.getTime() / 1000) + ttlSeconds;
    const encodedKey = key.split('/').map(encodeURIComponent).join('/');
    return `${this.publicUrl}/files/${encodedKey}?expires=${expires}&signature=${this.sign(key, expires)}`;
  }

  /** Checks a URL made by presignedGetUrl; false when expired or tampered with. */
  verify(key: string, expires: number, signature: string): boolean {
    if (!Number.isFinite(expires) || expires < Date.now() / 1000) return false;
    const expected = Buffer.from(this.sign(key, expires));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  async ensureReady(): Promise<void> {
    await fs.mkdir(this.root, { recursive: true });
  }

  async ping(): Promise<void> {
    try {
      await fs.access(this.root);
    } catch (error) {
      throw new StorageUnavailableError('ping', error);
    }
  }

  private sign(key: string, expires: number): string {
    return createHmac('sha256', this.signingKey).update(`${key}\n${expires}`).digest('hex');
  }

  /** Resolves a key inside the root; a key that would escape it is refused. */
  private pathOf(key: string): string {
    const file = path.resolve(this.root, key);
    if (!file.startsWith(this.root + path.sep)) throw new StorageUnavailableError('path check');
    return file;
  }
}
