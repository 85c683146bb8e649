import type { EntityManager } from 'typeorm';
import type { Activity } from './entities/activity.entity';
import type { Deal } from './entities/deal.entity';

/** A change of the tickets mirror, as its repositories commit it (API action, webhook worker or reconciliation). */
export type TicketChange =
  | { kind: 'deal_created'; deal: Deal; actorUserId: number | null }
  | { kind: 'deal_updated'; before: Deal; after: Deal; actorUserId: number | null }
  | { kind: 'activity_added'; deal: Deal; activity: Activity; actorUserId: number | null };

/**
 * Work that must commit with a mirror change, in its transaction (the notification outbox: issue #19): the mirror
 * repositories call it with their EntityManager, so a change and what it causes are written together or not at
 * all, whichever path made the change. Optional: where no module provides one (the sync CLI), nothing is recorded.
 */
export abstract class TicketChangeRecorder {
  abstract record(manager: EntityManager, change: TicketChange): Promise<void>;
}
