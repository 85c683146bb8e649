import { ListObjectsCommand, S3Client } from '@aws-sdk/client-s3';
import fs from 'node:fs';
import path from 'node:path';
import { AppConfig } from '../config/app-config';

/** Which object keys exist in the storage the old rows point to (MinIO in production). */
export interface LegacyObjectStore {
  readonly description: string;
  /** Every key in the bucket; one listing call per 1,000 keys instead of one HEAD per row. */
  listKeys(onPage?: (count: number) => void): Promise<Set<string>>;
}

export class S3LegacyObjectStore implements LegacyObjectStore {
  private readonly client: S3Client;
  readonly description: string;

  constructor(private readonly config: AppConfig['storage']) {
    this.client = new S3Client({
      region: config.region,
      endpoint: config.endpoint,
      forcePathStyle: config.forcePathStyle,
      credentials: config.accessKey && config.secretKey ? { accessKeyId: config.accessKey, secretAccessKey: config.secretKey } : undefined,
      maxAttempts: 3,
    });
    this.description = `S3 bucket ${config.bucket}`;
  }

  async listKeys(onPage?: (count: number) => void): Promise<Set<string>> {
    const keys = new Set<string>();
    // ListObjects (v1) paged by Marker = last key: MinIO and AWS answer it, and so does s3rver, whose V2
    // continuation tokens fail on OpenSSL 3 (ERR_OSSL_EVP_UNSUPPORTED).
    let marker: string | undefined;
    try {
      for (;;) {
        const page = await this.client.send(new ListObjectsCommand({ Bucket: this.config.bucket, Marker: marker, MaxKeys: 1000 }));
        const contents = page.Contents ?? [];
        for (const object of contents) if (object.Key) keys.add(object.Key);
        onPage?.(keys.size);
        marker = page.NextMarker ?? contents[contents.length - 1]?.Key;
        if (!page.IsTruncated || !marker) break;
      }
    } catch (error) {
      throw new Error(`cannot list the ${this.description}: ${(error as Error).name}: ${(error as Error).message}`, { cause: error });
    } finally {
      this.client.destroy();
    }
    return keys;
  }
}

/** The embedded default's storage (STORAGE_DRIVER=local): keys are paths under STORAGE_LOCAL_DIR. */
export class LocalLegacyObjectStore implements LegacyObjectStore {
  readonly description: string;

  constructor(private readonly root: string) {
    this.description = `directory ${root}`;
  }

  async listKeys(): Promise<Set<string>> {
    const keys = new Set<string>();
    const root = path.resolve(this.root);
    if (!fs.existsSync(root)) return keys;
    for (const entry of await fs.promises.readdir(root, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) keys.add(path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
    }
    return keys;
  }
}

export function legacyObjectStoreFor(config: AppConfig): LegacyObjectStore {
  return config.storage.driver === 'local' ? new LocalLegacyObjectStore(config.storage.localDir) : new S3LegacyObjectStore(config.storage);
}
