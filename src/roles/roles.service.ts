import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { OidcRoleSink } from '../auth/oidc/group-roles';
import { BitrixFieldMap } from '../bitrix/bitrix-field-map';
import { RuleViolationError } from '../common/domain-error';
import { User } from '../users/user.entity';
import { RoleGrantAudit } from './role-grant-audit.entity';
import { RoleGrant } from './role-grant.entity';

export const ROLE_NAMES = ['agent', 'lead', 'admin'] as const;
export type RoleName = (typeof ROLE_NAMES)[number];
/** Where a grant comes from: an admin through the API, the OIDC group mapping, the migration of `is_admin`, the admin seed. */
export type RoleSource = 'api' | 'oidc' | 'migration' | 'seed' | 'is_admin';

/** department: required for agent/lead, null for admin. */
export interface RoleGrantInput {
  role: RoleName;
  department: string | null;
}

export type RoleGrantOut = RoleGrantInput & { source: string; grantedAt: Date };

export interface RoleAuditEntry {
  id: number;
  userId: number;
  action: 'grant' | 'revoke';
  role: RoleName;
  department: string | null;
  source: string;
  actor: string;
  at: Date;
}

const ROLE_ORDER: Record<RoleName, number> = { admin: 0, lead: 1, agent: 2 };

/**
 * The role store (issue #17): grants, revokes and their audit trail. The one writer of `role_grants` (besides
 * the trigger that turns a write of `users.is_admin` into the admin grant). It is also where the OIDC group
 * mapping puts its grants (OidcRoleSink).
 */
@Injectable()
export class RolesService implements OidcRoleSink {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly fieldMap: BitrixFieldMap,
  ) {}

  /** The user's grants, for an existing user (404 for an unknown one). */
  async grantsOfUser(userId: number): Promise<RoleGrantOut[]> {
    await this.requireUser(this.dataSource.manager, userId, { lock: false });
    return this.grantsOf(userId);
  }

  async grantsOf(userId: number): Promise<RoleGrantOut[]> {
    const rows = await this.dataSource.getRepository(RoleGrant).find({ where: { userId } });
    return rows
      .map((row) => ({ role: row.role as RoleName, department: row.department, source: row.source, grantedAt: row.grantedAt }))
      .sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role] || (a.department ?? '').localeCompare(b.department ?? '') || a.source.localeCompare(b.source));
  }

  /**
   * Gives a role; granting what the user already holds from this source is a no-op (nothing audited).
   * 404 for an unknown user, 400 for a department that is missing, unexpected or not an assignee department.
   */
  async grant(userId: number, input: RoleGrantInput, source: RoleSource, actor: string): Promise<{ created: boolean }> {
    const grant = this.normalize(input);
    return this.dataSource.transaction(async (manager) => {
      await this.requireUser(manager, userId);
      const created = await this.insertGrant(manager, userId, grant, source, actor);
      return { created };
    });
  }

  /** Takes a role away, from every source that gave it; revoking what the user does not hold is a no-op. */
  async revoke(userId: number, input: RoleGrantInput, actor: string): Promise<{ removed: boolean }> {
    const grant = this.normalize(input, { forRevoke: true });
    return this.dataSource.transaction(async (manager) => {
      await this.requireUser(manager, userId);
      const removed: { source: string; department: string | null }[] = await manager.query(
        `DELETE FROM role_grants WHERE user_id = $1 AND role = $2 AND lower(coalesce(department, '')) = lower($3) RETURNING source, department`,
        [userId, grant.role, grant.department ?? ''],
      ).then(([rows]: [{ source: string; department: string | null }[]]) => rows);
      // Audited as it was granted (the revoke may spell the department in another case).
      for (const row of removed) await this.audit(manager, userId, 'revoke', { role: grant.role, department: row.department }, row.source, actor);
      return { removed: removed.length > 0 };
    });
  }

  /** Replaces the grants this source gave the user (the OIDC group mapping calls it at each login) — audited. */
  async replaceGrantsFromSource(userId: number, source: 'oidc', grants: RoleGrantInput[], actor: string): Promise<void> {
    const wanted = grants.map((g) => this.normalize(g));
    await this.dataSource.transaction(async (manager) => {
      await this.requireUser(manager, userId);
      const current = await manager.getRepository(RoleGrant).find({ where: { userId, source } });
      const key = (g: RoleGrantInput) => `${g.role}\u0000${(g.department ?? '').toLowerCase()}`;
      const wantedKeys = new Set(wanted.map(key));
      for (const row of current) {
        const held = { role: row.role as RoleName, department: row.department };
        if (wantedKeys.has(key(held))) continue;
        await manager.getRepository(RoleGrant).delete({ id: row.id });
        await this.audit(manager, userId, 'revoke', held, source, actor);
      }
      for (const grant of wanted) await this.insertGrant(manager, userId, grant, source, actor);
    });
  }

  replaceOidcGrants(userId: number, grants: RoleGrantInput[], actor: string): Promise<void> {
    return this.replaceGrantsFromSource(userId, 'oidc', grants, actor);
  }

  /** Active local users holding one of `roles` for `department` (case-insensitive, as role-scopes.ts compares): who is notified of its tickets. */
  async usersWithRole(department: string, roles: RoleName[] = ['agent', 'lead']): Promise<number[]> {
    const rows: { user_id: number }[] = await this.dataSource.query(
      `SELECT DISTINCT g.user_id FROM role_grants g JOIN users u ON u.id = g.user_id
        WHERE lower(g.department) = lower($1) AND g.role = ANY($2) AND u.is_active = true ORDER BY g.user_id`,
      [department.trim(), roles],
    );
    return rows.map((row) => Number(row.user_id));
  }

  /** The audit trail of one user's roles, newest first. 404 for an unknown user. */
  async auditOf(userId: number, limit = 100): Promise<RoleAuditEntry[]> {
    await this.requireUser(this.dataSource.manager, userId, { lock: false });
    const rows = await this.dataSource.getRepository(RoleGrantAudit).find({ where: { userId }, order: { at: 'DESC', id: 'DESC' }, take: limit });
    return rows.map((row) => ({ ...row, id: Number(row.id), role: row.role as RoleName }));
  }

  private async insertGrant(manager: EntityManager, userId: number, grant: RoleGrantInput, source: RoleSource, actor: string): Promise<boolean> {
    // TypeORM's postgres driver answers an INSERT with the rows, a DELETE with [rows, count].
    const rows: { id: number }[] = await manager.query(
      `INSERT INTO role_grants (user_id, role, department, source, granted_by) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (user_id, role, lower(coalesce(department, '')), source) DO NOTHING RETURNING id`,
      [userId, grant.role, grant.department, source, actor],
    );
    if (rows.length === 0) return false;
    await this.audit(manager, userId, 'grant', grant, source, actor);
    return true;
  }

  private async audit(manager: EntityManager, userId: number, action: 'grant' | 'revoke', grant: RoleGrantInput, source: string, actor: string): Promise<void> {
    await manager.getRepository(RoleGrantAudit).insert({ userId, action, role: grant.role, department: grant.department, source, actor });
  }

  private async requireUser(manager: EntityManager, userId: number, { lock } = { lock: true }): Promise<void> {
    // In a change, locks the user row so concurrent grants/revokes of one user (and the is_admin mirror) serialize.
    const [user] = await manager.query(`SELECT id FROM users WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [userId]);
    if (!user) throw new RuleViolationError('NOT_FOUND', 'user_id', `usuário ${userId} não encontrado`);
  }

  /** Checks role and department; agent/lead need an assignee department (the mapped list when one is configured). */
  private normalize(input: RoleGrantInput, options: { forRevoke?: boolean } = {}): RoleGrantInput {
    if (!(ROLE_NAMES as readonly string[]).includes(input.role)) {
      throw new RuleViolationError('INVALID_VALUE', 'role', `papel desconhecido: use ${ROLE_NAMES.join(', ')}`);
    }
    const department = typeof input.department === 'string' ? input.department.trim() : null;
    if (input.role === 'admin') {
      if (department) throw new RuleViolationError('INVALID_VALUE', 'department', 'o papel admin não tem departamento');
      return { role: 'admin', department: null };
    }
    if (!department) throw new RuleViolationError('INVALID_VALUE', 'department', `o papel ${input.role} exige um departamento responsável`);
    if (department.length > 100) throw new RuleViolationError('INVALID_VALUE', 'department', 'no máximo 100 caracteres');
    const known = this.fieldMap.enumLabels('assigneeDepartment');
    if (known && !options.forRevoke) {
      const label = known.find((k) => k.toLowerCase() === department.toLowerCase());
      if (!label) throw new RuleViolationError('INVALID_VALUE', 'department', `departamento responsável desconhecido: ${known.join(', ')}`);
      return { role: input.role, department: label };
    }
    return { role: input.role, department };
  }
}
