import type { TicketNotice } from '../notification-contract';
import { factsOf, headingOf, truncate } from './notice-text';

/** Slack mrkdwn: &, < and > are control characters. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * An incoming-webhook message: Block Kit blocks plus `text`, the fallback shown in notifications and by clients
 * without blocks. Within Block Kit's limits (header 150 characters, section text 3000, field 2000).
 */
export function slackMessage(notice: TicketNotice): object {
  const heading = headingOf(notice);
  const title = notice.ticket.title ?? '(sem título)';
  const blocks: object[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(heading, 150), emoji: false } },
    { type: 'section', text: { type: 'mrkdwn', text: escape(truncate(title, 2000)) } },
    { type: 'section', fields: factsOf(notice).map(([label, value]) => ({ type: 'mrkdwn', text: `*${label}*\n${escape(truncate(value, 200))}` })) },
  ];
  if (notice.comment) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: escape(truncate(`${notice.comment.author ?? 'Alguém'}: ${notice.comment.excerpt}`, 2900)) } });
  }
  blocks.push({ type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Abrir chamado' }, url: notice.ticket.url }] });
  return { text: escape(truncate(`${heading}: ${title}`, 3000)), blocks };
}
