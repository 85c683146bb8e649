import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { BitrixActivityType } from '../bitrix/bitrix.types';
import { extractEmail } from '../bitrix/bitrix-conversions';
import { normalizePriority } from '../bitrix/ticket-sla';
import type { Activity } from '../tickets/entities/activity.entity';
import type { Deal } from '../tickets/entities/deal.entity';
import { TicketChange, TicketChangeRecorder } from '../tickets/ticket-change-recorder';
import { excerptOf } from './channels/notice-text';
import { NewNotificationEvent, NotificationOutboxRepository } from './notification-outbox.repository';
import { FANOUT_QUEUE, NotificationQueue } from './notification-queue.service';

/** A ticket opened longer ago than this is not announced as new (reconciliation mirroring an old deal late). */
const NEW_TICKET_MAX_AGE_MS = 24 * 3600 * 1000;
/** Crítico and Alto tickets are announced as urgent (issue #19: "Crítico/Alto opened: always"). */
const URGENT_PRIORITIES = new Set(['Crítico', 'Alto']);

/**
 * Turns mirror changes into notification events, in the transaction of the change (TicketChangeRecorder), with
 * the fan-out job: whichever path changed the mirror (POST /ticket, a Bitrix webhook, reconciliation), the event
 * is durable exactly when the change is, and recorded once (unique by event + ticket + occurrence).
 */
@Injectable()
export class NotificationEventsRecorder extends TicketChangeRecorder {
  constructor(
    private readonly outbox: NotificationOutboxRepository,
    private readonly queue: NotificationQueue,
  ) {
    super();
  }

  async record(manager: EntityManager, change: TicketChange): Promise<void> {
    const event = await eventOf(manager, change);
    if (!event) return;
    const eventId = await this.outbox.recordEvent(manager, event);
    if (eventId) await this.queue.insertInTransaction(manager, [{ name: FANOUT_QUEUE, data: { eventId } }]);
  }
}

async function eventOf(manager: EntityManager, change: TicketChange): Promise<NewNotificationEvent | null> {
  switch (change.kind) {
    case 'deal_created':
      return openedEvent(change.deal, change.actorUserId);
    case 'deal_updated':
      if (change.before.closed !== 'Y' && change.after.closed === 'Y' && !change.after.deletedAt) {
        const closedAt = change.after.closeDate ?? change.after.updatedAt;
        return { event: 'ticket_closed', bitrixDealId: change.after.bitrixDealId, occurrence: `closed:${closedAt.toISOString()}`, actorUserId: change.actorUserId, comment: null };
      }
      return null;
    case 'activity_added':
      return commentEvent(manager, change.deal, change.activity, change.actorUserId);
  }
}

function openedEvent(deal: Deal, actorUserId: number | null): NewNotificationEvent | null {
  if (deal.deletedAt || deal.closed === 'Y' || Date.now() - deal.createdAt.getTime() > NEW_TICKET_MAX_AGE_MS) return null;
  const priority = normalizePriority(deal.priority);
  const event = priority && URGENT_PRIORITIES.has(priority) ? 'ticket_urgent' : 'ticket_created';
  return { event, bitrixDealId: deal.bitrixDealId, occurrence: 'opened', actorUserId, comment: null };
}

/** Timeline comments and e-mails are "a reply on the ticket"; other activities (calls, tasks) are not announced. */
async function commentEvent(manager: EntityManager, deal: Deal, activity: Activity, actorUserId: number | null): Promise<NewNotificationEvent | null> {
  const isEmail = activity.typeId === String(BitrixActivityType.email);
  if (activity.bitrixSource !== 'comment' && !isEmail) return null;
  if (deal.deletedAt) return null;
  const author = actorUserId ?? (await authorOf(manager, activity));
  return {
    event: 'ticket_commented',
    bitrixDealId: deal.bitrixDealId,
    occurrence: `${activity.bitrixSource}:${activity.bitrixActivityId}`,
    actorUserId: author,
    comment: { author: activity.responsibleName ?? activity.fromEmail ?? null, excerpt: excerptOf(activity.description ?? activity.bodyHtml) },
  };
}

/** The local author of a mirrored entry: by Bitrix user id, or for an incoming e-mail by its sender's address. */
async function authorOf(manager: EntityManager, activity: Activity): Promise<number | null> {
  if (activity.authorId && /^\d+$/.test(activity.authorId)) {
    const rows = (await manager.query('SELECT id FROM users WHERE bitrix_user_id = $1 LIMIT 1', [Number(activity.authorId)])) as { id: number }[];
    if (rows.length) return Number(rows[0].id);
  }
  const sender = activity.direction === 'incoming' ? extractEmail(activity.fromEmail ?? '') : null;
  if (sender) {
    const rows = (await manager.query('SELECT id FROM users WHERE lower(email) = lower($1) LIMIT 1', [sender])) as { id: number }[];
    if (rows.length) return Number(rows[0].id);
  }
  return null;
}
