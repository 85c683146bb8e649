/**
 * The one way other modules announce ticket changes to browsers (seed section 7.3 payloads).
 * Tickets and Webhook inject this abstract class; RealtimeModule provides the Socket.IO
 * implementation. No other module touches Socket.IO.
 *
 * IDs: `deal_id` is always the Bitrix deal ID (the public ticket ID, seed section 9.5).
 */

/** Who may see a ticket's dashboard events besides admins: its requester and its responsible (local user IDs). */
export interface TicketAudience {
  requesterUserId: number | null;
  responsibleUserId: number | null;
  /** Its agents (and leads) read it too. */
  assigneeDepartment?: string | null;
}

export interface ActivityPayload {
  id: number;
  activity_id: number;
  type_id: string | null;
  description: string | null;
  responsible_name: string | null;
  created_at: string;
  [extra: string]: unknown;
}

/** `new_comment` to room of the deal. */
export interface NewCommentEvent {
  event: 'new_comment';
  deal_id: number;
  activity: ActivityPayload;
}

/** `deal_updated` to room of the deal; `changes` holds only the fields that changed. */
export interface DealUpdatedEvent {
  event: 'deal_updated';
  deal_id: number;
  changes: Record<string, unknown>;
}

/** `new_ticket` to the dashboard feed. */
export interface NewTicketEvent {
  event: 'new_ticket';
  deal_id: number;
  title: string | null;
  priority: string | null;
  requester: string | null;
}

/** `ticket_updated` to the dashboard feed. */
export interface TicketUpdatedEvent {
  event: 'ticket_updated';
  deal_id: number;
  changes: Record<string, unknown>;
}

/** `new_activity` to the dashboard feed. */
export interface NewActivityEvent {
  event: 'new_activity';
  deal_id: number;
  activity: ActivityPayload;
}

export abstract class TicketEventsBroadcaster {
  /** A comment or e-mail was added to a ticket: `new_comment` to its room, `new_activity` to the feed. */
  abstract activityAdded(audience: TicketAudience, event: NewCommentEvent): Promise<void>;
  /** A ticket changed: `deal_updated` to its room, `ticket_updated` to the feed. */
  abstract dealUpdated(audience: TicketAudience, event: DealUpdatedEvent): Promise<void>;
  /** A ticket was created: `new_ticket` to the feed. */
  abstract ticketCreated(audience: TicketAudience, event: NewTicketEvent): Promise<void>;
}
