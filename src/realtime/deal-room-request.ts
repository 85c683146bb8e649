/**
 * Reads the Bitrix deal ID out of a `join_deal` / `leave_deal` payload (`{ deal_id }`).
 * Clients are outside our control: anything but a positive integer (or its decimal string) is refused.
 */
export function parseDealRoomRequest(payload: unknown): number | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const raw: unknown = (payload as { deal_id?: unknown }).deal_id;
  const value = typeof raw === 'string' && /^\d{1,10}$/.test(raw.trim()) ? Number(raw.trim()) : raw;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0 || value > 2_147_483_647) return null;
  return value;
}
