import { ECDH, createECDH } from 'node:crypto';

/**
 * The key formats of Web Push (RFC 8291 §3, RFC 8292 §3.2): base64url text, no padding needed. One place for
 * the subscription DTO, the sender and the VAPID settings.
 */
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

/** The bytes of a base64url text, or null when it is not base64url. */
export function base64UrlBytes(text: unknown): Buffer | null {
  return typeof text === 'string' && BASE64URL.test(text) ? Buffer.from(text.replace(/=+$/, ''), 'base64url') : null;
}

/** A P-256 public key as Web Push sends it: 65 bytes, uncompressed (0x04 ‖ X ‖ Y), a point on the curve. */
export function isP256PublicKey(text: string): boolean {
  const bytes = base64UrlBytes(text);
  if (!bytes || bytes.length !== 65 || bytes[0] !== 0x04) return false;
  try {
    ECDH.convertKey(bytes, 'prime256v1', undefined, undefined, 'uncompressed');
    return true;
  } catch {
    return false;
  }
}

/** The subscription's authentication secret: 16 bytes (RFC 8291 §3.2). */
export function isAuthSecret(text: string): boolean {
  return base64UrlBytes(text)?.length === 16;
}

/**
 * Why a VAPID key pair is unusable (settings messages, English like the other ones), or null when the private
 * key (32 bytes) is the one of the public key (65 bytes, uncompressed P-256).
 */
export function vapidKeyPairProblem(publicKey: string, privateKey: string): string | null {
  if (!isP256PublicKey(publicKey)) return 'VAPID_PUBLIC_KEY: must be a base64url uncompressed P-256 public key (65 bytes), as web-push generate-vapid-keys prints it';
  const secret = base64UrlBytes(privateKey);
  if (!secret || secret.length !== 32) return 'VAPID_PRIVATE_KEY: must be a base64url P-256 private key (32 bytes)';
  const ecdh = createECDH('prime256v1');
  try {
    ecdh.setPrivateKey(secret);
  } catch {
    return 'VAPID_PRIVATE_KEY: not a valid P-256 private key';
  }
  return ecdh.getPublicKey().equals(base64UrlBytes(publicKey)!) ? null : 'VAPID_PUBLIC_KEY: is not the public key of VAPID_PRIVATE_KEY';
}
