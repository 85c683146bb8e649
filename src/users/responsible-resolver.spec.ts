import { pickLocalUser } from './responsible-resolver';

describe('pickLocalUser (the responsible of a Bitrix user)', () => {
  const ana = { id: 3, bitrixUserId: 77, email: 'ana@carvalima.com' };
  const joao = { id: 5, bitrixUserId: null, email: 'joao@carvalima.com' };
  const other = { id: 8, bitrixUserId: null, email: 'ana.antiga@carvalima.com' };

  it('prefers the stored Bitrix user ID over the e-mail', () => {
    expect(pickLocalUser([other, ana], 77, 'ana.antiga@carvalima.com')).toBe(ana);
  });

  it('falls back to the e-mail, ignoring case and blanks', () => {
    expect(pickLocalUser([ana, joao], 12, '  JOAO@Carvalima.com ')).toBe(joao);
  });

  it('is null when neither matches, or nothing is known', () => {
    expect(pickLocalUser([ana, joao], 12, 'x@y.z')).toBeNull();
    expect(pickLocalUser([ana, joao], null, null)).toBeNull();
  });

  it('picks the oldest account when several share the e-mail or ID', () => {
    expect(pickLocalUser([{ ...ana, id: 9 }, ana], 77, null)).toBe(ana);
  });
});
