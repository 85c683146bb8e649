import { RuleViolationError } from '../common/domain-error';
import { foldLabel } from '../bitrix/ticket-sla';
import { isValidCpf, normalizeCpf } from '../users/cpf';

/** The category whose tickets carry the CPF typed in the form (seed §8.3). */
export const ACCESS_PERMISSIONS_CATEGORY = 'Acessos e Permissões';

export function isAccessPermissionsCategory(category: string | null | undefined): boolean {
  return !!category && foldLabel(category) === foldLabel(ACCESS_PERMISSIONS_CATEGORY);
}

/**
 * The CPF sent to Bitrix with a ticket (seed §8.3): for "Acessos e Permissões" the CPF from the form
 * (the person who needs the access; empty when not given, as in the seed), otherwise the logged-in
 * user's own CPF. A CPF typed in the form must have valid check digits.
 */
export function cpfForTicket(category: string, formCpf: string | null | undefined, loggedInUserCpf: () => string): string {
  if (!isAccessPermissionsCategory(category)) return loggedInUserCpf();
  const typed = formCpf?.trim();
  if (!typed) return '';
  if (!isValidCpf(typed)) throw new RuleViolationError('INVALID_VALUE', 'cpf', 'CPF inválido');
  return normalizeCpf(typed);
}
