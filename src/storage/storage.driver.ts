import { DomainError } from '../common/domain-error';

/** What the app needs from object storage; S3 (MinIO) in deployments, local disk in the embedded default. */
export abstract class StorageDriver {
  abstract put(key: string, body: Buffer, contentType?: string): Promise<void>;
  abstract get(key: string): Promise<Buffer>;
  abstract delete(key: string): Promise<void>;
  /** A GET URL valid `ttlSeconds` from `signedAt` (default now); computing it does not touch the network. */
  abstract presignedGetUrl(key: string, ttlSeconds: number, signedAt?: Date): Promise<string>;
  /** Creates the bucket/folder when missing (idempotent). */
  abstract ensureReady(): Promise<void>;
  /** Cheap round trip used by /health/ready. */
  abstract ping(): Promise<void>;
}

/** Raised when object storage fails (mapped to 502 by common/domain-error.mapper.ts). */
export class StorageUnavailableError extends DomainError {
  override readonly domainCode = 'STORAGE_UNAVAILABLE';

  constructor(operation: string, cause?: unknown) {
    super('Falha ao acessar o armazenamento de arquivos (S3). Tente novamente.', {
      summary: 'Falha no armazenamento de arquivos',
      logMessage: `Storage ${operation} failed`,
      cause,
    });
  }
}
