/** What the app needs from object storage; S3 (MinIO) in deployments, local disk in the embedded default. */
export abstract class StorageDriver {
  abstract put(key: string, body: Buffer, contentType?: string): Promise<void>;
  abstract get(key: string): Promise<Buffer>;
  abstract delete(key: string): Promise<void>;
  /** A time-limited GET URL; computing it does not touch the network. */
  abstract presignedGetUrl(key: string, ttlSeconds: number): Promise<string>;
  /** Creates the bucket/folder when missing (idempotent). */
  abstract ensureReady(): Promise<void>;
  /** Cheap round trip used by /health/ready. */
  abstract ping(): Promise<void>;
}

/** Raised when object storage fails; the HTTP layer answers 502. */
export class StorageUnavailableError extends Error {
  constructor(operation: string, cause?: unknown) {
    super(`Storage ${operation} failed`, { cause });
  }
}
