import { Injectable, Logger } from '@nestjs/common';
import { TicketEventsBroadcaster } from '../realtime/ticket-events.broadcaster';
import { ATTACHMENT_URL_TTL_SECONDS, StorageService } from '../storage/storage.service';
import { LocalUsersRepository } from '../users/local-users.repository';
import { ActivityFile } from './entities/activity-file.entity';
import { Activity } from './entities/activity.entity';
import { Deal } from './entities/deal.entity';
import { audienceOf, dealUpdatedEvent, newCommentEvent, newTicketEvent } from './ticket-event-payloads';

/**
 * Announces ticket changes through the Realtime module, for every producer (ticket actions, webhook workers;
 * the sync CLI's broadcaster is silent). Payloads come from ticket-event-payloads.ts. A broadcast failure
 * never fails what caused it: the change is committed already (and a retry would not re-announce it).
 */
@Injectable()
export class TicketEventsNotifier {
  private readonly logger = new Logger(TicketEventsNotifier.name);

  constructor(
    private readonly broadcaster: TicketEventsBroadcaster,
    private readonly storage: StorageService,
    private readonly users: LocalUsersRepository,
  ) {}

  /** `new_ticket`; `requesterName` is the name written on the deal, else the local requester's name is used. */
  ticketCreated(deal: Deal, requesterName: string | null): Promise<void> {
    return this.safely('new_ticket', async () => {
      const name = requesterName ?? (deal.userId !== null ? ((await this.users.findById(deal.userId))?.fullName ?? null) : null);
      await this.broadcaster.ticketCreated(audienceOf(deal), newTicketEvent(deal, name));
    });
  }

  /** `deal_updated` / `ticket_updated`, only when a field the SPA shows really changed. */
  dealUpdated(before: Partial<Deal>, after: Deal): Promise<void> {
    const event = dealUpdatedEvent(before, after);
    if (!event) return Promise.resolve();
    return this.safely('deal_updated', () => this.broadcaster.dealUpdated(audienceOf(after), event));
  }

  /** `new_comment` / `new_activity`, with the activity's files presigned as in the listing. */
  activityAdded(deal: Pick<Deal, 'bitrixDealId' | 'userId' | 'responsibleId' | 'assigneeDepartment'>, activity: Activity, files: ActivityFile[]): Promise<void> {
    return this.safely('new_comment', async () => {
      const signed = await Promise.all(
        files.map(async (f) => ({ id: f.id, filename: f.filename, file_url: f.storageKey ? await this.storage.presignedUrl(f.storageKey, ATTACHMENT_URL_TTL_SECONDS) : null })),
      );
      await this.broadcaster.activityAdded(audienceOf(deal), newCommentEvent(deal, activity, signed));
    });
  }

  private async safely(event: string, send: () => Promise<void>): Promise<void> {
    try {
      await send();
    } catch (error) {
      this.logger.warn(`Broadcast of ${event} failed: ${(error as Error).message}`);
    }
  }
}
