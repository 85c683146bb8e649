import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { NotificationOutboxRepository } from './notification-outbox.repository';
import { DELIVERY_QUEUE, FANOUT_QUEUE, NotificationQueue, NotificationQueueName } from './notification-queue.service';

/** Tickets whose deadline passed longer ago than this are not announced (the feature switched on late, an old backlog). */
const BREACH_LOOKBACK_HOURS = 24;
/** Tickets recorded per check at most (the next check takes the rest). */
const BATCH = 500;
/** An outbox row this long without a job is stranded (see NotificationOutboxRepository.stranded). */
const STRANDED_AFTER_MINUTES = 5;

/**
 * Finds open tickets whose deadline is near (`sla_warning`) or past (`sla_breached`) and records each once per
 * kind and deadline: the event's dedup key names the deadline, so a check that runs again (any instance, any
 * tick) finds nothing new, and a deadline moved by Bitrix is announced again. A ticket already late when first
 * seen gets `sla_breached` only. Runs as the pg-boss job SLA_QUEUE, sent once per NOTIFICATIONS_SLA_CHECK_SECONDS
 * across instances (pg-boss singleton).
 */
@Injectable()
export class SlaWatch {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: NotificationOutboxRepository,
    private readonly queue: NotificationQueue,
    private readonly config: AppConfig,
  ) {}

  /**
   * The periodic housekeeping of the outbox, run by the same job: outbox rows left without a job are queued again
   * (a delivery job finds a row already sent and does nothing, so this can never post twice). Returns how many.
   */
  async requeueStranded(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const { eventIds, deliveryIds } = await this.outbox.stranded(manager, STRANDED_AFTER_MINUTES);
      await this.queue.insertInTransaction(manager, [
        ...eventIds.map((eventId) => ({ name: FANOUT_QUEUE as NotificationQueueName, data: { eventId } })),
        ...deliveryIds.map((deliveryId) => ({ name: DELIVERY_QUEUE as NotificationQueueName, data: { deliveryId } })),
      ]);
      return eventIds.length + deliveryIds.length;
    });
  }

  /** Returns the number of events recorded. */
  async check(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const due = (await manager.query(
        `SELECT deal_id, event, occurrence FROM (
           SELECT d.deal_id,
                  CASE WHEN d.date_deadline <= now() THEN 'sla_breached' ELSE 'sla_warning' END AS event,
                  'deadline:' || to_char(d.date_deadline AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS occurrence
           FROM deals d
           WHERE d.deleted_at IS NULL AND coalesce(d.closed, 'N') <> 'Y' AND d.date_deadline IS NOT NULL
             AND d.date_deadline <= now() + make_interval(mins => $1)
             AND d.date_deadline > now() - make_interval(hours => $2)) t
         WHERE NOT EXISTS (SELECT 1 FROM notification_events e WHERE e.bitrix_deal_id = t.deal_id AND e.event = t.event AND e.occurrence = t.occurrence)
         ORDER BY deal_id LIMIT $3`,
        [this.config.notifications.slaWarningMinutes, BREACH_LOOKBACK_HOURS, BATCH],
      )) as { deal_id: number; event: 'sla_warning' | 'sla_breached'; occurrence: string }[];
      let recorded = 0;
      for (const row of due) {
        const eventId = await this.outbox.recordEvent(manager, { event: row.event, bitrixDealId: Number(row.deal_id), occurrence: row.occurrence, actorUserId: null, comment: null });
        if (!eventId) continue;
        await this.queue.insertInTransaction(manager, [{ name: FANOUT_QUEUE, data: { eventId } }]);
        recorded += 1;
      }
      return recorded;
    });
  }
}
