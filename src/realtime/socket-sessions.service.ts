import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { roleScopeColumns } from '../roles/role-scopes';
import { ADMINS_ROOM, followDepartments } from './realtime-rooms';
import type { RealtimeServer, RealtimeSocket } from './realtime.types';

/** How often the sessions behind this instance's sockets are re-checked (one query per sweep, not per message). */
export const SESSION_RECHECK_INTERVAL_MS = 5_000;
/** setTimeout cannot wait longer than this (about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Keeps authenticated sockets honest after the handshake: a socket is disconnected when its access
 * token expires (a timer per socket) or when its session is revoked or its user deactivated (a periodic
 * sweep of this instance's sockets, one query for all of them). The sweep also applies a changed admin flag and
 * changed agent departments (their feed rooms), so a revoked role stops the pushes within one sweep.
 */
@Injectable()
export class SocketSessionsService implements OnModuleDestroy {
  private readonly logger = new Logger(SocketSessionsService.name);
  private server?: RealtimeServer;
  private sweepTimer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  start(server: RealtimeServer): void {
    this.server = server;
    this.sweepTimer = setInterval(() => void this.recheckAll(), SESSION_RECHECK_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  /** Schedules the disconnect of a newly connected socket at its token's expiry. */
  track(socket: RealtimeSocket): void {
    const { tokenExpiresAt } = socket.data.principal;
    if (tokenExpiresAt === null) return;
    const delay = tokenExpiresAt - Date.now();
    if (delay <= 0) {
      socket.disconnect(true);
      return;
    }
    const timer = setTimeout(() => {
      if (delay > MAX_TIMER_MS) this.track(socket);
      else socket.disconnect(true);
    }, Math.min(delay, MAX_TIMER_MS));
    timer.unref();
    socket.once('disconnect', () => clearTimeout(timer));
  }

  /** Disconnects the sockets of this instance whose session ended; safe to call at any time. */
  recheckAll(): Promise<void> {
    this.sweeping ??= this.sweep().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  onModuleDestroy(): void {
    clearInterval(this.sweepTimer);
  }

  private async sweep(): Promise<void> {
    if (!this.server) return;
    const sockets = [...this.server.sockets.sockets.values()];
    if (!sockets.length) return;
    const sessionIds = [...new Set(sockets.map((socket) => socket.data.principal.sessionId))];
    let live: Map<string, { isAdmin: boolean; agentOf: string[] }>;
    try {
      live = await this.liveSessions(sessionIds);
    } catch (error) {
      // Database unavailable: keep the sockets, try again at the next sweep.
      this.logger.warn(`Socket session re-check failed: ${String(error)}`);
      return;
    }
    for (const socket of sockets) {
      const principal = socket.data.principal;
      const now = live.get(principal.sessionId);
      if (now === undefined) {
        socket.disconnect(true);
        continue;
      }
      if (now.isAdmin !== principal.isAdmin) {
        principal.isAdmin = now.isAdmin;
        if (now.isAdmin) void socket.join(ADMINS_ROOM);
        else void socket.leave(ADMINS_ROOM);
      }
      if (now.agentOf.join('\u0000') !== principal.agentOf.join('\u0000')) void followDepartments(socket, now.agentOf);
    }
  }

  /** Same liveness rule as AccessTokenVerifier (session not revoked nor expired, user active), for many sessions at once. */
  private async liveSessions(sessionIds: string[]): Promise<Map<string, { isAdmin: boolean; agentOf: string[] }>> {
    const rows: { session_id: string; is_admin: boolean; agent_of: string[] }[] = await this.dataSource.query(
      `SELECT s.id AS session_id, u.is_admin, ${roleScopeColumns('u.id').agentOf} AS agent_of
         FROM auth_sessions s JOIN users u ON u.id = s.user_id
        WHERE s.id = ANY($1::uuid[]) AND s.revoked_at IS NULL AND s.expires_at > now() AND u.is_active = true`,
      [sessionIds],
    );
    return new Map(rows.map((row) => [row.session_id, { isAdmin: row.is_admin, agentOf: row.agent_of }]));
  }
}
