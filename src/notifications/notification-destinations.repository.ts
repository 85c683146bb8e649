import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { NotificationEvent } from './notification-contract';

export type WebhookKind = 'teams' | 'slack';
export const WEBHOOK_KINDS: readonly WebhookKind[] = ['teams', 'slack'];
/** Channels a person's preferences cover: their browsers and their personal Teams/Slack webhooks. */
export type PersonalChannel = 'push' | WebhookKind;
export const PERSONAL_CHANNELS: readonly PersonalChannel[] = ['push', 'teams', 'slack'];

/** Department `*` is every department's channel. */
export const ALL_DEPARTMENTS = '*';

export interface DepartmentChannelRow {
  id: number;
  department: string;
  kind: WebhookKind;
  urlSealed: string;
  urlHint: string;
  events: NotificationEvent[];
  enabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface PersonalWebhookRow {
  userId: number;
  kind: WebhookKind;
  urlSealed: string;
  urlHint: string;
}

/** A person's explicit choices: `event:channel` → enabled (absent: enabled). */
export type PreferenceMap = Map<string, boolean>;

/**
 * The one writer of where notifications go: department channels (`notification_channels`), people's personal
 * webhooks (`notification_personal_webhooks`) and preferences (`notification_preferences`). URLs arrive sealed.
 */
@Injectable()
export class NotificationDestinationsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  // --- department channels ---------------------------------------------------------------------

  async listChannels(): Promise<DepartmentChannelRow[]> {
    return ((await this.dataSource.query(`SELECT ${CHANNEL_COLUMNS} FROM notification_channels ORDER BY lower(department), id`)) as Record<string, unknown>[]).map(toChannel);
  }

  async findChannel(id: number, manager: EntityManager = this.dataSource.manager): Promise<DepartmentChannelRow | null> {
    const rows = (await manager.query(`SELECT ${CHANNEL_COLUMNS} FROM notification_channels WHERE id = $1`, [id])) as Record<string, unknown>[];
    return rows.length ? toChannel(rows[0]) : null;
  }

  /** Enabled channels of a department (lower-case match, as the access rule compares departments) and those of `*`. */
  async channelsOfDepartment(manager: EntityManager, department: string | null): Promise<DepartmentChannelRow[]> {
    const rows = (await manager.query(
      `SELECT ${CHANNEL_COLUMNS} FROM notification_channels WHERE enabled AND (department = $2 OR ($1::text IS NOT NULL AND lower(department) = lower($1))) ORDER BY id`,
      [department, ALL_DEPARTMENTS],
    )) as Record<string, unknown>[];
    return rows.map(toChannel);
  }

  async insertChannel(values: Omit<DepartmentChannelRow, 'id' | 'createdAt' | 'updatedAt'>): Promise<DepartmentChannelRow> {
    const rows = (await this.dataSource.query(
      `INSERT INTO notification_channels (department, kind, url_sealed, url_hint, events, enabled) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${CHANNEL_COLUMNS}`,
      [values.department, values.kind, values.urlSealed, values.urlHint, values.events, values.enabled],
    )) as Record<string, unknown>[];
    return toChannel(rows[0]);
  }

  async updateChannel(id: number, values: Partial<Omit<DepartmentChannelRow, 'id' | 'createdAt' | 'updatedAt'>>): Promise<DepartmentChannelRow | null> {
    const columns: Record<string, unknown> = {
      department: values.department,
      kind: values.kind,
      url_sealed: values.urlSealed,
      url_hint: values.urlHint,
      events: values.events,
      enabled: values.enabled,
    };
    const set = Object.entries(columns).filter(([, v]) => v !== undefined);
    const assignments = set.map(([column], i) => `${column} = $${i + 2}`);
    const rows = (await this.dataSource.query(
      `UPDATE notification_channels SET ${[...assignments, 'updated_at = now()'].join(', ')} WHERE id = $1 RETURNING ${CHANNEL_COLUMNS}`,
      [id, ...set.map(([, v]) => v)],
    )) as [Record<string, unknown>[], number];
    const updated = rows[0];
    return updated.length ? toChannel(updated[0]) : null;
  }

  async deleteChannel(id: number): Promise<boolean> {
    const [, affected] = (await this.dataSource.query('DELETE FROM notification_channels WHERE id = $1', [id])) as [unknown, number];
    return affected > 0;
  }

  // --- people ----------------------------------------------------------------------------------

  async personalWebhooks(manager: EntityManager, userIds: number[]): Promise<PersonalWebhookRow[]> {
    if (!userIds.length) return [];
    const rows = (await manager.query('SELECT user_id, kind, url_sealed, url_hint FROM notification_personal_webhooks WHERE user_id = ANY($1::int[])', [userIds])) as Record<
      string,
      unknown
    >[];
    return rows.map((r) => ({ userId: Number(r.user_id), kind: r.kind as WebhookKind, urlSealed: r.url_sealed as string, urlHint: r.url_hint as string }));
  }

  async personalWebhook(userId: number, kind: WebhookKind): Promise<PersonalWebhookRow | null> {
    return (await this.personalWebhooks(this.dataSource.manager, [userId])).find((w) => w.kind === kind) ?? null;
  }

  async setPersonalWebhook(manager: EntityManager, userId: number, kind: WebhookKind, sealed: { urlSealed: string; urlHint: string } | null): Promise<void> {
    if (!sealed) {
      await manager.query('DELETE FROM notification_personal_webhooks WHERE user_id = $1 AND kind = $2', [userId, kind]);
      return;
    }
    await manager.query(
      `INSERT INTO notification_personal_webhooks (user_id, kind, url_sealed, url_hint) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id, kind) DO UPDATE SET url_sealed = EXCLUDED.url_sealed, url_hint = EXCLUDED.url_hint, updated_at = now()`,
      [userId, kind, sealed.urlSealed, sealed.urlHint],
    );
  }

  /** Explicit preference choices of each user (absent pairs mean enabled). */
  async preferences(manager: EntityManager, userIds: number[]): Promise<Map<number, PreferenceMap>> {
    const out = new Map<number, PreferenceMap>(userIds.map((id) => [id, new Map()]));
    if (!userIds.length) return out;
    const rows = (await manager.query('SELECT user_id, event, channel, enabled FROM notification_preferences WHERE user_id = ANY($1::int[])', [userIds])) as {
      user_id: number;
      event: string;
      channel: string;
      enabled: boolean;
    }[];
    for (const r of rows) out.get(Number(r.user_id))?.set(`${r.event}:${r.channel}`, r.enabled);
    return out;
  }

  async setPreferences(manager: EntityManager, userId: number, choices: { event: NotificationEvent; channel: PersonalChannel; enabled: boolean }[]): Promise<void> {
    if (!choices.length) return;
    await manager.query(
      `INSERT INTO notification_preferences (user_id, event, channel, enabled)
       SELECT $1, c.event, c.channel, c.enabled FROM unnest($2::varchar[], $3::varchar[], $4::boolean[]) AS c(event, channel, enabled)
       ON CONFLICT (user_id, event, channel) DO UPDATE SET enabled = EXCLUDED.enabled`,
      [userId, choices.map((c) => c.event), choices.map((c) => c.channel), choices.map((c) => c.enabled)],
    );
  }

  /** The active users among `userIds`. */
  async activeUsers(manager: EntityManager, userIds: number[]): Promise<number[]> {
    if (!userIds.length) return [];
    const rows = (await manager.query('SELECT id FROM users WHERE id = ANY($1::int[]) AND is_active ORDER BY id', [userIds])) as { id: number }[];
    return rows.map((r) => Number(r.id));
  }

  get manager(): EntityManager {
    return this.dataSource.manager;
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }
}

const CHANNEL_COLUMNS = 'id, department, kind, url_sealed, url_hint, events, enabled, created_at, updated_at';

function toChannel(r: Record<string, unknown>): DepartmentChannelRow {
  return {
    id: Number(r.id),
    department: r.department as string,
    kind: r.kind as WebhookKind,
    urlSealed: r.url_sealed as string,
    urlHint: r.url_hint as string,
    events: r.events as NotificationEvent[],
    enabled: r.enabled === true,
    createdAt: r.created_at as Date,
    updatedAt: r.updated_at as Date,
  };
}
