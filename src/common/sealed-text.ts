import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Text sealed at rest with AES-256-GCM, as `v1.<iv>.<tag>.<data>` (base64url): the one format for secrets the
 * database keeps (CPFs, OIDC provider refresh tokens). `what` names the secret in the error of a foreign format.
 */
export function sealText(key: Buffer, plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), data.toString('base64url')].join('.');
}

export function openText(key: Buffer, stored: string, what: string): string {
  const [version, iv, tag, data] = stored.split('.');
  if (version !== 'v1' || !iv || !tag || !data) throw new Error(`Unknown ${what} ciphertext format`);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
}
