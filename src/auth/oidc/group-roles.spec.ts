import { grantsFromGroups } from './group-roles';
import { TokenCipher } from './token-cipher';

describe('grantsFromGroups (OIDC_GROUP_ROLES)', () => {
  const mapping = {
    'g-ti': [{ role: 'agent' as const, department: 'TI' }],
    'g-ti-leads': [{ role: 'lead' as const, department: 'TI' }, { role: 'agent' as const, department: 'TI' }],
    'g-admins': [{ role: 'admin' as const, department: null }],
  };

  it('maps each known group to its grants, without duplicates', () => {
    expect(grantsFromGroups(['g-ti', 'g-ti-leads', 'g-other'], mapping)).toEqual([
      { role: 'agent', department: 'TI' },
      { role: 'lead', department: 'TI' },
    ]);
  });

  it('accepts a single group given as a string', () => {
    expect(grantsFromGroups('g-admins', mapping)).toEqual([{ role: 'admin', department: null }]);
  });

  it.each([[undefined], [null], [42], [[1, 2]], [['constructor', '__proto__']], [[]]])('grants nothing for %j', (claim) => {
    expect(grantsFromGroups(claim, mapping)).toEqual([]);
  });
});

describe('TokenCipher', () => {
  const cipher = new TokenCipher(Buffer.alloc(32, 7));

  it('round-trips and never stores the plain token', () => {
    const sealed = cipher.encrypt('provider-refresh-token');
    expect(sealed).toMatch(/^v1\./);
    expect(sealed).not.toContain('provider-refresh-token');
    expect(cipher.decrypt(sealed)).toBe('provider-refresh-token');
    expect(cipher.encrypt('provider-refresh-token')).not.toBe(sealed);
  });

  it('refuses a ciphertext altered or sealed under another key', () => {
    const sealed = cipher.encrypt('provider-refresh-token');
    const parts = sealed.split('.');
    parts[3] = Buffer.from('tampered').toString('base64url');
    expect(() => cipher.decrypt(parts.join('.'))).toThrow();
    expect(() => new TokenCipher(Buffer.alloc(32, 8)).decrypt(sealed)).toThrow();
  });
});
