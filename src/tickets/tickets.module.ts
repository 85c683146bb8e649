import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { TicketAccessModule } from './ticket-access.module';
import { TicketAttachmentsService } from './ticket-attachments.service';
import { TicketBitrixGateway } from './ticket-bitrix.gateway';
import { TicketCardPresenter } from './ticket-card.presenter';
import { TicketCardsRepository } from './ticket-cards.repository';
import { TicketEventsNotifier } from './ticket-events.notifier';
import { TicketIdempotencyService } from './ticket-idempotency.service';
import { TicketListingService } from './ticket-listing.service';
import { TicketsController } from './tickets.controller';
import { TicketsRepository } from './tickets.repository';
import { TicketsService } from './tickets.service';

/**
 * Tickets (SPEC §5). Uses the global BitrixModule, StorageModule, MailModule and RealtimeModule (for the
 * TicketEventsBroadcaster) that the app root imports.
 */
@Module({
  imports: [UsersModule, TicketAccessModule],
  controllers: [TicketsController],
  providers: [
    TicketsService,
    TicketListingService,
    TicketsRepository,
    TicketCardsRepository,
    TicketCardPresenter,
    TicketAttachmentsService,
    TicketBitrixGateway,
    TicketIdempotencyService,
    TicketEventsNotifier,
  ],
})
export class TicketsModule {}
