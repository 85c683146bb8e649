import type { ActivityPayload, DealUpdatedEvent, NewCommentEvent, NewTicketEvent, TicketAudience } from '../realtime/ticket-events.broadcaster';
import { dealChanges } from './deal-changes';
import type { Activity } from './entities/activity.entity';
import type { Deal } from './entities/deal.entity';

/** An activity file as events carry it: `file_url` presigned like the listing's. */
export interface EventFile {
  id: number;
  filename: string | null;
  file_url: string | null;
}

/**
 * Builders of the socket events (seed §7.3 payloads), one per event, used by every producer (ticket
 * actions, webhook workers, sync), so an event has the same shape whatever path caused it. Pure: the
 * caller has resolved names and signed URLs.
 */

/** Who besides admins receives a ticket's dashboard events. */
export function audienceOf(deal: Pick<Deal, 'userId' | 'responsibleId' | 'assigneeDepartment'>): TicketAudience {
  return { requesterUserId: deal.userId, responsibleUserId: deal.responsibleId, assigneeDepartment: deal.assigneeDepartment };
}

/** `new_ticket`. `requester`: the requester's name (see TicketEventsNotifier.ticketCreated), else their e-mail. */
export function newTicketEvent(deal: Deal, requesterName: string | null): NewTicketEvent {
  return { event: 'new_ticket', deal_id: deal.bitrixDealId, title: deal.title, priority: deal.priority, requester: requesterName ?? deal.requesterEmail ?? null };
}

/** `deal_updated` for a real change between two states of a ticket, or null when the SPA would see nothing new. */
export function dealUpdatedEvent(before: Partial<Deal>, after: Deal): DealUpdatedEvent | null {
  const changes = dealChanges(before, after);
  return Object.keys(changes).length ? { event: 'deal_updated', deal_id: after.bitrixDealId, changes } : null;
}

/** `new_comment` (and, by the broadcaster, `new_activity`): the seed's activity fields plus direction, subject and files. */
export function newCommentEvent(deal: Pick<Deal, 'bitrixDealId'>, activity: Activity, files: EventFile[]): NewCommentEvent {
  const payload: ActivityPayload = {
    id: activity.id,
    activity_id: activity.bitrixActivityId,
    type_id: activity.typeId,
    description: activity.description,
    responsible_name: activity.responsibleName,
    created_at: (activity.createdAtBitrix ?? activity.createdAt).toISOString(),
    direction: activity.direction,
    subject: activity.subject,
    files,
  };
  return { event: 'new_comment', deal_id: deal.bitrixDealId, activity: payload };
}
