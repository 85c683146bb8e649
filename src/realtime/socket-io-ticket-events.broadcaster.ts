import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Span, SpanKind } from '@opentelemetry/api';
import { activeTraceparent, contextFromTraceparent, inSpanSync, markFailed, SPAN_ATTRIBUTES } from '../common/spans';
import { TicketAccessService } from '../tickets/ticket-access.service';
import { RealtimeGateway } from './realtime.gateway';
import { dealRoom, feedRoomsOf } from './realtime-rooms';
import type { RealtimeServer, TicketEvent } from './realtime.types';
import { DealUpdatedEvent, NewCommentEvent, NewTicketEvent, TicketAudience, TicketEventsBroadcaster } from './ticket-events.broadcaster';

/**
 * TicketEventsBroadcaster over Socket.IO. Deal-room events go to `deal:<bitrixDealId>`; dashboard
 * events go to the admins and to the ticket's requester and responsible. Each payload is emitted as
 * the event's data, under the name in its `event` field (seed section 7.3).
 *
 * Delivery: to this instance's sockets at once, and relayed to the other instances through the cluster
 * adapter (`serverSideEmit`), which deliver to theirs. A plain `server.to(rooms).emit()` would do both,
 * but the PostgreSQL adapter then holds the local delivery until its NOTIFY round trip is done, which
 * doubled the p99 of bench/socket-fanout.mjs on a busy machine, and a slow database would delay it more.
 *
 * Broadcasting never throws into the caller: a saved ticket is not undone by a notification that failed.
 */
@Injectable()
export class SocketIoTicketEventsBroadcaster extends TicketEventsBroadcaster implements OnModuleInit {
  private readonly logger = new Logger(SocketIoTicketEventsBroadcaster.name);

  constructor(private readonly gateway: RealtimeGateway) {
    super();
  }

  onModuleInit(): void {
    // The gateway's server exists by now (Nest creates it before the init hooks run).
    const server = this.gateway.server;
    server?.sockets.on('relay_ticket_event', (rooms, payload, dealAudience, traceparent) => {
      const deliver = (span?: Span) => {
        try {
          this.deliverLocally(server, rooms, payload, dealAudience);
        } catch (error) {
          if (span) markFailed(span, error);
          this.logger.error(`Could not deliver relayed ${payload?.event}: ${String(error)}`);
        }
      };
      // An event another instance emitted in a trace: this instance's delivery is a `socket.deliver` span of it.
      if (typeof traceparent !== 'string') return deliver();
      const attributes = { [SPAN_ATTRIBUTES.socketEvent]: String(payload?.event), [SPAN_ATTRIBUTES.socketRooms]: Array.isArray(rooms) ? rooms.length : 0 };
      inSpanSync('socket.deliver', { kind: SpanKind.CONSUMER, parent: contextFromTraceparent(traceparent), attributes }, deliver);
    });
  }

  async activityAdded(audience: TicketAudience, event: NewCommentEvent): Promise<void> {
    this.broadcast([dealRoom(event.deal_id)], event, audience);
    this.broadcast(feedRoomsOf(audience), { event: 'new_activity', deal_id: event.deal_id, activity: event.activity });
  }

  async dealUpdated(audience: TicketAudience, event: DealUpdatedEvent): Promise<void> {
    this.broadcast([dealRoom(event.deal_id)], event, audience);
    this.broadcast(feedRoomsOf(audience), { event: 'ticket_updated', deal_id: event.deal_id, changes: event.changes });
  }

  async ticketCreated(audience: TicketAudience, event: NewTicketEvent): Promise<void> {
    this.broadcast(feedRoomsOf(audience), event);
  }

  /** `dealAudience`: for deal-room events, who may still read the ticket (see evictFormerReaders). */
  private broadcast(rooms: string[], payload: TicketEvent, dealAudience: TicketAudience | null = null): void {
    // One `socket.emit` span per event: its name, deal and room count; never the payload.
    const attributes = { [SPAN_ATTRIBUTES.socketEvent]: payload.event, [SPAN_ATTRIBUTES.socketRooms]: rooms.length, [SPAN_ATTRIBUTES.dealId]: payload.deal_id };
    inSpanSync('socket.emit', { kind: SpanKind.PRODUCER, attributes }, (span) => this.emitEverywhere(span, rooms, payload, dealAudience));
  }

  private emitEverywhere(span: Span, rooms: string[], payload: TicketEvent, dealAudience: TicketAudience | null): void {
    try {
      const server = this.gateway.server;
      if (!server) throw new Error('the Socket.IO server is not running');
      this.deliverLocally(server, rooms, payload, dealAudience);
      // With tracing on, the other instances' deliveries join this span's trace; off, the relay is as it was.
      const traceparent = activeTraceparent();
      if (traceparent) server.serverSideEmit('relay_ticket_event', rooms, payload, dealAudience, traceparent);
      else server.serverSideEmit('relay_ticket_event', rooms, payload, dealAudience);
    } catch (error) {
      markFailed(span, error);
      this.logger.error(`Could not broadcast ${payload.event} of deal ${payload.deal_id}: ${String(error)}`);
    }
  }

  /** A socket in several of the rooms receives the event once. */
  private deliverLocally(server: RealtimeServer, rooms: string[], payload: TicketEvent, dealAudience: TicketAudience | null): void {
    if (dealAudience) for (const room of rooms) this.evictFormerReaders(server, room, dealAudience);
    const operator = server.local.to(rooms);
    // TypeScript cannot pair each member of the union with its event name; `payload.event` is that name.
    (operator.emit as (event: TicketEvent['event'], data: TicketEvent) => boolean).call(operator, payload.event, payload);
  }

  /**
   * A socket joined a deal room when its user could read the ticket; if that changed since (another
   * responsible, the ticket moved to someone else), it leaves the room before the event goes out.
   * Checks this instance's members only: each instance does the same for its own on delivery.
   */
  private evictFormerReaders(server: RealtimeServer, room: string, audience: TicketAudience): void {
    const members = server.sockets.adapter.rooms.get(room);
    if (!members) return;
    for (const socketId of members) {
      const socket = server.sockets.sockets.get(socketId);
      const principal = socket?.data.principal;
      if (socket && principal && !TicketAccessService.isReader({ id: principal.userId, isAdmin: principal.isAdmin, agentOf: principal.agentOf }, audience)) {
        void socket.leave(room);
      }
    }
  }
}
