/** Ticket priorities, as labelled in the seed and in the Bitrix enumeration (seed §5.1). */
export const TICKET_PRIORITIES = ['Crítico', 'Alto', 'Médio', 'Baixo'] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];

/** SLA per priority (seed §5.1 "Cálculo de SLA"; SPEC §5). */
export const SLA_HOURS: Readonly<Record<TicketPriority, number>> = {
  Crítico: 1,
  Alto: 4,
  Médio: 24,
  Baixo: 72,
};

/** Lower case, no accents, trimmed: "  CRÍTICO " → "critico". */
export function foldLabel(label: string): string {
  return label.normalize('NFD').replace(/[\u0300-\u036f]/g, '').trim().toLowerCase();
}

/** Accepts "Crítico", "critico", "MEDIO"...; null when it is no known priority. */
export function normalizePriority(label: string | null | undefined): TicketPriority | null {
  if (!label) return null;
  const folded = foldLabel(label);
  return TICKET_PRIORITIES.find((p) => foldLabel(p) === folded) ?? null;
}

/** Deadline of a ticket opened at `from` (Crítico +1 h, Alto +4 h, Médio +24 h, Baixo +72 h). */
export function slaDeadlineFor(priority: TicketPriority | string, from: Date = new Date()): Date {
  const normalized = normalizePriority(priority);
  if (!normalized) throw new Error(`Unknown ticket priority: ${JSON.stringify(priority)}`);
  return new Date(from.getTime() + SLA_HOURS[normalized] * 3_600_000);
}

/**
 * The deadline of a ticket: the portal's SLA field when it has one, else the SLA rule by priority from the
 * opening time (deals made in the portal often leave the field empty); null when neither is known.
 */
export function ticketDeadline(portalDeadline: Date | null, priority: string | null, openedAt: Date | null): Date | null {
  if (portalDeadline) return portalDeadline;
  if (!openedAt || !normalizePriority(priority)) return null;
  return slaDeadlineFor(priority as string, openedAt);
}
