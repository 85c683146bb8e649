import { Module } from '@nestjs/common';
import { TicketAccessService } from './ticket-access.service';

/** The read-access rule of tickets, shared by Tickets and Realtime. */
@Module({ providers: [TicketAccessService], exports: [TicketAccessService] })
export class TicketAccessModule {}
