import { Injectable } from '@nestjs/common';
import { RuleViolationError } from '../common/domain-error';
import type { AuthUser } from '../auth/auth-user';
import type { TicketAudience } from '../realtime/ticket-events.broadcaster';
import { DealsRepository } from './deals.repository';
import type { Deal } from './entities/deal.entity';
import { audienceOf } from './ticket-event-payloads';

/** Who asks: the user, whether they hold the admin role, and the departments they are an agent (or lead) of. */
export type TicketPrincipal = Pick<AuthUser, 'id' | 'isAdmin' | 'agentOf'>;

/** The one answer to a ticket the principal may not read or act on. */
export const TICKET_ACCESS_DENIED = 'Apenas o solicitante, o responsável, a equipe do departamento responsável ou um administrador tem acesso a este chamado';

/**
 * Who may read a ticket (SPEC section 5, "Authorization", with the roles of issue #17): its requester, its
 * responsible, an agent or lead of its assignee department (a grant an admin gave, never the department a user
 * typed at sign-up), or an admin; the same people may act on it (close, comment, e-mail). The one place this
 * rule lives: REST listings, the kanban, actions, files and Socket.IO rooms all ask here.
 */
@Injectable()
export class TicketAccessService {
  constructor(private readonly deals: DealsRepository) {}

  /** The SQL condition for "tickets this user may read" over `deals` aliased as `alias`. */
  static readableBy(principal: TicketPrincipal, alias = 'd'): { sql: string; params: Record<string, unknown> } {
    if (principal.isAdmin) return { sql: `${alias}.deleted_at IS NULL`, params: {} };
    if (principal.agentOf.length === 0) {
      return {
        sql: `${alias}.deleted_at IS NULL AND (${alias}.user_id = :readerId OR ${alias}.responsible_id = :readerId)`,
        params: { readerId: principal.id },
      };
    }
    return {
      sql: `${alias}.deleted_at IS NULL AND (${alias}.user_id = :readerId OR ${alias}.responsible_id = :readerId OR lower(${alias}.assignee_department) = ANY(:readerDepartments))`,
      params: { readerId: principal.id, readerDepartments: principal.agentOf },
    };
  }

  /** The rule itself, for a ticket whose audience is known. */
  static isReader(principal: TicketPrincipal, audience: TicketAudience): boolean {
    return (
      principal.isAdmin ||
      audience.requesterUserId === principal.id ||
      audience.responsibleUserId === principal.id ||
      (!!audience.assigneeDepartment && principal.agentOf.includes(audience.assigneeDepartment.trim().toLowerCase()))
    );
  }

  /** A live ticket the principal may read: 404 when there is none, 403 (one message) when it is not theirs. */
  async requireReadable(principal: TicketPrincipal, bitrixDealId: number): Promise<Deal> {
    const deal = await this.deals.findByBitrixId(bitrixDealId);
    if (!deal) throw new RuleViolationError('NOT_FOUND', 'deal_id', `chamado ${bitrixDealId} não encontrado`);
    if (!TicketAccessService.isReader(principal, audienceOf(deal))) throw new RuleViolationError('FORBIDDEN', null, TICKET_ACCESS_DENIED);
    return deal;
  }

  /** A live ticket the principal may act on (close, comment, e-mail): today the same people who may read it. */
  requireActionable(principal: TicketPrincipal, bitrixDealId: number): Promise<Deal> {
    return this.requireReadable(principal, bitrixDealId);
  }

  /** True when the principal may read the ticket (false too when there is no such live ticket). */
  async canRead(principal: TicketPrincipal, bitrixDealId: number): Promise<boolean> {
    const deal = await this.deals.findByBitrixId(bitrixDealId);
    return deal !== null && TicketAccessService.isReader(principal, audienceOf(deal));
  }
}
