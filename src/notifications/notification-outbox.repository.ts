import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { NotificationEvent, TicketNotice } from './notification-contract';

/** A channel a delivery goes through; `target` says to whom: `dept:<channel id>`, `user:<user id>` or `sub:<push subscription id>`. */
export type DeliveryChannel = 'teams' | 'slack' | 'push';
export type DeliveryState = 'pending' | 'sent' | 'dead' | 'gone' | 'cancelled';

export interface NewNotificationEvent {
  event: NotificationEvent;
  bitrixDealId: number;
  /** What makes this one distinct from others of its kind on the ticket (`opened`, `comment:123`, a deadline). */
  occurrence: string;
  actorUserId: number | null;
  comment: TicketNotice['comment'] | null;
}

export interface NotificationEventRow extends NewNotificationEvent {
  id: string;
  dedupKey: string;
  fannedOut: boolean;
}

export interface NewDelivery {
  channel: DeliveryChannel;
  target: string;
  recipientUserId: number | null;
  notice: TicketNotice;
}

export interface DeliveryRow extends NewDelivery {
  id: string;
  eventId: string;
  state: DeliveryState;
  attempts: number;
  lastError: string | null;
  /** A retry is scheduled for later (this job is early: the scheduled one will make the attempt). */
  notYetDue: boolean;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The one writer of the outbox tables `notification_events` and `notification_deliveries`. Both are unique by a
 * deduplication key (event + ticket + occurrence, then + channel + target), so a producer or a job that runs
 * again inserts nothing new: whatever runs twice, a destination gets one delivery row.
 */
@Injectable()
export class NotificationOutboxRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Records a notification event in the caller's transaction; returns its id when it is new (null when the same
   * event was recorded already). A later writer that knows the actor (the API after the webhook) fills it in
   * while the event is not fanned out yet.
   */
  async recordEvent(manager: EntityManager, event: NewNotificationEvent): Promise<string | null> {
    const dedupKey = `${event.event}:${event.bitrixDealId}:${event.occurrence}`.slice(0, 200);
    const rows = (await manager.query(
      `INSERT INTO notification_events (dedup_key, event, bitrix_deal_id, occurrence, actor_user_id, comment)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (dedup_key) DO UPDATE SET actor_user_id = EXCLUDED.actor_user_id
         WHERE notification_events.fanned_out_at IS NULL AND notification_events.actor_user_id IS NULL AND EXCLUDED.actor_user_id IS NOT NULL
       RETURNING id::text AS id, (xmax = 0) AS inserted`,
      [dedupKey, event.event, event.bitrixDealId, event.occurrence.slice(0, 100), event.actorUserId, event.comment ? JSON.stringify(event.comment) : null],
    )) as { id: string; inserted: boolean }[];
    return rows.length && rows[0].inserted ? rows[0].id : null;
  }

  /** The event, locked for its fan-out (null when unknown). */
  async lockEvent(manager: EntityManager, eventId: string): Promise<NotificationEventRow | null> {
    const rows = (await manager.query(
      `SELECT id::text AS id, dedup_key, event, bitrix_deal_id, occurrence, actor_user_id, comment, fanned_out_at IS NOT NULL AS fanned_out
       FROM notification_events WHERE id = $1 FOR UPDATE`,
      [eventId],
    )) as Record<string, unknown>[];
    if (!rows.length) return null;
    const r = rows[0];
    return {
      id: r.id as string,
      dedupKey: r.dedup_key as string,
      event: r.event as NotificationEvent,
      bitrixDealId: Number(r.bitrix_deal_id),
      occurrence: r.occurrence as string,
      actorUserId: r.actor_user_id === null ? null : Number(r.actor_user_id),
      comment: (r.comment as TicketNotice['comment']) ?? null,
      fannedOut: r.fanned_out === true,
    };
  }

  async markFannedOut(manager: EntityManager, eventId: string): Promise<void> {
    await manager.query('UPDATE notification_events SET fanned_out_at = now() WHERE id = $1', [eventId]);
  }

  /** Inserts the deliveries of an event (skipping any it has already); returns those inserted. */
  async insertDeliveries(manager: EntityManager, event: NotificationEventRow, deliveries: NewDelivery[]): Promise<{ id: string; channel: DeliveryChannel; target: string }[]> {
    if (!deliveries.length) return [];
    const rows = (await manager.query(
      `INSERT INTO notification_deliveries (event_id, dedup_key, channel, target, recipient_user_id, notice)
       SELECT $1, d.dedup_key, d.channel, d.target, d.recipient_user_id, d.notice
       FROM unnest($2::varchar[], $3::varchar[], $4::varchar[], $5::int[], $6::jsonb[]) AS d(dedup_key, channel, target, recipient_user_id, notice)
       ON CONFLICT (dedup_key) DO NOTHING
       RETURNING id::text AS id, channel, target`,
      [
        event.id,
        deliveries.map((d) => `${event.dedupKey}|${d.channel}|${d.target}`.slice(0, 300)),
        deliveries.map((d) => d.channel),
        deliveries.map((d) => d.target),
        deliveries.map((d) => d.recipientUserId),
        deliveries.map((d) => JSON.stringify(d.notice)),
      ],
    )) as { id: string; channel: DeliveryChannel; target: string }[];
    return rows;
  }

  /** Where a delivery goes and whether it is still to be attempted (no lock: to choose its rate limiter). */
  async peekDelivery(deliveryId: string): Promise<Pick<DeliveryRow, 'channel' | 'target' | 'state' | 'notYetDue'> | null> {
    const rows = (await this.dataSource.query(
      `SELECT channel, target, state, coalesce(next_attempt_at > now() + interval '2 seconds', false) AS not_yet_due FROM notification_deliveries WHERE id = $1`,
      [deliveryId],
    )) as Record<string, unknown>[];
    if (!rows.length) return null;
    return { channel: rows[0].channel as DeliveryChannel, target: rows[0].target as string, state: rows[0].state as DeliveryState, notYetDue: rows[0].not_yet_due === true };
  }

  /** The delivery locked for one attempt; `locked` when another worker holds it right now. */
  async lockDelivery(manager: EntityManager, deliveryId: string): Promise<DeliveryRow | 'locked' | null> {
    const rows = (await manager.query(`SELECT ${DELIVERY_COLUMNS} FROM notification_deliveries WHERE id = $1 FOR UPDATE SKIP LOCKED`, [deliveryId])) as Record<string, unknown>[];
    if (rows.length) return toDelivery(rows[0]);
    const exists = (await manager.query('SELECT 1 FROM notification_deliveries WHERE id = $1', [deliveryId])) as unknown[];
    return exists.length ? 'locked' : null;
  }

  /** Records an attempt and its result (in the attempt's transaction: sent and counted together). */
  async recordAttempt(manager: EntityManager, deliveryId: string, result: { state: DeliveryState; error: string | null; nextAttemptAt: Date | null; counted: boolean }): Promise<void> {
    await manager.query(
      `UPDATE notification_deliveries SET state = $2::varchar, attempts = attempts + $3::int, last_error = $4::varchar, next_attempt_at = $5::timestamptz, updated_at = now(),
         sent_at = CASE WHEN $2::varchar = 'sent' THEN now() ELSE sent_at END
       WHERE id = $1`,
      [deliveryId, result.state, result.counted ? 1 : 0, result.error?.slice(0, 500) ?? null, result.nextAttemptAt],
    );
  }

  async listDead(limit: number, offset: number): Promise<{ total: number; items: DeliveryRow[] }> {
    const [{ n }] = (await this.dataSource.query(`SELECT count(*)::int AS n FROM notification_deliveries WHERE state = 'dead'`)) as { n: number }[];
    const rows = (await this.dataSource.query(`SELECT ${DELIVERY_COLUMNS} FROM notification_deliveries WHERE state = 'dead' ORDER BY updated_at DESC, id DESC LIMIT $1 OFFSET $2`, [
      limit,
      offset,
    ])) as Record<string, unknown>[];
    return { total: n, items: rows.map(toDelivery) };
  }

  /** Dead letters back to `pending` with a full budget of attempts; returns the ids revived (none when not dead). */
  async revive(manager: EntityManager, deliveryIds: string[] | 'all', limit = 1000): Promise<string[]> {
    // TypeORM answers an UPDATE with [rows, count].
    const [rows] = (await manager.query(
      `UPDATE notification_deliveries SET state = 'pending', attempts = 0, next_attempt_at = NULL, updated_at = now()
       WHERE id IN (SELECT id FROM notification_deliveries WHERE state = 'dead' ${deliveryIds === 'all' ? '' : 'AND id = ANY($2::bigint[])'} ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING id::text AS id`,
      deliveryIds === 'all' ? [limit] : [limit, deliveryIds],
    )) as [{ id: string }[], number];
    return rows.map((r) => r.id);
  }

  /**
   * Outbox rows left without a job: events not fanned out and pending deliveries older than `minutes` that no
   * waiting or active pg-boss job names (pg-boss gave up on it after its own retries, e.g. while the database was
   * down). Returns their ids; the caller queues them again in the same transaction.
   */
  async stranded(manager: EntityManager, minutes: number, limit = 500): Promise<{ eventIds: string[]; deliveryIds: string[] }> {
    const events = (await manager.query(
      `SELECT e.id::text AS id FROM notification_events e
       WHERE e.fanned_out_at IS NULL AND e.created_at < now() - make_interval(mins => $1)
         AND NOT EXISTS (SELECT 1 FROM pgboss.job j WHERE j.name = 'notification-fanout' AND j.state IN ('created', 'retry', 'active') AND j.data->>'eventId' = e.id::text)
       ORDER BY e.id LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [minutes, limit],
    )) as { id: string }[];
    const deliveries = (await manager.query(
      `SELECT d.id::text AS id FROM notification_deliveries d
       WHERE d.state = 'pending' AND d.updated_at < now() - make_interval(mins => $1) AND coalesce(d.next_attempt_at, d.updated_at) < now() - make_interval(mins => $1)
         AND NOT EXISTS (SELECT 1 FROM pgboss.job j WHERE j.name = 'notification-delivery' AND j.state IN ('created', 'retry', 'active') AND j.data->>'deliveryId' = d.id::text)
       ORDER BY d.id LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [minutes, limit],
    )) as { id: string }[];
    return { eventIds: events.map((r) => r.id), deliveryIds: deliveries.map((r) => r.id) };
  }

  /** Deliveries by channel and state (metrics gauge, tests). */
  async countByState(): Promise<Record<string, number>> {
    const rows = (await this.dataSource.query(
      `SELECT channel || ':' || state AS key, count(*)::int AS n FROM notification_deliveries WHERE state IN ('pending', 'dead') GROUP BY 1`,
    )) as { key: string; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.key, r.n]));
  }
}

const DELIVERY_COLUMNS =
  "id::text AS id, event_id::text AS event_id, channel, target, recipient_user_id, notice, state, attempts, last_error, coalesce(next_attempt_at > now() + interval '2 seconds', false) AS not_yet_due, created_at, updated_at";

function toDelivery(r: Record<string, unknown>): DeliveryRow {
  return {
    id: r.id as string,
    eventId: r.event_id as string,
    channel: r.channel as DeliveryChannel,
    target: r.target as string,
    recipientUserId: r.recipient_user_id === null ? null : Number(r.recipient_user_id),
    notice: r.notice as TicketNotice,
    state: r.state as DeliveryState,
    attempts: Number(r.attempts),
    lastError: (r.last_error as string | null) ?? null,
    notYetDue: r.not_yet_due === true,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
  };
}
