import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { S3StorageDriver } from './s3-storage.driver';

describe('S3StorageDriver presigned URLs', () => {
  const settings = {
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9000',
    accessKey: 'minio-access',
    secretKey: 'minio-secret-key',
    bucket: 'anexos-email-bitrix',
    forcePathStyle: true,
    localDir: '',
    driver: 's3' as const,
  };
  const sdkClient = new S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: settings.accessKey, secretAccessKey: settings.secretKey },
  });
  const signingDate = new Date('2026-11-29T12:00:00Z');

  it.each([
    'attachments/5f0c1b8e-1111-4a2b-9c3d-123456789abc/screenshot.png',
    'attachments/5f0c1b8e-1111-4a2b-9c3d-123456789abc/relatório final (1).pdf',
    "avatars/aa/o'neil !*~_-.jpg",
    'attachments/x/espaço + símbolos & = ? #.txt',
  ])('signs %p exactly as the SDK does', async (key) => {
    const driver = new S3StorageDriver(settings);
    const expected = await getSignedUrl(sdkClient, new GetObjectCommand({ Bucket: settings.bucket, Key: key }), { expiresIn: 7200, signingDate });
    await expect(driver.presignedGetUrl(key, 7200, signingDate)).resolves.toBe(expected);
  });

  it('signs different keys and lifetimes differently', async () => {
    const driver = new S3StorageDriver(settings);
    const a = await driver.presignedGetUrl('attachments/a.txt', 7200, signingDate);
    expect(a).toContain('X-Amz-Expires=7200');
    expect(await driver.presignedGetUrl('attachments/b.txt', 7200, signingDate)).not.toBe(a);
    expect(await driver.presignedGetUrl('attachments/a.txt', 604800, signingDate)).toContain('X-Amz-Expires=604800');
  });
});
