import {
  ConnectedSocket,
  MessageBody,
  OnGatewayConnection,
  OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import cookieParser from 'cookie-parser';
import { DealRoomsService } from './deal-rooms.service';
import { feedRoomsFor } from './realtime-rooms';
import type { DealRoomAck, RealtimeServer, RealtimeSocket } from './realtime.types';
import { SOCKET_UNAUTHORIZED, SocketAuthenticator } from './socket-authenticator.service';
import { SocketSessionsService } from './socket-sessions.service';
import { MetricsService } from '../metrics/metrics.service';

/**
 * Socket.IO at `/socket.io`, default namespace (SPEC section 7). Server options (path, CORS, the
 * cross-instance adapter) come from RealtimeIoAdapter; events are sent by SocketIoTicketEventsBroadcaster.
 */
@WebSocketGateway()
export class RealtimeGateway implements OnGatewayInit<RealtimeServer>, OnGatewayConnection<RealtimeSocket> {
  @WebSocketServer()
  server!: RealtimeServer;

  constructor(
    private readonly authenticator: SocketAuthenticator,
    private readonly sessions: SocketSessionsService,
    private readonly dealRooms: DealRoomsService,
    private readonly metrics: MetricsService,
  ) {}

  afterInit(server: RealtimeServer): void {
    // Parses the handshake's cookies (same library as HTTP) into `socket.request.cookies`.
    server.engine.use(cookieParser());
    // Handshake middleware: a refusal reaches the client as `connect_error` with message 'unauthorized'.
    server.use((socket, next) => {
      this.authenticator.authenticate({ auth: socket.handshake.auth, request: socket.request }).then(
        (principal) => {
          socket.data.principal = principal;
          next();
        },
        () => next(new Error(SOCKET_UNAUTHORIZED)),
      );
    });
    this.sessions.start(server);
    this.metrics.registerGauge('socketio_connected_clients', 'Socket.IO clients connected to this instance', () => server.engine.clientsCount);
  }

  async handleConnection(socket: RealtimeSocket): Promise<void> {
    await socket.join(feedRoomsFor(socket.data.principal));
    this.sessions.track(socket);
  }

  @SubscribeMessage('join_deal')
  joinDeal(@ConnectedSocket() socket: RealtimeSocket, @MessageBody() payload: unknown): Promise<DealRoomAck> {
    return this.dealRooms.join(socket, payload);
  }

  @SubscribeMessage('leave_deal')
  leaveDeal(@ConnectedSocket() socket: RealtimeSocket, @MessageBody() payload: unknown): Promise<DealRoomAck> {
    return this.dealRooms.leave(socket, payload);
  }
}
