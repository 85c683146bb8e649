import { Module } from '@nestjs/common';
import { DealsRepository } from './deals.repository';
import { TicketAccessService } from './ticket-access.service';

/** The read-access rule of tickets and the `deals` repository it reads, shared by Tickets, Webhook and Realtime. */
@Module({ providers: [DealsRepository, TicketAccessService], exports: [DealsRepository, TicketAccessService] })
export class TicketAccessModule {}
