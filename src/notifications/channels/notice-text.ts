import type { NotificationEvent, TicketNotice } from '../notification-contract';

const HEADINGS: Record<NotificationEvent, (n: number, notice: TicketNotice) => string> = {
  ticket_created: (n) => `Novo chamado #${n}`,
  ticket_urgent: (n, notice) => `Chamado ${notice.ticket.priority ?? 'urgente'} aberto: #${n}`,
  ticket_commented: (n) => `Nova mensagem no chamado #${n}`,
  ticket_closed: (n) => `Chamado #${n} encerrado`,
  sla_warning: (n) => `O prazo do chamado #${n} está perto de vencer`,
  sla_breached: (n) => `O prazo do chamado #${n} venceu`,
};

const DEADLINE_FORMAT = new Intl.DateTimeFormat('pt-BR', { timeZone: 'America/Sao_Paulo', dateStyle: 'short', timeStyle: 'short' });

/** The first line of a notice, in Portuguese. */
export function headingOf(notice: TicketNotice): string {
  return HEADINGS[notice.event](notice.ticket.number, notice);
}

/** The deadline as people in Brazil read it ("02/12/2026, 14:30"), or "sem prazo". */
export function deadlineText(notice: TicketNotice): string {
  return notice.ticket.deadline ? DEADLINE_FORMAT.format(new Date(notice.ticket.deadline)) : 'sem prazo';
}

/** The facts every card shows, label → value. */
export function factsOf(notice: TicketNotice): [string, string][] {
  return [
    ['Prioridade', notice.ticket.priority ?? '—'],
    ['Solicitante', notice.ticket.requester ?? '—'],
    ['Departamento', notice.ticket.assigneeDepartment ?? '—'],
    ['Prazo', deadlineText(notice)],
  ];
}

/** Cuts a text to `max` characters, ending with "…" when cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** Plain text of a comment or e-mail body (tags dropped, whitespace folded), shortened for a notice. */
export function excerptOf(text: string | null, max = 500): string {
  const plain = (text ?? '')
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return truncate(plain, max);
}
