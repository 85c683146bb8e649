import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Fernet tokens (https://github.com/fernet/spec, the format of Python `cryptography.fernet.Fernet`):
 * base64url(0x80 | timestamp u64 | IV 16 | AES-128-CBC ciphertext | HMAC-SHA256 32); the 32-byte key is
 * signing key (first half) + encryption key (second half). Done with node:crypto: the `fernet` npm package
 * (0.4, last published 2017) pulls crypto-js 3.1, unmaintained and flagged by npm audit, for two primitives
 * Node has built in.
 */
const VERSION = 0x80;
const HEADER = 1 + 8 + 16;
const MAC = 32;

export class FernetError extends Error {}

/** A Fernet key as Python prints it (`Fernet.generate_key()`: urlsafe base64 of 32 bytes). */
export function parseFernetKey(key: string): Buffer {
  const bytes = Buffer.from(key.trim(), 'base64');
  if (bytes.length !== 32) throw new FernetError('a Fernet key is 32 bytes in urlsafe base64 (44 characters)');
  return bytes;
}

/** Whether a stored value has the shape of a Fernet token (version byte 0x80 encodes as "gAAAAA"). */
export function looksLikeFernetToken(value: string): boolean {
  return /^gAAAAA[A-Za-z0-9_-]{50,}={0,2}$/.test(value.trim());
}

export function decryptFernet(token: string, key: Buffer): string {
  const raw = Buffer.from(token.trim(), 'base64url');
  if (raw.length < HEADER + 16 + MAC || raw[0] !== VERSION || (raw.length - HEADER - MAC) % 16 !== 0) {
    throw new FernetError('not a Fernet token');
  }
  const signed = raw.subarray(0, raw.length - MAC);
  const expected = createHmac('sha256', key.subarray(0, 16)).update(signed).digest();
  if (!timingSafeEqual(expected, raw.subarray(raw.length - MAC))) throw new FernetError('Fernet signature does not match the key');
  const decipher = createDecipheriv('aes-128-cbc', key.subarray(16, 32), raw.subarray(9, HEADER));
  return Buffer.concat([decipher.update(raw.subarray(HEADER, raw.length - MAC)), decipher.final()]).toString('utf8');
}

/** Encrypts like `Fernet(key).encrypt(...)`; used by the legacy fixtures and the decoder's tests. */
export function encryptFernet(plain: string, key: Buffer, now = new Date()): string {
  const iv = randomBytes(16);
  const header = Buffer.alloc(9);
  header[0] = VERSION;
  header.writeBigUInt64BE(BigInt(Math.floor(now.getTime() / 1000)), 1);
  const cipher = createCipheriv('aes-128-cbc', key.subarray(16, 32), iv);
  const signed = Buffer.concat([header, iv, cipher.update(plain, 'utf8'), cipher.final()]);
  const mac = createHmac('sha256', key.subarray(0, 16)).update(signed).digest();
  // Python's urlsafe_b64encode keeps the padding.
  return Buffer.concat([signed, mac]).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}
