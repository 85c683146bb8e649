import { normalizeCpf } from '../users/cpf';
import { decryptFernet, looksLikeFernetToken, parseFernetKey } from './fernet-token';

/**
 * One way the FastAPI system may have stored `users.cpf` (the seed says only "criptografado" in a
 * String(128)). Adding a scheme is one class: say which stored values are yours and how to read them.
 */
export interface LegacyCpfDecoder {
  readonly scheme: string;
  /** Whether `stored` has this scheme's shape (cheap, no key needed). */
  matches(stored: string): boolean;
  /** The CPF's 11 digits; throws when the value cannot be read (wrong key, corrupt). */
  decode(stored: string): string;
}

/** A CPF kept in clear, as digits (`12345678909`) or formatted (`123.456.789-09`). */
export class PlainCpfDecoder implements LegacyCpfDecoder {
  readonly scheme = 'plain';

  matches(stored: string): boolean {
    return /^\s*(\d{11}|\d{3}\.\d{3}\.\d{3}-\d{2})\s*$/.test(stored);
  }

  decode(stored: string): string {
    return normalizeCpf(stored);
  }
}

/** Python `cryptography.fernet.Fernet(key).encrypt(cpf.encode())`, key from LEGACY_CPF_FERNET_KEY. */
export class FernetCpfDecoder implements LegacyCpfDecoder {
  readonly scheme = 'fernet';
  private readonly key?: Buffer;

  constructor(key: string | undefined) {
    this.key = key ? parseFernetKey(key) : undefined;
  }

  matches(stored: string): boolean {
    return looksLikeFernetToken(stored);
  }

  decode(stored: string): string {
    if (!this.key) throw new Error('LEGACY_CPF_FERNET_KEY is not set');
    return normalizeCpf(decryptFernet(stored, this.key));
  }
}

export type LegacyCpfReading = { ok: true; scheme: string; cpf: string } | { ok: false; scheme: string; reason: string };

/** Reads a legacy CPF with the first decoder whose shape matches; never guesses a value. */
export class LegacyCpfReader {
  constructor(private readonly decoders: LegacyCpfDecoder[]) {}

  static fromEnv(env: Record<string, string | undefined>): LegacyCpfReader {
    return new LegacyCpfReader([new PlainCpfDecoder(), new FernetCpfDecoder(env.LEGACY_CPF_FERNET_KEY)]);
  }

  get schemes(): string[] {
    return this.decoders.map((d) => d.scheme);
  }

  read(stored: string | null): LegacyCpfReading {
    if (stored === null || stored.trim() === '') return { ok: false, scheme: 'unknown', reason: 'empty' };
    const decoder = this.decoders.find((d) => d.matches(stored));
    if (!decoder) return { ok: false, scheme: 'unknown', reason: 'unrecognised format' };
    let cpf: string;
    try {
      cpf = decoder.decode(stored);
    } catch (error) {
      return { ok: false, scheme: decoder.scheme, reason: (error as Error).message };
    }
    if (!/^\d{11}$/.test(cpf)) return { ok: false, scheme: decoder.scheme, reason: 'decoded value is not 11 digits' };
    return { ok: true, scheme: decoder.scheme, cpf };
  }
}
