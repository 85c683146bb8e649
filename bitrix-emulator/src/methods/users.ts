import { formatLegacyDate } from '../format';
import { matchesFilter, paginate, parseStart, sortRows, splitFilterKey } from '../list-query';
import { asArray, asInt, asRecord, asString, getParam, isRecord, isTruthy, Params } from '../params';
import { Portal } from '../portal';
import { Row, UserRecord } from '../store';
import { MethodTable } from './types';

export interface SeedUserInput {
  ID?: number;
  NAME: string;
  LAST_NAME: string;
  EMAIL: string;
  ACTIVE?: boolean;
  UF_DEPARTMENT?: number[];
  PERSONAL_PHOTO?: string;
  WORK_POSITION?: string;
  SECOND_NAME?: string;
}

export function seedUser(portal: Portal, input: SeedUserInput): UserRecord {
  const id = input.ID ?? portal.store.userIds.next();
  portal.store.userIds.bump(id);
  const user: UserRecord = {
    ID: id,
    NAME: input.NAME,
    LAST_NAME: input.LAST_NAME,
    SECOND_NAME: input.SECOND_NAME ?? '',
    EMAIL: input.EMAIL,
    ACTIVE: input.ACTIVE ?? true,
    UF_DEPARTMENT: input.UF_DEPARTMENT ?? [1],
    PERSONAL_PHOTO: input.PERSONAL_PHOTO,
    WORK_POSITION: input.WORK_POSITION ?? '',
    createdAt: new Date(),
  };
  portal.store.users.set(id, user);
  return user;
}

/** Reads a seed-user body loosely (admin API). */
export function parseSeedUser(body: unknown): SeedUserInput {
  const r = asRecord(body) ?? {};
  const dept = r.UF_DEPARTMENT === undefined ? undefined : asArray(r.UF_DEPARTMENT).map((d) => Number(d));
  return {
    ID: asInt(r.ID) ?? undefined,
    NAME: asString(r.NAME) ?? '',
    LAST_NAME: asString(r.LAST_NAME) ?? '',
    EMAIL: asString(r.EMAIL) ?? '',
    ACTIVE: r.ACTIVE === undefined ? undefined : isTruthy(r.ACTIVE),
    UF_DEPARTMENT: dept,
    PERSONAL_PHOTO: asString(r.PERSONAL_PHOTO),
    WORK_POSITION: asString(r.WORK_POSITION),
    SECOND_NAME: asString(r.SECOND_NAME),
  };
}

/** user.get row: ID string, ACTIVE a JSON boolean, UF_DEPARTMENT ints, a few legacy date shapes. */
export function userRow(portal: Portal, user: UserRecord): Row {
  const row: Row = {
    ID: String(user.ID),
    XML_ID: null,
    ACTIVE: user.ACTIVE,
    NAME: user.NAME,
    LAST_NAME: user.LAST_NAME,
    SECOND_NAME: user.SECOND_NAME,
    EMAIL: user.EMAIL,
    LAST_LOGIN: portal.formatDate(user.createdAt),
    DATE_REGISTER: portal.formatDate(user.createdAt),
    IS_ONLINE: 'N',
    TIME_ZONE_OFFSET: '0',
    TIMESTAMP_X: formatLegacyDate(user.createdAt, portal.offset),
    PERSONAL_GENDER: '',
    WORK_POSITION: user.WORK_POSITION,
    UF_DEPARTMENT: [...user.UF_DEPARTMENT],
    USER_TYPE: 'employee',
  };
  if (user.PERSONAL_PHOTO) row.PERSONAL_PHOTO = user.PERSONAL_PHOTO;
  return row;
}

/**
 * Fields user.get filters on when they are given as flat keys. Any other flat parameter (`sort`, `start`, the
 * official SDK's `bx24_*` query parameters...) is not a filter key.
 */
const USER_FILTER_FIELDS = new Set([
  'ID', 'XML_ID', 'ACTIVE', 'NAME', 'LAST_NAME', 'SECOND_NAME', 'EMAIL', 'LAST_LOGIN', 'DATE_REGISTER', 'IS_ONLINE',
  'TIME_ZONE_OFFSET', 'TIMESTAMP_X', 'PERSONAL_GENDER', 'WORK_POSITION', 'UF_DEPARTMENT', 'USER_TYPE', 'PERSONAL_PHOTO',
]);

function isUserFilterKey(key: string): boolean {
  return USER_FILTER_FIELDS.has(splitFilterKey(key).field);
}

function userResolver(row: Row, field: string): string[] {
  const v = row[field];
  if (field === 'ACTIVE') return [v === true ? 'Y' : 'N'];
  if (Array.isArray(v)) return v.map((x) => String(x));
  return v === null || v === undefined || v === '' ? [] : [String(v)];
}

/**
 * ACTIVE arrives as true/'Y'/1 etc.; compare it as Y/N. A plain key whose value holds `%` is a LIKE pattern
 * (`NAME: "An%"`), as user.get documents.
 */
function normalizeUserFilter(filter: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(filter).map(([rawKey, v]) => {
      const key = rawKey.toUpperCase();
      if (key.endsWith('ACTIVE')) return [key, isTruthy(v) ? 'Y' : 'N'];
      if (splitFilterKey(key).op === '' && typeof v === 'string' && v.includes('%')) return [`=%${key}`, v];
      return [key, v];
    }),
  );
}

export const userMethods: MethodTable = {
  'user.get': (params: Params, ctx) => {
    const explicit = getParam(params, 'FILTER');
    const filter = isRecord(explicit)
      ? explicit
      : Object.fromEntries(Object.entries(params).filter(([k]) => isUserFilterKey(k)));
    const sortField = asString(getParam(params, 'sort'))?.toUpperCase() ?? 'ID';
    const direction = asString(getParam(params, 'order'))?.toUpperCase() === 'DESC' ? 'DESC' : 'ASC';
    const rows = [...ctx.portal.store.users.values()]
      .map((u) => userRow(ctx.portal, u))
      .filter((row) => matchesFilter(row, normalizeUserFilter(filter), { resolve: userResolver, offsetMinutes: ctx.portal.offset }));
    const page = paginate(sortRows(rows, [[sortField, direction]], userResolver, ctx.portal.offset), parseStart(getParam(params, 'start')));
    return { result: page.items, total: page.total, next: page.next };
  },
  'user.current': (_params, ctx) => {
    const user = ctx.portal.store.users.get(ctx.userId);
    return { result: user ? userRow(ctx.portal, user) : { ID: String(ctx.userId) } };
  },
  profile: (_params, ctx) => {
    const user = ctx.portal.store.users.get(ctx.userId);
    return {
      result: {
        ID: String(ctx.userId),
        ADMIN: true,
        NAME: user?.NAME ?? '',
        LAST_NAME: user?.LAST_NAME ?? '',
        PERSONAL_GENDER: '',
        TIME_ZONE: '',
        TIME_ZONE_OFFSET: ctx.portal.offset * 60,
      },
    };
  },
};
