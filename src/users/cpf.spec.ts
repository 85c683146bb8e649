import { randomBytes } from 'node:crypto';
import { CpfCipher, isValidCpf, makeValidCpf, normalizeCpf } from './cpf';

describe('CPF rules', () => {
  it.each(['529.982.247-25', '52998224725', '111.444.777-35'])('accepts valid CPF %s', (cpf) => {
    expect(isValidCpf(cpf)).toBe(true);
  });

  it.each(['111.111.111-11', '00000000000', '529.982.247-24', '123', '5299822472a', '529.982.24725', ''])(
    'rejects invalid CPF %p',
    (cpf) => {
      expect(isValidCpf(cpf)).toBe(false);
    },
  );

  it('encrypts with a random IV, decrypts back, and hashes deterministically', () => {
    const cipher = new CpfCipher(randomBytes(32), randomBytes(32));
    const a = cipher.encrypt('529.982.247-25');
    const b = cipher.encrypt('52998224725');
    expect(a).not.toEqual(b);
    expect(a).not.toContain('52998224725');
    expect(cipher.decrypt(a)).toBe('52998224725');
    expect(cipher.hash('529.982.247-25')).toBe(cipher.hash('52998224725'));
    expect(normalizeCpf('529.982.247-25')).toBe('52998224725');
  });

  it('refuses a tampered ciphertext', () => {
    const cipher = new CpfCipher(randomBytes(32), randomBytes(32));
    const parts = cipher.encrypt('52998224725').split('.');
    parts[3] = Buffer.from('00000000000').toString('base64url');
    expect(() => cipher.decrypt(parts.join('.'))).toThrow();
  });
});

describe('makeValidCpf', () => {
  it.each([0, 1, 123456789, 999999999, 111111111])('makes a valid CPF from %p', (base) => {
    expect(isValidCpf(makeValidCpf(base))).toBe(true);
  });
});
