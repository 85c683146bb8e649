import { RuleViolationError } from '../common/domain-error';
import { makeValidCpf } from '../users/cpf';
import { cpfForTicket, isAccessPermissionsCategory } from './ticket-cpf.rule';

describe('cpfForTicket (seed §8.3)', () => {
  const own = makeValidCpf(123456);
  const typed = makeValidCpf(654321);

  it('uses the logged-in user CPF outside "Acessos e Permissões", ignoring the form', () => {
    expect(cpfForTicket('Sistema Financeiro', typed, () => own)).toBe(own);
  });

  it('uses the CPF from the form for "Acessos e Permissões" (accents and case ignored)', () => {
    expect(cpfForTicket('Acessos e Permissões', typed, () => own)).toBe(typed);
    expect(cpfForTicket('acessos e permissoes', `${typed.slice(0, 3)}.${typed.slice(3, 6)}.${typed.slice(6, 9)}-${typed.slice(9)}`, () => own)).toBe(typed);
    expect(isAccessPermissionsCategory('ACESSOS E PERMISSÕES')).toBe(true);
  });

  it('sends an empty CPF when the access form has none, and rejects an invalid one', () => {
    expect(cpfForTicket('Acessos e Permissões', undefined, () => own)).toBe('');
    expect(() => cpfForTicket('Acessos e Permissões', '111.111.111-11', () => own)).toThrow(RuleViolationError);
    expect(() => cpfForTicket('Acessos e Permissões', '111.111.111-11', () => own)).toThrow(expect.objectContaining({ domainCode: 'INVALID_VALUE', field: 'cpf' }));
  });
});
