import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { BitrixStats } from '../bitrix/bitrix-stats';

type GaugeReading = number | Record<string, number>;

/**
 * Prometheus metrics of this process: HTTP latency by route, Bitrix calls and errors by method, and
 * gauges other modules register (queue depth, connected sockets) through `registerGauge`.
 */
@Injectable()
export class MetricsService implements OnModuleDestroy {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly bitrixRequests = new Counter({
    name: 'bitrix_requests_total',
    help: 'HTTP requests sent to Bitrix24, by REST method and HTTP status',
    labelNames: ['method', 'status'] as const,
    registers: [this.registry],
  });

  private readonly bitrixDuration = new Histogram({
    name: 'bitrix_request_duration_seconds',
    help: 'Latency of Bitrix24 HTTP requests by REST method',
    labelNames: ['method'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 15, 30],
    registers: [this.registry],
  });

  private readonly bitrixErrors = new Counter({
    name: 'bitrix_errors_total',
    help: 'Bitrix24 errors by REST method and error code',
    labelNames: ['method', 'code'] as const,
    registers: [this.registry],
  });

  private readonly bitrixRetries = new Counter({
    name: 'bitrix_retries_total',
    help: 'Bitrix24 calls retried, by REST method and error code',
    labelNames: ['method', 'code'] as const,
    registers: [this.registry],
  });

  private readonly notificationsSent = new Counter({
    name: 'notifications_sent_total',
    help: 'Notifications delivered, by channel (teams, slack, push)',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });

  private readonly notificationsFailed = new Counter({
    name: 'notifications_failed_total',
    help: 'Notifications given up on (dead letters and push subscriptions gone), by channel',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });

  private readonly notificationsRetried = new Counter({
    name: 'notifications_retried_total',
    help: 'Notification attempts to be retried later (429, 5xx, timeout, network), by channel',
    labelNames: ['channel'] as const,
    registers: [this.registry],
  });

  private readonly unsubscribe: () => void;

  constructor(bitrixStats: BitrixStats) {
    collectDefaultMetrics({ register: this.registry });
    this.unsubscribe = bitrixStats.subscribe((event) => {
      if (event.type === 'request') {
        this.bitrixRequests.inc({ method: event.method, status: String(event.status ?? 'network') });
        this.bitrixDuration.observe({ method: event.method }, event.durationMs / 1000);
      } else if (event.type === 'error') {
        this.bitrixErrors.inc({ method: event.method, code: event.code || 'unknown' });
      } else {
        this.bitrixRetries.inc({ method: event.method, code: event.code || 'unknown' });
      }
    });
  }

  /**
   * A gauge read at scrape time (e.g. queue depth, connected sockets). `read` returns one value, or one
   * value per label when `labelName` is given (e.g. jobs per state).
   */
  registerGauge(name: string, help: string, read: () => number | Promise<number>): void;
  registerGauge(name: string, help: string, read: () => Record<string, number> | Promise<Record<string, number>>, labelName: string): void;
  registerGauge(name: string, help: string, read: () => GaugeReading | Promise<GaugeReading>, labelName?: string): void {
    if (this.registry.getSingleMetric(name)) return;
    new Gauge({
      name,
      help,
      labelNames: labelName ? [labelName] : [],
      registers: [this.registry],
      async collect() {
        const value = await read();
        if (typeof value === 'number') return void this.set(value);
        this.reset();
        for (const [label, n] of Object.entries(value)) this.set({ [labelName!]: label }, n);
      },
    });
  }

  /** One notification attempt's result, by channel (issue #19). */
  notificationAttempt(channel: string, result: 'sent' | 'failed' | 'retried'): void {
    const counter = result === 'sent' ? this.notificationsSent : result === 'failed' ? this.notificationsFailed : this.notificationsRetried;
    counter.inc({ channel });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }
}
