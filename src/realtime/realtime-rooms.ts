import type { RealtimeSocket } from './realtime.types';
import type { TicketAudience } from './ticket-events.broadcaster';

/**
 * Socket.IO room names. Rooms are server-side only (clients never see these names).
 * Deal rooms use the Bitrix deal ID (seed section 9.5); user rooms use the local user ID.
 */
export const ADMINS_ROOM = 'admins';

export function dealRoom(bitrixDealId: number): string {
  return `deal:${bitrixDealId}`;
}

export function userRoom(userId: number): string {
  return `user:${userId}`;
}

/** The agents and leads of an assignee department (any case). */
export function departmentRoom(department: string): string {
  return `department:${department.trim().toLowerCase()}`;
}

/** The dashboard feed of a ticket: every admin, its requester, its responsible and its department's agents. */
export function feedRoomsOf(audience: TicketAudience): string[] {
  const rooms = [ADMINS_ROOM];
  if (audience.assigneeDepartment) rooms.push(departmentRoom(audience.assigneeDepartment));
  if (audience.requesterUserId !== null) rooms.push(userRoom(audience.requesterUserId));
  if (audience.responsibleUserId !== null && audience.responsibleUserId !== audience.requesterUserId) {
    rooms.push(userRoom(audience.responsibleUserId));
  }
  return rooms;
}

/** Keeps a socket's department feed rooms (and its principal) in step with the departments it is an agent of now. */
export async function followDepartments(socket: RealtimeSocket, agentOf: string[]): Promise<void> {
  const before = socket.data.principal.agentOf;
  socket.data.principal.agentOf = agentOf;
  for (const department of before) if (!agentOf.includes(department)) await socket.leave(departmentRoom(department));
  const joined = agentOf.filter((department) => !before.includes(department));
  if (joined.length) await socket.join(joined.map(departmentRoom));
}

/** The rooms a socket joins on connect, so it receives its share of the dashboard feed. */
export function feedRoomsFor(principal: { userId: number; isAdmin: boolean; agentOf: readonly string[] }): string[] {
  const rooms = principal.isAdmin ? [ADMINS_ROOM, userRoom(principal.userId)] : [userRoom(principal.userId)];
  return [...rooms, ...principal.agentOf.map(departmentRoom)];
}
