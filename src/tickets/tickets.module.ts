import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { TicketAttachmentsService } from './ticket-attachments.service';
import { TicketBitrixGateway } from './ticket-bitrix.gateway';
import { TicketCardPresenter } from './ticket-card.presenter';
import { TicketCardsRepository } from './ticket-cards.repository';
import { TicketIdempotencyService } from './ticket-idempotency.service';
import { TicketListingService } from './ticket-listing.service';
import { TicketMirrorModule } from './ticket-mirror.module';
import { TicketsController } from './tickets.controller';
import { TicketsService } from './tickets.service';

/**
 * Tickets (SPEC §5). Uses the global BitrixModule, StorageModule, MailModule and RealtimeModule (for the
 * TicketEventsBroadcaster) that the app root imports.
 */
@Module({
  imports: [UsersModule, TicketMirrorModule],
  controllers: [TicketsController],
  providers: [
    TicketsService,
    TicketListingService,
    TicketCardsRepository,
    TicketCardPresenter,
    TicketAttachmentsService,
    TicketBitrixGateway,
    TicketIdempotencyService,
  ],
})
export class TicketsModule {}
