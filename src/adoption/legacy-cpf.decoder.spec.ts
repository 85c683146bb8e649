import { randomBytes } from 'node:crypto';
import { decryptFernet, encryptFernet, looksLikeFernetToken, parseFernetKey } from './fernet-token';
import { FernetCpfDecoder, LegacyCpfReader, PlainCpfDecoder } from './legacy-cpf.decoder';

// Made by Python `cryptography` 48: k = Fernet.generate_key(); Fernet(k).encrypt(b"529.982.247-25").
const PYTHON_KEY = 'nwk_4FoR1VPdWvCLRw9HyO0-xfTO7PnpIykbXDh8SMM=';
const PYTHON_TOKEN = 'gAAAAABrD7D5-wn8dOYjhtOz428ST0Pk-pnAl39YY4yi68bEBqTcvf5Yj6yCSDu7GcKsvjQ5fiRBjZs9xwR5d3wxgw8qX3FU4w==';

describe('Fernet tokens', () => {
  it('decrypts a token made by Python cryptography', () => {
    expect(decryptFernet(PYTHON_TOKEN, parseFernetKey(PYTHON_KEY))).toBe('529.982.247-25');
  });

  it('round-trips its own tokens, in the padded urlsafe form Python writes', () => {
    const key = randomBytes(32);
    const token = encryptFernet('12345678909', key);
    expect(token).toMatch(/^gAAAAA[A-Za-z0-9_-]+=*$/);
    expect(looksLikeFernetToken(token)).toBe(true);
    expect(decryptFernet(token, key)).toBe('12345678909');
  });

  it('refuses a token signed with another key or tampered with', () => {
    expect(() => decryptFernet(PYTHON_TOKEN, randomBytes(32))).toThrow(/signature/);
    const tampered = PYTHON_TOKEN.slice(0, 40) + (PYTHON_TOKEN[40] === 'A' ? 'B' : 'A') + PYTHON_TOKEN.slice(41);
    expect(() => decryptFernet(tampered, parseFernetKey(PYTHON_KEY))).toThrow();
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => parseFernetKey('c2hvcnQ=')).toThrow(/32 bytes/);
  });
});

describe('LegacyCpfReader', () => {
  const reader = new LegacyCpfReader([new PlainCpfDecoder(), new FernetCpfDecoder(PYTHON_KEY)]);

  it.each([
    ['52998224725', 'plain'],
    ['529.982.247-25', 'plain'],
    [PYTHON_TOKEN, 'fernet'],
  ])('reads %s as %s', (stored, scheme) => {
    expect(reader.read(stored)).toEqual({ ok: true, scheme, cpf: '52998224725' });
  });

  it.each([
    ['', 'empty'],
    ['5299822472', 'unrecognised format'],
    ['v1.abc.def.ghi', 'unrecognised format'],
  ])('reports %j as unreadable (%s), never guessing', (stored, reason) => {
    expect(reader.read(stored)).toMatchObject({ ok: false, reason });
  });

  it('reports a Fernet CPF as unreadable when the key is missing or wrong', () => {
    const noKey = new LegacyCpfReader([new PlainCpfDecoder(), new FernetCpfDecoder(undefined)]);
    expect(noKey.read(PYTHON_TOKEN)).toEqual({ ok: false, scheme: 'fernet', reason: 'LEGACY_CPF_FERNET_KEY is not set' });
    const wrongKey = new LegacyCpfReader([new FernetCpfDecoder(randomBytes(32).toString('base64url'))]);
    expect(wrongKey.read(PYTHON_TOKEN)).toMatchObject({ ok: false, scheme: 'fernet', reason: expect.stringMatching(/signature/) });
  });

  it('takes another scheme as one more decoder', () => {
    const reversed = { scheme: 'reversed', matches: (s: string) => s.startsWith('r:'), decode: (s: string) => [...s.slice(2)].reverse().join('') };
    expect(new LegacyCpfReader([reversed]).read('r:52742289925')).toEqual({ ok: true, scheme: 'reversed', cpf: '52998224725' });
  });
});
