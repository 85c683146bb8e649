import { Injectable, Logger } from '@nestjs/common';
import { NewCommentEvent, DealUpdatedEvent, NewTicketEvent, TicketAudience, TicketEventsBroadcaster } from '../realtime/ticket-events.broadcaster';

/**
 * The broadcaster of the `npm run sync` CLI, which has no Socket.IO server: changes it heals are logged
 * at debug level instead (browsers see them on their next read).
 */
@Injectable()
export class SilentTicketEventsBroadcaster extends TicketEventsBroadcaster {
  private readonly logger = new Logger('SyncBroadcast');

  async activityAdded(_audience: TicketAudience, event: NewCommentEvent): Promise<void> {
    this.logger.debug(`new_comment deal ${event.deal_id} activity ${event.activity.activity_id}`);
  }

  async dealUpdated(_audience: TicketAudience, event: DealUpdatedEvent): Promise<void> {
    this.logger.debug(`deal_updated deal ${event.deal_id}: ${Object.keys(event.changes).join(', ')}`);
  }

  async ticketCreated(_audience: TicketAudience, event: NewTicketEvent): Promise<void> {
    this.logger.debug(`new_ticket deal ${event.deal_id}`);
  }
}
