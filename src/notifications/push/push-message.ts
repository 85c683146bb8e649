import type { Urgency } from 'web-push';
import type { NotificationEvent, TicketNotice } from '../notification-contract';

/**
 * The JSON the service worker receives (decrypted by the browser) in its `push` event: it shows `title` and
 * `body` with `tag` (a newer notice about the same ticket and event replaces the older one instead of stacking)
 * and opens `url` on click.
 */
export interface PushPayload {
  title: string;
  body: string;
  url: string;
  tag: string;
  event: NotificationEvent;
  ticket_number: number;
  priority: string | null;
  deadline: string | null;
}

export interface PushMessage {
  payload: PushPayload;
  /** The payload as sent: UTF-8 JSON of at most MAX_PUSH_PAYLOAD_BYTES. */
  text: string;
  urgency: Urgency;
  /** RFC 8030 Topic: the push service keeps only the newest undelivered message of a topic for an offline browser. */
  topic: string;
}

/**
 * Push services must accept 4096-byte messages (RFC 8291 §4); aes128gcm adds an 86-byte header, a 1-byte
 * padding delimiter and a 16-byte tag to the plaintext.
 */
export const MAX_PUSH_PAYLOAD_BYTES = 4096 - 86 - 1 - 16;

const URGENT_PRIORITIES = new Set(['crítico', 'critico', 'alto']);
/** The portal's time zone, in which people read deadlines. */
const DEADLINE_FORMAT = new Intl.DateTimeFormat('pt-BR', { timeZone: 'America/Sao_Paulo', dateStyle: 'short', timeStyle: 'short' });

function titleOf(notice: TicketNotice): string {
  const n = `#${notice.ticket.number}`;
  switch (notice.event) {
    case 'ticket_created':
      return `Novo chamado ${n}`;
    case 'ticket_urgent':
      return `Chamado ${notice.ticket.priority ?? 'urgente'} aberto: ${n}`;
    case 'ticket_commented':
      return `Nova mensagem no chamado ${n}`;
    case 'ticket_closed':
      return `Chamado ${n} encerrado`;
    case 'sla_warning':
      return `Prazo do chamado ${n} está acabando`;
    case 'sla_breached':
      return `Prazo do chamado ${n} estourado`;
    default:
      return assertUnreachable(notice.event);
  }
}

function formatDeadline(iso: string | null): string | null {
  if (!iso) return null;
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? null : DEADLINE_FORMAT.format(at);
}

function bodyOf(notice: TicketNotice): string {
  const { ticket } = notice;
  const details = [
    ticket.priority ? `Prioridade: ${ticket.priority}` : null,
    ticket.requester ? `Solicitante: ${ticket.requester}` : null,
    formatDeadline(ticket.deadline) ? `Prazo: ${formatDeadline(ticket.deadline)}` : null,
  ].filter((part): part is string => part !== null);
  const lines = [
    notice.event === 'ticket_commented' && notice.comment ? `${notice.comment.author ?? 'Alguém'}: ${notice.comment.excerpt}` : null,
    ticket.title ?? '(sem título)',
    details.length > 0 ? details.join(' · ') : null,
  ];
  return lines.filter((line): line is string => line !== null).join('\n');
}

/** Crítico/Alto tickets and breached deadlines wake the device (RFC 8030 §5.3); a closed ticket never does. */
function urgencyOf(notice: TicketNotice): Urgency {
  if (notice.event === 'ticket_closed') return 'normal';
  if (notice.event === 'ticket_urgent' || notice.event === 'sla_breached') return 'high';
  return URGENT_PRIORITIES.has((notice.ticket.priority ?? '').trim().toLowerCase()) ? 'high' : 'normal';
}

const jsonBytes = (payload: PushPayload): number => Buffer.byteLength(JSON.stringify(payload));

/** Shortens `payload[field]` (whole code points, an ellipsis at the cut) until the JSON fits, if it can. */
function fitField(payload: PushPayload, field: 'title' | 'body'): void {
  if (jsonBytes(payload) <= MAX_PUSH_PAYLOAD_BYTES) return;
  const points = Array.from(payload[field]);
  const cut = (count: number) => `${points.slice(0, count).join('')}…`;
  // The longest prefix that fits, by bisection on the JSON size itself (escapes and multi-byte characters included).
  let low = 0;
  let high = points.length - 1;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (jsonBytes({ ...payload, [field]: cut(mid) }) <= MAX_PUSH_PAYLOAD_BYTES) low = mid;
    else high = mid - 1;
  }
  payload[field] = cut(low);
}

/** The push message of a notice: Portuguese title and body, the ticket's link, within the size push services take. */
export function buildPushMessage(notice: TicketNotice): PushMessage {
  const payload: PushPayload = {
    title: titleOf(notice),
    body: bodyOf(notice),
    url: notice.ticket.url,
    tag: `chamado-${notice.ticket.number}-${notice.event}`,
    event: notice.event,
    ticket_number: notice.ticket.number,
    priority: notice.ticket.priority,
    deadline: notice.ticket.deadline,
  };
  // Over the limit: shorten the body, then (absurd titles) the title.
  fitField(payload, 'body');
  fitField(payload, 'title');
  const text = JSON.stringify(payload);
  if (Buffer.byteLength(text) > MAX_PUSH_PAYLOAD_BYTES) throw new Error(`push payload of ${Buffer.byteLength(text)} bytes over ${MAX_PUSH_PAYLOAD_BYTES} (url too long?)`);
  return { payload, text, urgency: urgencyOf(notice), topic: `t${notice.ticket.number}-${notice.event}`.slice(0, 32) };
}

function assertUnreachable(value: never): never {
  throw new Error(`Unknown notification event ${String(value)}`);
}
