import { Injectable } from '@nestjs/common';
import { BitrixFieldMap } from '../bitrix/bitrix-field-map';
import { objectAttributes } from '../common/spans';
import { BitrixDeal } from '../bitrix/bitrix.types';
import { dealFieldsFromBitrix } from '../tickets/deal-mirror-fields';
import { DealsRepository } from '../tickets/deals.repository';
import { TicketEventsNotifier } from '../tickets/ticket-events.notifier';
import { LocalUsersRepository } from '../users/local-users.repository';
import { BitrixPerson } from './bitrix-user-directory.service';
import { inMirrorSpan, MirrorOutcome } from './mirror-outcome';
import { WebhookSettings } from './webhook-settings';

export interface DealMirrorResult {
  outcome: MirrorOutcome;
  /** Internal `deals.id` (null when ignored or unknown locally). */
  dealId: number | null;
}

/**
 * Bitrix deal → local ticket, for the webhook workers and reconciliation: maps the deal with the same
 * rules as POST /ticket (dealFieldsFromBitrix, responsible by Bitrix user ID then e-mail), writes it through
 * DealsRepository and announces what really changed. A re-read that changes nothing writes and broadcasts nothing.
 */
@Injectable()
export class DealMirrorService {
  constructor(
    private readonly deals: DealsRepository,
    private readonly users: LocalUsersRepository,
    private readonly fieldMap: BitrixFieldMap,
    private readonly events: TicketEventsNotifier,
    private readonly settings: WebhookSettings,
  ) {}

  /** Bitrix user IDs a set of deals needs resolved (their responsibles). */
  static peopleOf(raws: BitrixDeal[]): string[] {
    return raws.map((raw) => (raw.ASSIGNED_BY_ID === undefined || raw.ASSIGNED_BY_ID === null ? '' : String(raw.ASSIGNED_BY_ID)));
  }

  /** Mirrors one deal as just read from Bitrix. `people` must hold its responsible (see peopleOf). */
  upsert(raw: BitrixDeal, people: Map<string, BitrixPerson>): Promise<DealMirrorResult> {
    return inMirrorSpan(objectAttributes('deal', Number(raw.ID)), () => this.upsertDeal(raw, people));
  }

  private async upsertDeal(raw: BitrixDeal, people: Map<string, BitrixPerson>): Promise<DealMirrorResult> {
    if (this.settings.mirrorScope === 'helpdesk' && !this.fieldMap.isHelpdeskDeal(raw)) return { outcome: 'ignored', dealId: null };
    const snapshot = this.fieldMap.fromBitrixDeal(raw);
    const person = snapshot.responsibleBitrixId ? people.get(snapshot.responsibleBitrixId) : undefined;
    const local = snapshot.responsibleBitrixId ? await this.users.findForBitrixUser(snapshot.responsibleBitrixId, person?.email ?? null) : null;
    const result = await this.deals.upsertFromBitrix({
      bitrixDealId: snapshot.bitrixDealId,
      fields: dealFieldsFromBitrix(snapshot, { name: person?.name ?? null, email: person?.email ?? null, localUserId: local?.id ?? null }),
      bitrixModifiedAt: snapshot.bitrixModifiedAt,
      requesterUserId: await this.users.findIdByEmail(snapshot.requesterEmail),
    });
    if (result.outcome === 'created') await this.events.ticketCreated(result.deal, this.fieldMap.dealExtras(raw).requesterName);
    else if (result.before && result.outcome === 'updated') await this.events.dealUpdated(result.before, result.deal);
    return { outcome: result.outcome, dealId: result.deal.id };
  }

  /** Bitrix says the deal does not exist (ONCRMDEALDELETE, or any read answering "not found"). */
  markDeleted(bitrixDealId: number): Promise<DealMirrorResult> {
    return inMirrorSpan(objectAttributes('deal', bitrixDealId), () => this.markDealDeleted(bitrixDealId));
  }

  private async markDealDeleted(bitrixDealId: number): Promise<DealMirrorResult> {
    const deleted = await this.deals.markDeleted(bitrixDealId);
    if (!deleted) return { outcome: 'unchanged', dealId: null };
    await this.events.dealUpdated({ deletedAt: null }, deleted);
    return { outcome: 'deleted', dealId: deleted.id };
  }
}
