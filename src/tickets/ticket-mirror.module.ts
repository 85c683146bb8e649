import { Module } from '@nestjs/common';
import { LocalUsersRepository } from '../users/local-users.repository';
import { ActivitiesRepository } from './activities.repository';
import { TicketAccessModule } from './ticket-access.module';
import { TicketEventsNotifier } from './ticket-events.notifier';

/**
 * The tickets mirror as every writer uses it: the repositories of `deals`/`deal_files` (DealsRepository,
 * from TicketAccessModule) and `activities`/`activity_files`, the local-user lookups, the access rule and
 * the one event notifier. Imported by Tickets (API actions), Webhook (workers) and the sync CLI. Needs the
 * global StorageModule and a TicketEventsBroadcaster.
 */
@Module({
  imports: [TicketAccessModule],
  providers: [ActivitiesRepository, LocalUsersRepository, TicketEventsNotifier],
  exports: [TicketAccessModule, ActivitiesRepository, LocalUsersRepository, TicketEventsNotifier],
})
export class TicketMirrorModule {}
