import type { AppConfig } from '../../config/app-config';

export type OidcRoleName = 'agent' | 'lead' | 'admin';
export interface OidcRoleGrant {
  role: OidcRoleName;
  department: string | null;
}

/**
 * Where the grants computed from the provider's groups go at each OIDC login. The role store (RBAC, issue #17
 * part 1) implements it with `RolesService.replaceGrantsFromSource(userId, 'oidc', grants, actor)`.
 */
export abstract class OidcRoleSink {
  abstract replaceOidcGrants(userId: number, grants: OidcRoleGrant[], actor: string): Promise<void>;
}

/** The grants the groups claim maps to under OIDC_GROUP_ROLES; unknown groups grant nothing; no duplicates. */
export function grantsFromGroups(claim: unknown, mapping: AppConfig['oidc']['groupRoles']): OidcRoleGrant[] {
  const groups = Array.isArray(claim) ? claim.filter((g): g is string => typeof g === 'string') : typeof claim === 'string' ? [claim] : [];
  const out = new Map<string, OidcRoleGrant>();
  for (const group of groups) {
    if (!Object.prototype.hasOwnProperty.call(mapping, group)) continue;
    for (const grant of mapping[group]) out.set(`${grant.role}\u0000${grant.department ?? ''}`, { role: grant.role, department: grant.department });
  }
  return [...out.values()];
}
