import type { TicketNotice } from '../notification-contract';
import { checkWebhookUrl, maskWebhookUrl, WebhookUrlCipher } from '../webhook-url';
import { excerptOf } from './notice-text';
import { slackMessage } from './slack-message';
import { TEAMS_MAX_BYTES, teamsMessage } from './teams-message';

const notice = (overrides: Partial<TicketNotice> = {}): TicketNotice => ({
  event: 'ticket_commented',
  ticket: {
    number: 1001,
    title: 'Servidor de arquivos fora do ar',
    priority: 'Crítico',
    requester: 'Maria Santos',
    assigneeDepartment: 'TI',
    deadline: '2026-12-02T16:30:00.000Z',
    url: 'https://helpdesk.carvalima.test/chamados/1001',
  },
  comment: { author: 'João Tech', excerpt: 'Reiniciei o serviço' },
  ...overrides,
});

describe('Teams message', () => {
  it('is an Adaptive Card 1.4 in a message, in Portuguese, with the facts and the link', () => {
    const message = teamsMessage(notice()) as { type: string; attachments: { contentType: string; content: { version: string; body: { text?: string; facts?: unknown }[]; actions: { url: string }[] } }[] };
    expect(message.type).toBe('message');
    expect(message.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    const card = message.attachments[0].content;
    expect(card.version).toBe('1.4');
    expect(card.body[0].text).toBe('Nova mensagem no chamado #1001');
    expect(card.body[2].facts).toEqual([
      { title: 'Prioridade', value: 'Crítico' },
      { title: 'Solicitante', value: 'Maria Santos' },
      { title: 'Departamento', value: 'TI' },
      { title: 'Prazo', value: '02/12/2026, 13:30' },
    ]);
    expect(card.body[3].text).toBe('João Tech: Reiniciei o serviço');
    expect(card.actions[0].url).toBe('https://helpdesk.carvalima.test/chamados/1001');
  });

  it('stays under 28 KB whatever the texts', () => {
    const huge = 'ç'.repeat(100_000);
    const message = teamsMessage(notice({ ticket: { ...notice().ticket, title: huge, requester: huge }, comment: { author: huge, excerpt: huge } }));
    expect(Buffer.byteLength(JSON.stringify(message), 'utf8')).toBeLessThanOrEqual(TEAMS_MAX_BYTES);
  });
});

describe('Slack message', () => {
  it('has Block Kit blocks and a text fallback, with mrkdwn control characters escaped', () => {
    const message = slackMessage(notice({ event: 'ticket_urgent', ticket: { ...notice().ticket, title: 'A <b> & C' }, comment: undefined })) as { text: string; blocks: { type: string; text?: { text: string } }[] };
    expect(message.text).toBe('Chamado Crítico aberto: #1001: A &lt;b&gt; &amp; C');
    expect(message.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'actions']);
    expect(message.blocks[1].text?.text).toBe('A &lt;b&gt; &amp; C');
  });
});

describe('notice texts', () => {
  it('makes a plain excerpt of an HTML e-mail body', () => {
    expect(excerptOf('<p>Olá,&nbsp;<b>equipe</b></p><style>p{}</style>\n\n  segue  ', 500)).toBe('Olá, equipe segue');
    expect(excerptOf('x'.repeat(600), 10)).toBe('xxxxxxxxx…');
  });
});

describe('webhook URLs', () => {
  it('accepts https (http only on loopback), refuses the rest naming the field', () => {
    const hosts = ['hooks.slack.com', 'logic.azure.com', '127.0.0.1', 'x.test'];
    expect(checkWebhookUrl('url', ' https://hooks.slack.com/services/T/B/x ', hosts)).toBe('https://hooks.slack.com/services/T/B/x');
    expect(checkWebhookUrl('url', 'https://prod-01.westus.logic.azure.com/workflows/1', hosts)).toBe('https://prod-01.westus.logic.azure.com/workflows/1');
    expect(checkWebhookUrl('url', 'http://127.0.0.1:8080/hook', hosts)).toBe('http://127.0.0.1:8080/hook');
    for (const bad of ['http://hooks.slack.com/x', 'javascript:alert(1)', 'https://u:p@x.test/', 'relative/path', `https://x.test/${'a'.repeat(2000)}`, 'https://internal.corp/x', 'https://evilhooks.slack.com.attacker.test/x']) {
      expect(() => checkWebhookUrl('url', bad, hosts)).toThrow(/^url: /);
    }
    expect(checkWebhookUrl('url', 'https://internal.corp/x', ['*'])).toBe('https://internal.corp/x');
  });

  it('shows only the host and the last 4 characters, and seals so that only the key opens it', () => {
    expect(maskWebhookUrl('https://prod-00.westus.logic.azure.com/workflows/1/invoke?sig=abcdXy9Q')).toBe('https://prod-00.westus.logic.azure.com/…Xy9Q');
    const cipher = new WebhookUrlCipher(Buffer.alloc(32, 7));
    const sealed = cipher.seal('https://hooks.slack.com/services/T/B/secret');
    expect(sealed).not.toContain('secret');
    expect(cipher.open(sealed)).toBe('https://hooks.slack.com/services/T/B/secret');
    expect(() => new WebhookUrlCipher(Buffer.alloc(32, 8)).open(sealed)).toThrow();
  });
});
