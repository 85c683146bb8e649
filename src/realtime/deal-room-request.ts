import { ID_BOUNDS, isBoundedInteger } from '../common/validation/bounded-integer';

/**
 * Reads the Bitrix deal ID out of a `join_deal` / `leave_deal` payload (`{ deal_id }`).
 * Clients are outside our control: the same rule as every integer of the REST API applies (a JSON
 * number, an integer from 1 to 2147483647; a string such as "837" is refused).
 */
export function parseDealRoomRequest(payload: unknown): number | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const value: unknown = (payload as { deal_id?: unknown }).deal_id;
  return isBoundedInteger(value, ID_BOUNDS) ? value : null;
}
