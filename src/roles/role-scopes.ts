/**
 * What a principal's roles let them reach beyond their own tickets, read fresh from `role_grants` on every
 * request and every socket join (so a grant or revoke takes effect at once). Departments are lower-cased, as
 * the access rule compares them.
 */
export interface RoleScopes {
  /** Assignee departments whose tickets the principal reads and acts on (agent or lead there). */
  agentOf: string[];
  /** Assignee departments whose SLA report the principal reads (lead there). */
  leadOf: string[];
}

export const NO_SCOPES: RoleScopes = Object.freeze({ agentOf: [], leadOf: [] }) as RoleScopes;

/** Anything that runs SQL: a DataSource or an EntityManager. */
interface Queryable {
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** One indexed query (role_grants_user_id_idx). */
export async function loadRoleScopes(db: Queryable, userId: number): Promise<RoleScopes> {
  const rows = (await db.query(
    `SELECT role, lower(department) AS department FROM role_grants WHERE user_id = $1 AND role IN ('agent', 'lead')`,
    [userId],
  )) as { role: string; department: string }[];
  const agentOf = [...new Set(rows.map((r) => r.department))].sort();
  const leadOf = [...new Set(rows.filter((r) => r.role === 'lead').map((r) => r.department))].sort();
  return { agentOf, leadOf };
}
