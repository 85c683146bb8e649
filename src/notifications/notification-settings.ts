/**
 * Tuning of the notification outbox (NOTIFICATIONS_* variables), part of AppConfig (`config.notifications`).
 * Declared and validated in config/config.loader.ts with every other setting; documented in .env.example.
 */
export interface NotificationSettings {
  /** Run the outbox workers (fan-out, delivery, SLA watch) on this instance. */
  workers: boolean;
  /** Attempts per destination before the delivery becomes a dead letter (GET /notifications/dead-letters). */
  maxAttempts: number;
  /** First retry delay; doubled on each retry (with jitter), never above `retryMaxDelaySeconds`; a longer Retry-After wins. */
  retryDelaySeconds: number;
  retryMaxDelaySeconds: number;
  /** Bound on one POST to Teams, Slack or a push service. */
  timeoutMs: number;
  /** Deliveries in flight at once on one instance. */
  concurrency: number;
  /** How often idle workers look for jobs (a producer on this instance wakes them at once). */
  pollMs: number;
  /** Spacing of posts to one Teams webhook (Teams throttles above about 4 requests/s) and to one Slack webhook (1/s). */
  teamsMinIntervalMs: number;
  slackMinIntervalMs: number;
  /** How often the SLA watch looks for tickets about to breach or breached (0: never). */
  slaCheckSeconds: number;
  /** "About to breach": the deadline is at most this far away. */
  slaWarningMinutes: number;
  /** Hosts (and their subdomains) Teams/Slack webhook URLs may point at; `*` any. */
  webhookHosts: string[];
  /** Link to a ticket in the SPA: `{spaUrl}{ticketPath}` with `{deal_id}` replaced. */
  ticketLink: (bitrixDealId: number) => string;
}
