import { Injectable, Logger } from '@nestjs/common';
import { ActivityPayload, TicketEventsBroadcaster } from '../realtime/ticket-events.broadcaster';
import { Activity } from './entities/activity.entity';
import { Deal } from './entities/deal.entity';

/**
 * Announces ticket changes through the Realtime module (seed §7.3 payloads; `deal_id` is the Bitrix ID).
 * A broadcast failure never fails the request that caused it: the change is committed already.
 */
@Injectable()
export class TicketEventsNotifier {
  private readonly logger = new Logger(TicketEventsNotifier.name);

  constructor(private readonly broadcaster: TicketEventsBroadcaster) {}

  ticketCreated(deal: Deal, requesterName: string | null): Promise<void> {
    return this.safely('new_ticket', () =>
      this.broadcaster.ticketCreated(audienceOf(deal), {
        event: 'new_ticket',
        deal_id: deal.bitrixDealId,
        title: deal.title,
        priority: deal.priority,
        requester: requesterName,
      }),
    );
  }

  dealUpdated(deal: Deal, changes: Record<string, unknown>): Promise<void> {
    if (!Object.keys(changes).length) return Promise.resolve();
    return this.safely('deal_updated', () => this.broadcaster.dealUpdated(audienceOf(deal), { event: 'deal_updated', deal_id: deal.bitrixDealId, changes }));
  }

  activityAdded(deal: Deal, activity: Activity, extra: Record<string, unknown> = {}): Promise<void> {
    const payload: ActivityPayload = {
      id: activity.id,
      activity_id: activity.bitrixActivityId,
      type_id: activity.typeId,
      description: activity.description,
      responsible_name: activity.responsibleName,
      created_at: activity.createdAt.toISOString(),
      direction: activity.direction,
      subject: activity.subject,
      ...extra,
    };
    return this.safely('new_comment', () => this.broadcaster.activityAdded(audienceOf(deal), { event: 'new_comment', deal_id: deal.bitrixDealId, activity: payload }));
  }

  private async safely(event: string, send: () => Promise<void>): Promise<void> {
    try {
      await send();
    } catch (error) {
      this.logger.warn(`Broadcast of ${event} failed: ${(error as Error).message}`);
    }
  }
}

function audienceOf(deal: Deal) {
  return { requesterUserId: deal.userId, responsibleUserId: deal.responsibleId };
}
