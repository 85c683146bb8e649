import type { Server, Socket } from 'socket.io';
import type {
  DealUpdatedEvent,
  NewActivityEvent,
  NewCommentEvent,
  NewTicketEvent,
  TicketAudience,
  TicketUpdatedEvent,
} from './ticket-events.broadcaster';

/** Who is behind a socket, set once by the handshake and kept current by SocketSessionsService. */
export interface SocketPrincipal {
  userId: number;
  isAdmin: boolean;
  /** Departments the user is an agent or lead of: set at the handshake, read again at every `join_deal`. */
  agentOf: string[];
  sessionId: string;
  /** Epoch milliseconds when the access token presented at the handshake expires (null: no `exp`). */
  tokenExpiresAt: number | null;
}

/** Answer to `join_deal` / `leave_deal` (SPEC section 7). */
export type DealRoomAck = { ok: true } | { ok: false; error: string };

export interface ClientToServerEvents {
  join_deal: (payload: unknown, ack?: (answer: DealRoomAck) => void) => void;
  leave_deal: (payload: unknown, ack?: (answer: DealRoomAck) => void) => void;
}

/** Server events, payloads exactly as seed section 7.3. */
export interface ServerToClientEvents {
  new_comment: (payload: NewCommentEvent) => void;
  deal_updated: (payload: DealUpdatedEvent) => void;
  new_ticket: (payload: NewTicketEvent) => void;
  ticket_updated: (payload: TicketUpdatedEvent) => void;
  new_activity: (payload: NewActivityEvent) => void;
}

/** Every event the server sends; each payload's `event` field is its Socket.IO event name. */
export type TicketEvent = NewCommentEvent | DealUpdatedEvent | NewTicketEvent | TicketUpdatedEvent | NewActivityEvent;

/** Between app instances, through the cluster adapter (see SocketIoTicketEventsBroadcaster). */
export interface InterServerEvents {
  /** `traceparent`: the emitting span's W3C trace context when tracing is on (absent from older instances). */
  relay_ticket_event: (rooms: string[], payload: TicketEvent, dealAudience: TicketAudience | null, traceparent?: string | null) => void;
}

export interface SocketData {
  principal: SocketPrincipal;
}

export type RealtimeServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type RealtimeSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
