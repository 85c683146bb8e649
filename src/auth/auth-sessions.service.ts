import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { IsNull, Repository } from 'typeorm';
import { AuthSession } from './auth-session.entity';

export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

export type RotationOutcome = 'rotated' | 'revoked' | 'reused' | 'missing';

/** Server-side state of logins: one row per refresh-token family. */
@Injectable()
export class AuthSessionsService {
  constructor(@InjectRepository(AuthSession) private readonly sessions: Repository<AuthSession>) {}

  /** `oidc` marks a session started by OpenID Connect (checked at the provider now), with its encrypted refresh token. */
  create(userId: number, expiresAt: Date, meta: { userAgent?: string; ip?: string }, oidc?: { refreshToken: string | null }): Promise<AuthSession> {
    return this.sessions.save(
      this.sessions.create({
        userId,
        expiresAt,
        refreshTokenHash: '',
        userAgent: meta.userAgent?.slice(0, 256) ?? null,
        ip: meta.ip?.slice(0, 64) ?? null,
        oidcCheckedAt: oidc ? new Date() : null,
        oidcRefreshToken: oidc?.refreshToken ?? null,
      }),
    );
  }

  /** The OIDC columns of a session (the encrypted provider token is not selected by default). */
  findOidcState(sessionId: string): Promise<Pick<AuthSession, 'oidcCheckedAt' | 'oidcRefreshToken'> | null> {
    return this.sessions.findOne({ where: { id: sessionId }, select: { id: true, oidcCheckedAt: true, oidcRefreshToken: true } });
  }

  async markOidcChecked(sessionId: string, encryptedRefreshToken: string | null): Promise<void> {
    await this.sessions.update({ id: sessionId }, { oidcCheckedAt: new Date(), oidcRefreshToken: encryptedRefreshToken });
  }

  async setRefreshToken(sessionId: string, refreshToken: string): Promise<void> {
    await this.sessions.update({ id: sessionId }, { refreshTokenHash: sha256(refreshToken) });
  }

  /**
   * Swaps the current refresh token for a new one, atomically. Presenting a token that is no longer
   * the current one of a live family means it was stolen or replayed: the whole family is revoked.
   */
  async rotate(sessionId: string, presented: string, next: string): Promise<RotationOutcome> {
    const result = await this.sessions
      .createQueryBuilder()
      .update()
      .set({ refreshTokenHash: sha256(next), rotationCount: () => 'rotation_count + 1', lastUsedAt: () => 'now()' })
      .where('id = :sessionId AND refresh_token_hash = :hash AND revoked_at IS NULL AND expires_at > now()', {
        sessionId,
        hash: sha256(presented),
      })
      .execute();
    if (result.affected) return 'rotated';
    const session = await this.sessions.findOneBy({ id: sessionId });
    if (!session) return 'missing';
    if (session.revokedAt || session.expiresAt <= new Date()) return 'revoked';
    await this.revoke(sessionId, 'refresh_reuse');
    return 'reused';
  }

  async revoke(sessionId: string, reason: string): Promise<void> {
    await this.sessions.update({ id: sessionId, revokedAt: IsNull() }, { revokedAt: new Date(), revokedReason: reason });
  }

  async revokeAllOfUser(userId: number, reason: string): Promise<void> {
    await this.sessions.update({ userId, revokedAt: IsNull() }, { revokedAt: new Date(), revokedReason: reason });
  }
}
