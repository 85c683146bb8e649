import type { TicketNotice } from '../notification-contract';
import { factsOf, headingOf, truncate } from './notice-text';

/** Teams refuses a message above 28 KB; stay under it with room for the envelope. */
export const TEAMS_MAX_BYTES = 27 * 1024;

/**
 * The body a Teams Workflows webhook ("Post to a channel when a webhook request is received") expects: a
 * `message` with one Adaptive Card 1.4 attachment. Texts are cut so the JSON stays under TEAMS_MAX_BYTES.
 */
export function teamsMessage(notice: TicketNotice): object {
  for (const limits of [
    { title: 500, excerpt: 2000 },
    { title: 200, excerpt: 500 },
    { title: 100, excerpt: 100 },
  ]) {
    const message = render(notice, limits);
    if (Buffer.byteLength(JSON.stringify(message), 'utf8') <= TEAMS_MAX_BYTES) return message;
  }
  return render(notice, { title: 50, excerpt: 0 });
}

function render(notice: TicketNotice, limits: { title: number; excerpt: number }): object {
  const body: object[] = [
    { type: 'TextBlock', text: truncate(headingOf(notice), 200), weight: 'Bolder', size: 'Medium', wrap: true },
    { type: 'TextBlock', text: truncate(notice.ticket.title ?? '(sem título)', limits.title), wrap: true },
    { type: 'FactSet', facts: factsOf(notice).map(([title, value]) => ({ title, value: truncate(value, 200) })) },
  ];
  if (notice.comment && limits.excerpt > 0) {
    body.push({ type: 'TextBlock', text: truncate(`${notice.comment.author ?? 'Alguém'}: ${notice.comment.excerpt}`, limits.excerpt), wrap: true, isSubtle: true });
  }
  const card = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body,
    actions: [{ type: 'Action.OpenUrl', title: 'Abrir chamado', url: notice.ticket.url }],
  };
  return { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }] };
}
