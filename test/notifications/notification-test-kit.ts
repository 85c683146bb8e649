import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedMessage {
  path: string;
  body: Record<string, unknown>;
  /** The receiver answered 2xx and the response was written out (the sender may count it delivered). */
  acknowledged: boolean;
  status: number;
  receivedAt: number;
}

type Responder = (path: string) => { status: number; headers?: Record<string, string>; delayMs?: number };

/**
 * A local HTTP server standing in for Teams Workflows and Slack incoming webhooks: records every POST (path and
 * JSON body) and answers as scripted (200/202 by default; `respond` scripts 429 with Retry-After, 503, delays).
 */
export class WebhookReceiver {
  readonly messages: ReceivedMessage[] = [];
  private server!: http.Server;
  respond: Responder = () => ({ status: 200 });

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        } catch {
          body = { unreadable: true };
        }
        const path = req.url ?? '/';
        const answer = this.respond(path);
        const message: ReceivedMessage = { path, body, acknowledged: false, status: answer.status, receivedAt: Date.now() };
        this.messages.push(message);
        const send = () => {
          if (res.destroyed) return;
          res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
          res.end(answer.status < 300 ? 'ok' : 'error', () => {
            if (answer.status < 300) message.acknowledged = true;
          });
        };
        if (answer.delayMs) setTimeout(send, answer.delayMs);
        else send();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  /** Messages to one path that the receiver acknowledged (2xx, written out). */
  delivered(path: string): ReceivedMessage[] {
    return this.messages.filter((m) => m.path === path && m.acknowledged);
  }

  to(path: string): ReceivedMessage[] {
    return this.messages.filter((m) => m.path === path);
  }

  reset(): void {
    this.messages.length = 0;
    this.respond = () => ({ status: 200 });
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** The ticket number a Teams message is about (from its Adaptive Card's heading). */
export function teamsTicketNumber(body: Record<string, unknown>): number | null {
  const card = (body.attachments as { content: { body: { text?: string }[] } }[] | undefined)?.[0]?.content;
  const match = /#(\d+)/.exec(card?.body?.[0]?.text ?? '');
  return match ? Number(match[1]) : null;
}

/** The ticket number a Slack message is about (from its fallback text). */
export function slackTicketNumber(body: Record<string, unknown>): number | null {
  const match = /#(\d+)/.exec(String(body.text ?? ''));
  return match ? Number(match[1]) : null;
}

/** Outbox settings that keep tests quick: pass as stack env. */
export function fastNotificationEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NOTIFICATIONS_POLL_MS: '50',
    NOTIFICATIONS_RETRY_DELAY_SECONDS: '1',
    NOTIFICATIONS_RETRY_MAX_DELAY_SECONDS: '2',
    NOTIFICATIONS_TEAMS_MIN_INTERVAL_MS: '0',
    NOTIFICATIONS_SLACK_MIN_INTERVAL_MS: '0',
    NOTIFICATIONS_TIMEOUT_MS: '3000',
    NOTIFICATIONS_SLA_CHECK_SECONDS: '0',
    SPA_URL: 'https://helpdesk.carvalima.test',
    NOTIFICATIONS_WEBHOOK_HOSTS: '127.0.0.1,hooks.slack.test,x.test',
    ...overrides,
  };
}
