import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { AppConfig } from '../config/app-config';
import { StorageDriver, StorageUnavailableError } from './storage.driver';

/** S3 protocol driver (MinIO, AWS, s3rver in tests). */
export class S3StorageDriver extends StorageDriver {
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(config: AppConfig['storage']) {
    super();
    this.bucket = config.bucket;
    this.client = new S3Client({
      region: config.region,
      endpoint: config.endpoint,
      forcePathStyle: config.forcePathStyle,
      credentials:
        config.accessKey && config.secretKey
          ? { accessKeyId: config.accessKey, secretAccessKey: config.secretKey }
          : undefined,
      maxAttempts: 3,
    });
  }

  async put(key: string, body: Buffer, contentType?: string): Promise<void> {
    await this.wrap('upload', () =>
      this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType })),
    );
  }

  async get(key: string): Promise<Buffer> {
    return this.wrap('download', async () => {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return Buffer.from(await out.Body!.transformToByteArray());
    });
  }

  async delete(key: string): Promise<void> {
    await this.wrap('delete', () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })));
  }

  presignedGetUrl(key: string, ttlSeconds: number): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: ttlSeconds });
  }

  async ensureReady(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch {
      await this.wrap('create bucket', () => this.client.send(new CreateBucketCommand({ Bucket: this.bucket })));
    }
  }

  async ping(): Promise<void> {
    await this.wrap('ping', () => this.client.send(new HeadBucketCommand({ Bucket: this.bucket })));
  }

  private async wrap<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw new StorageUnavailableError(operation, error);
    }
  }
}
