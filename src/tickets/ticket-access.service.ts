import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AuthUser } from '../auth/auth-user';
import type { TicketAudience } from '../realtime/ticket-events.broadcaster';

/**
 * Who may read a ticket (SPEC section 5, "Authorization"): its requester, its responsible, or an admin.
 * The one place this rule lives; REST listings, actions and Socket.IO rooms all ask here.
 */
@Injectable()
export class TicketAccessService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The SQL condition for "tickets this user may read" over `deals` aliased as `alias`. */
  static readableBy(principal: Pick<AuthUser, 'id' | 'isAdmin'>, alias = 'd'): { sql: string; params: Record<string, unknown> } {
    if (principal.isAdmin) return { sql: `${alias}.deleted_at IS NULL`, params: {} };
    return {
      sql: `${alias}.deleted_at IS NULL AND (${alias}.user_id = :readerId OR ${alias}.responsible_id = :readerId)`,
      params: { readerId: principal.id },
    };
  }

  /** The audience of a ticket by its Bitrix deal ID, or null when there is no such (live) ticket. */
  async audienceOf(bitrixDealId: number): Promise<TicketAudience | null> {
    const rows: { user_id: number | null; responsible_id: number | null }[] = await this.dataSource.query(
      'SELECT user_id, responsible_id FROM deals WHERE deal_id = $1 AND deleted_at IS NULL',
      [bitrixDealId],
    );
    if (!rows.length) return null;
    return { requesterUserId: rows[0].user_id, responsibleUserId: rows[0].responsible_id };
  }

  async canRead(principal: Pick<AuthUser, 'id' | 'isAdmin'>, bitrixDealId: number): Promise<boolean> {
    const audience = await this.audienceOf(bitrixDealId);
    return audience !== null && TicketAccessService.isReader(principal, audience);
  }

  /** The rule itself, for a ticket whose audience is known. */
  static isReader(principal: Pick<AuthUser, 'id' | 'isAdmin'>, audience: TicketAudience): boolean {
    return principal.isAdmin || audience.requesterUserId === principal.id || audience.responsibleUserId === principal.id;
  }
}
