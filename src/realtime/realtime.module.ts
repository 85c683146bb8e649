import { Global, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { AuthModule } from '../auth/auth.module';
import { TicketAccessModule } from '../tickets/ticket-access.module';
import { DealRoomsService } from './deal-rooms.service';
import { RealtimeGateway } from './realtime.gateway';
import { SocketAuthenticator } from './socket-authenticator.service';
import { SocketIoTicketEventsBroadcaster } from './socket-io-ticket-events.broadcaster';
import { SocketSessionsService } from './socket-sessions.service';
import { TicketEventsBroadcaster } from './ticket-events.broadcaster';

/**
 * Socket.IO (SPEC section 7): the gateway, its handshake authentication and rooms, and the one
 * TicketEventsBroadcaster that Tickets and Webhook inject. The only module that touches Socket.IO.
 * Global so any module can inject TicketEventsBroadcaster without importing this one.
 */
@Global()
@Module({
  imports: [AuthModule, TicketAccessModule, JwtModule.register({})],
  providers: [
    RealtimeGateway,
    SocketAuthenticator,
    SocketSessionsService,
    DealRoomsService,
    SocketIoTicketEventsBroadcaster,
    { provide: TicketEventsBroadcaster, useExisting: SocketIoTicketEventsBroadcaster },
  ],
  exports: [TicketEventsBroadcaster],
})
export class RealtimeModule {}
