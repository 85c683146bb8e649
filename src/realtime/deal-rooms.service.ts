import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { loadRoleScopes } from '../roles/role-scopes';
import { TicketAccessService } from '../tickets/ticket-access.service';
import { parseDealRoomRequest } from './deal-room-request';
import { dealRoom, followDepartments } from './realtime-rooms';
import type { DealRoomAck, RealtimeSocket } from './realtime.types';

const INVALID_DEAL_ID: DealRoomAck = { ok: false, error: 'deal_id: deve ser um número inteiro entre 1 e 2147483647 (o ID Bitrix do chamado)' };
const RATE_LIMITED: DealRoomAck = { ok: false, error: 'rate_limited' };

/** `join_deal` / `leave_deal`: per-ticket rooms, open only to those who may read the ticket (SPEC section 5). */
@Injectable()
export class DealRoomsService {
  private readonly logger = new Logger(DealRoomsService.name);
  /** Each join reads the database: SOCKET_JOIN_RATE_LIMIT per minute per user, over all their sockets. */
  private readonly joinLimiter: RateLimiterMemory;

  constructor(
    private readonly ticketAccess: TicketAccessService,
    @InjectDataSource() private readonly dataSource: DataSource,
    config: AppConfig,
  ) {
    this.joinLimiter = new RateLimiterMemory({ keyPrefix: 'join_deal', points: config.socketJoinRateLimit, duration: 60 });
  }

  async join(socket: RealtimeSocket, payload: unknown): Promise<DealRoomAck> {
    const bitrixDealId = parseDealRoomRequest(payload);
    if (bitrixDealId === null) return INVALID_DEAL_ID;
    const { userId, isAdmin } = socket.data.principal;
    if (!(await this.joinLimiter.consume(String(userId)).then(() => true, () => false))) return RATE_LIMITED;
    let allowed: boolean;
    try {
      // The roles as they are now: a grant or revoke since the handshake counts from this join on.
      const { agentOf } = await loadRoleScopes(this.dataSource, userId);
      await followDepartments(socket, agentOf);
      allowed = await this.ticketAccess.canRead({ id: userId, isAdmin, agentOf }, bitrixDealId);
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
