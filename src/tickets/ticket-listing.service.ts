import { ForbiddenException, Injectable } from '@nestjs/common';
import type { AuthUser } from '../auth/auth-user';
import { presignPeriod } from '../storage/storage.service';
import { DealCardDto } from './dto/deal-card.dto';
import { TicketListQueryDto } from './dto/ticket-list-query.dto';
import { TicketAccessService } from './ticket-access.service';
import { TicketCardPresenter } from './ticket-card.presenter';
import { DealCardFilters, DealCondition, TicketCardsRepository } from './ticket-cards.repository';
import { DealsRepository } from './deals.repository';

/** Which tickets of a `{user_id}` a listing shows (seed §3.2). */
export type UserTicketsView = 'requested' | 'requested-open' | 'responsible';

/**
 * The listings (SPEC §5): who may see what, then one fixed set of queries per page, then presigned URLs.
 * Every listing is also limited by TicketAccessService.readableBy, so a bug in a view's own condition can
 * never widen what a user reads.
 */
@Injectable()
export class TicketListingService {
  constructor(
    private readonly cards: TicketCardsRepository,
    private readonly deals: DealsRepository,
    private readonly access: TicketAccessService,
    private readonly presenter: TicketCardPresenter,
  ) {}

  /** `GET /tickets/{user_id}`, `/tickets-opens/{user_id}`, `/tickets-responsible/{user_id}`. */
  async listForUser(principal: AuthUser, userId: number, view: UserTicketsView, query: TicketListQueryDto, ifNoneMatch?: string): Promise<ConditionalCards> {
    assertOwnOrAdmin(principal, userId);
    const conditions: DealCondition[] = [readable(principal)];
    if (view === 'responsible') conditions.push({ sql: 'd.responsible_id = :viewUserId', params: { viewUserId: userId } });
    else conditions.push({ sql: 'd.user_id = :viewUserId', params: { viewUserId: userId } });
    if (view === 'requested-open') conditions.push({ sql: "COALESCE(d.closed, 'N') <> 'Y'", params: {} });
    return this.conditionally(conditions, filtersOf(query), ifNoneMatch);
  }

  /** `GET /deal/{deal_id}/{user_id}`: the ticket as a one-element list, marked read. */
  async openTicket(principal: AuthUser, bitrixDealId: number, userId: number): Promise<DealCardDto[]> {
    assertOwnOrAdmin(principal, userId);
    const deal = await this.access.requireReadable(principal, bitrixDealId);
    await this.deals.markRead(deal.id);
    return this.presenter.cards(await this.cards.find([readable(principal), { sql: 'd.id = :dealId', params: { dealId: deal.id } }]));
  }

  /**
   * `GET /kanban/cards`: admins see every ticket; agents and leads see the tickets of the departments an admin
   * granted them (plus the ones they requested or are responsible for); anyone else gets 403. The department a
   * user typed at sign-up grants nothing.
   */
  async kanban(principal: AuthUser, query: TicketListQueryDto, ifNoneMatch?: string): Promise<ConditionalCards> {
    const conditions: DealCondition[] = [];
    if (!principal.isAdmin) {
      if (principal.agentOf.length === 0) {
        throw new ForbiddenException('O quadro kanban é restrito a administradores e aos agentes dos departamentos responsáveis');
      }
      conditions.push(readable(principal));
    }
    return this.conditionally(conditions, filtersOf(query), ifNoneMatch);
  }

  /**
   * The cards with their validator, or only the validator when the client's copy is current (304). The ETag is
   * the rows' versions (TicketCardsRepository.version) plus the presigning period (StorageService: every URL of a
   * period is signed as of its start), so equal ETags mean equal bodies, and a copy kept from an earlier period is
   * refreshed while its presigned URLs still have over an hour and a half to run.
   */
  private async conditionally(conditions: DealCondition[], filters: DealCardFilters, ifNoneMatch: string | undefined): Promise<ConditionalCards> {
    const period = presignPeriod();
    const etagOf = (version: string) => `W/"${version}.${period}"`;
    if (ifNoneMatch) {
      // Only a client that holds a copy pays for the validator query; the others get it with the cards.
      const etag = etagOf(await this.cards.version(conditions, filters));
      if (matchesEtag(ifNoneMatch, etag)) return { etag };
    }
    const page = await this.cards.findWithVersion(conditions, filters);
    return { etag: etagOf(page.version), cards: await this.presenter.cards(page.rows) };
  }
}

/** A listing answer: `cards` absent means the client's copy (the `If-None-Match` it sent) is current. */
export interface ConditionalCards {
  etag: string;
  cards?: DealCardDto[];
}

/** `If-None-Match` against our weak ETag (RFC 9110 §13.1.2: weak comparison, a list or `*`). */
function matchesEtag(ifNoneMatch: string, etag: string): boolean {
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((tag) => opaque(tag) === opaque(etag));
}

function assertOwnOrAdmin(principal: AuthUser, userId: number): void {
  if (!principal.isAdmin && principal.id !== userId) {
    throw new ForbiddenException('user_id: você só pode consultar os seus próprios chamados');
  }
}

function readable(principal: AuthUser): DealCondition {
  return TicketAccessService.readableBy(principal, 'd');
}

function filtersOf(query: TicketListQueryDto): DealCardFilters {
  return {
    stageId: query.stage_id,
    priority: query.priority,
    assigneeDepartment: query.assignee_department,
    q: query.q,
    limit: query.limit,
    offset: query.offset,
  };
}
