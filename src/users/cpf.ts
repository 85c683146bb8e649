import { createHmac } from 'node:crypto';
import { openText, sealText } from '../common/sealed-text';

/** Digits only. */
export function normalizeCpf(cpf: string): string {
  return cpf.replace(/\D/g, '');
}

/** Brazilian CPF check digits (seed section 8.1); rejects repeated digits such as 111.111.111-11. */
export function isValidCpf(input: string): boolean {
  if (!/^(\d{11}|\d{3}\.\d{3}\.\d{3}-\d{2})$/.test(input.trim())) return false;
  const cpf = normalizeCpf(input);
  if (/^(\d)\1{10}$/.test(cpf)) return false;
  const digits = [...cpf].map(Number);
  const checkDigit = (length: number) => {
    let sum = 0;
    for (let i = 0; i < length; i++) sum += digits[i] * (length + 1 - i);
    const rest = (sum * 10) % 11;
    return rest === 10 ? 0 : rest;
  };
  return checkDigit(9) === digits[9] && checkDigit(10) === digits[10];
}

/** A valid CPF (with check digits) for a 9-digit base number; used for seeded demo accounts. */
export function makeValidCpf(base: number): string {
  const digits = [...String(base % 1_000_000_000).padStart(9, '0')].map(Number);
  if (new Set(digits).size === 1) digits[8] = (digits[8] + 1) % 10;
  for (const length of [9, 10]) {
    let sum = 0;
    for (let i = 0; i < length; i++) sum += digits[i] * (length + 1 - i);
    const rest = (sum * 10) % 11;
    digits.push(rest === 10 ? 0 : rest);
  }
  return digits.join('');
}

/**
 * CPF at rest: AES-256-GCM ciphertext (`v1.<iv>.<tag>.<data>`, base64url) plus an HMAC-SHA256
 * of the digits for uniqueness and look-ups. The plain CPF is never stored.
 */
export class CpfCipher {
  constructor(
    private readonly encryptionKey: Buffer,
    private readonly hmacKey: Buffer,
  ) {}

  encrypt(cpf: string): string {
    return sealText(this.encryptionKey, normalizeCpf(cpf));
  }

  decrypt(stored: string): string {
    return openText(this.encryptionKey, stored, 'CPF');
  }

  hash(cpf: string): string {
    return createHmac('sha256', this.hmacKey).update(normalizeCpf(cpf)).digest('hex');
  }
}
