import { hkdfSync } from 'node:crypto';
import { openText, sealText } from '../../common/sealed-text';

/**
 * AES-256-GCM for the provider refresh tokens kept on OIDC sessions (`v1.<iv>.<tag>.<data>`, base64url).
 * The key is derived (HKDF-SHA256) from CPF_ENCRYPTION_KEY with its own label, so no new secret is needed and a
 * token ciphertext can never be decrypted as a CPF or the other way round.
 */
export class TokenCipher {
  private readonly key: Buffer;

  constructor(masterKey: Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'carvalima-helpdesk oidc refresh token v1', 32));
  }

  encrypt(plain: string): string {
    return sealText(this.key, plain);
  }

  decrypt(stored: string): string {
    return openText(this.key, stored, 'token');
  }
}
