import type { Deal } from './entities/deal.entity';

/**
 * The deal properties the SPA knows (DealCardSchema), by their API name: the only ones a `deal_updated` /
 * `ticket_updated` event's `changes` may carry (internal columns such as `responsible_id`,
 * `modify_by_id` or `bitrix_modified_at` change rows, not what a browser shows). `deleted_at` tells the
 * SPA that the ticket was deleted in Bitrix.
 */
export const SPA_DEAL_FIELDS = {
  title: 'title',
  description: 'description',
  stage_id: 'stageId',
  opened: 'opened',
  closed: 'closed',
  close_date: 'closeDate',
  date_deadline: 'dateDeadline',
  begin_date: 'beginDate',
  priority: 'priority',
  service_category: 'serviceCategory',
  system_type: 'systemType',
  assignee_department: 'assigneeDepartment',
  requester_department: 'requesterDepartment',
  matricula: 'matricula',
  requester_email: 'requesterEmail',
  responsible: 'responsible',
  responsible_email: 'responsibleEmail',
  rating: 'rating',
  rating_comment: 'ratingComment',
  deleted_at: 'deletedAt',
} as const satisfies Record<string, keyof Deal>;

export type SpaDealField = keyof typeof SPA_DEAL_FIELDS;
type DealValue = Deal[keyof Deal];

/**
 * Equality at Bitrix's precision: Bitrix keeps whole seconds, so two instants in the same second are the
 * same time (the echo of a time we wrote with milliseconds is no change); numbers by value, text exactly.
 */
export function sameAtBitrixPrecision(a: unknown, b: unknown): boolean {
  const x = a ?? null;
  const y = b ?? null;
  if (x instanceof Date || y instanceof Date) {
    const sx = x === null ? null : wholeSeconds(x);
    const sy = y === null ? null : wholeSeconds(y);
    return sx === sy;
  }
  if (typeof x === 'number' || typeof y === 'number') return x === null || y === null ? x === y : Number(x) === Number(y);
  return x === y;
}

/** The properties of `after` whose value differs from `before` at Bitrix's precision (only those present in `after`). */
export function changedProperties<T extends object>(before: T, after: Partial<T>): (keyof T)[] {
  return (Object.keys(after) as (keyof T)[]).filter((key) => after[key] !== undefined && !sameAtBitrixPrecision(before[key], after[key]));
}

/**
 * The `changes` of `deal_updated`: the SPA-known fields whose value really changed between two states of
 * a ticket, in API names, dates as ISO strings. Empty when nothing the SPA shows changed.
 */
export function dealChanges(before: Partial<Deal>, after: Partial<Deal>): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(SPA_DEAL_FIELDS) as [SpaDealField, keyof Deal][]) {
    if (!(property in after)) continue;
    const value = after[property] as DealValue | undefined;
    if (value === undefined || sameAtBitrixPrecision(before[property], value)) continue;
    changes[name] = toJson(value);
  }
  return changes;
}

/** A time cut to the whole second, as Bitrix stores it. */
export function toBitrixPrecision(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

function wholeSeconds(value: unknown): number | null {
  const time = value instanceof Date ? value.getTime() : new Date(String(value)).getTime();
  return Number.isNaN(time) ? null : Math.floor(time / 1000);
}

function toJson(value: unknown): unknown {
  return value instanceof Date ? value.toISOString() : (value ?? null);
}
