/** The part of `http_ece` (RFC 8188 encrypted content-encoding; no types of its own) the push service harness uses. */
declare module 'http_ece' {
  import type { ECDH } from 'node:crypto';

  export interface DecryptParams {
    version: 'aes128gcm' | 'aesgcm' | 'aesgcm128';
    /** The receiver's ECDH key pair (the browser's, for Web Push). */
    privateKey?: ECDH;
    /** The subscription's authentication secret (bytes, or base64url text). */
    authSecret?: Buffer | string;
    key?: Buffer | string;
    keyid?: Buffer | string;
    dh?: Buffer | string;
  }

  export function decrypt(buffer: Buffer, params: DecryptParams): Buffer;
}
