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

/**
 * The scopes as SQL columns `agent_of` and `lead_of` (text[], distinct, lower-cased, sorted) of the user whose id is
 * the SQL expression `userId`, for folding into the query that already loads the user (role_grants_user_id_idx).
 */
export function roleScopeColumns(userId: string): { agentOf: string; leadOf: string } {
  const departments = (roles: string) =>
    `ARRAY(SELECT DISTINCT lower(g.department) FROM role_grants g WHERE g.user_id = ${userId} AND g.role IN (${roles}) ORDER BY 1)`;
  return { agentOf: departments(`'agent', 'lead'`), leadOf: departments(`'lead'`) };
}

/** The scopes alone, in one query. */
export async function loadRoleScopes(db: Queryable, userId: number): Promise<RoleScopes> {
  const columns = roleScopeColumns('$1');
  const [row] = (await db.query(`SELECT ${columns.agentOf} AS agent_of, ${columns.leadOf} AS lead_of`, [userId])) as { agent_of: string[]; lead_of: string[] }[];
  return { agentOf: row.agent_of, leadOf: row.lead_of };
}
