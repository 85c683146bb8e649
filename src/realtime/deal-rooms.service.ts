import { Injectable, Logger } from '@nestjs/common';
import { TicketAccessService } from '../tickets/ticket-access.service';
import { parseDealRoomRequest } from './deal-room-request';
import { dealRoom } from './realtime-rooms';
import type { DealRoomAck, RealtimeSocket } from './realtime.types';

const INVALID_DEAL_ID: DealRoomAck = { ok: false, error: 'deal_id must be a positive integer (the Bitrix deal ID)' };

/** `join_deal` / `leave_deal`: per-ticket rooms, open only to those who may read the ticket (SPEC section 5). */
@Injectable()
export class DealRoomsService {
  private readonly logger = new Logger(DealRoomsService.name);

  constructor(private readonly ticketAccess: TicketAccessService) {}

  async join(socket: RealtimeSocket, payload: unknown): Promise<DealRoomAck> {
    const bitrixDealId = parseDealRoomRequest(payload);
    if (bitrixDealId === null) return INVALID_DEAL_ID;
    const { userId, isAdmin } = socket.data.principal;
    let allowed: boolean;
    try {
      allowed = await this.ticketAccess.canRead({ id: userId, isAdmin }, bitrixDealId);
    } catch (error) {
      this.logger.error(`join_deal ${bitrixDealId} could not be authorised: ${String(error)}`);
      return { ok: false, error: 'unavailable' };
    }
    // Same answer for a missing ticket and a forbidden one: no probing which deal IDs exist.
    if (!allowed) return { ok: false, error: 'forbidden' };
    await socket.join(dealRoom(bitrixDealId));
    return { ok: true };
  }

  async leave(socket: RealtimeSocket, payload: unknown): Promise<DealRoomAck> {
    const bitrixDealId = parseDealRoomRequest(payload);
    if (bitrixDealId === null) return INVALID_DEAL_ID;
    await socket.leave(dealRoom(bitrixDealId));
    return { ok: true };
  }
}
