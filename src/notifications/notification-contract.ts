/**
 * The contract between the notification outbox and its channels (Teams, Slack, Web Push): what a notice
 * says, and what one delivery attempt came to. The outbox decides from the outcome whether to retry,
 * dead-letter or forget the destination; channels only render and send.
 */

/** The events people can be notified of (also the keys of a person's preferences). */
export const NOTIFICATION_EVENTS = ['ticket_created', 'ticket_urgent', 'ticket_commented', 'ticket_closed', 'sla_warning', 'sla_breached'] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

/** What a notice says about its ticket, whatever the channel. Texts are Portuguese, as the SPA's. */
export interface TicketNotice {
  event: NotificationEvent;
  ticket: {
    /** The public ticket number (Bitrix deal id). */
    number: number;
    title: string | null;
    priority: string | null;
    requester: string | null;
    assigneeDepartment: string | null;
    /** ISO 8601, or null when the ticket has none. */
    deadline: string | null;
    /** Link to the ticket in the SPA. */
    url: string;
  };
  /** For `ticket_commented`: who wrote and the start of the text (plain text, already shortened). */
  comment?: { author: string | null; excerpt: string };
}

/** What one attempt to deliver to one destination came to. */
export type DeliveryOutcome =
  | { kind: 'delivered' }
  /** 429, 5xx, timeout or network: try again later, not before `retryAfterMs` when the receiver said so. */
  | { kind: 'retry'; reason: string; retryAfterMs?: number }
  /** 404/410 from a push service: the subscription no longer exists; remove it, never retry. */
  | { kind: 'gone'; reason: string }
  /** Any other answer: it will never succeed as sent (dead letter). */
  | { kind: 'rejected'; reason: string };

/**
 * The outcome of an HTTP answer from a webhook receiver or push service. `gone` applies to push only
 * (a Teams or Slack URL answering 404 is a misconfiguration an admin must see: `rejected`).
 */
export function outcomeOfResponse(status: number, retryAfter: string | null | undefined, options: { goneOn404And410?: boolean } = {}, now = Date.now()): DeliveryOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  if (options.goneOn404And410 && (status === 404 || status === 410)) return { kind: 'gone', reason: `HTTP ${status}` };
  if (status === 429 || status === 408 || status >= 500) {
    const retryAfterMs = retryAfterToMs(retryAfter, now);
    return retryAfterMs === undefined ? { kind: 'retry', reason: `HTTP ${status}` } : { kind: 'retry', reason: `HTTP ${status}`, retryAfterMs };
  }
  return { kind: 'rejected', reason: `HTTP ${status}` };
}

/** `Retry-After` as delay-seconds or an HTTP date (RFC 9110 §10.2.3), in ms; undefined when absent or unreadable. */
export function retryAfterToMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
