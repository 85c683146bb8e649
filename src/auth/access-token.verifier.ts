import { Injectable, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { roleScopeColumns } from '../roles/role-scopes';
import { User } from '../users/user.entity';
import { AccessTokenClaims, AuthUser, JWT_ALGORITHM } from './auth-user';

export const UNAUTHORIZED_MESSAGE = 'Não autenticado';

/**
 * Turns an access token into an AuthUser, for HTTP (passport strategy) and Socket.IO alike.
 * A token is honoured only while its session is live and its user active, so logout, password reset
 * and deactivation take effect at once.
 */
@Injectable()
export class AccessTokenVerifier {
  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async verify(token: string): Promise<AuthUser> {
    let claims: AccessTokenClaims;
    try {
      claims = await this.jwt.verifyAsync<AccessTokenClaims>(token, {
        secret: this.config.auth.jwtSecret,
        algorithms: [JWT_ALGORITHM],
      });
    } catch {
      throw new UnauthorizedException(UNAUTHORIZED_MESSAGE);
    }
    return this.principalFor(claims);
  }

  async principalFor(claims: AccessTokenClaims): Promise<AuthUser> {
    if (claims?.typ !== 'access' || !Number.isInteger(claims.sub) || typeof claims.sid !== 'string') {
      throw new UnauthorizedException(UNAUTHORIZED_MESSAGE);
    }
    // The user, their live session and their role scopes in one round trip: a grant or a revoke counts from the
    // next request on.
    const scopes = roleScopeColumns('u.id');
    const found = await this.dataSource
      .getRepository(User)
      .createQueryBuilder('u')
      .innerJoin('auth_sessions', 's', 's.user_id = u.id')
      .where('u.id = :userId', { userId: claims.sub })
      .andWhere('s.id = :sessionId', { sessionId: claims.sid })
      .andWhere('s.revoked_at IS NULL')
      .andWhere('s.expires_at > now()')
      .andWhere('u.is_active = true')
      .addSelect(scopes.agentOf, 'agent_of')
      .addSelect(scopes.leadOf, 'lead_of')
      .getRawAndEntities<{ agent_of: string[]; lead_of: string[] }>()
      .catch(() => null); // a malformed sid (not a uuid) is just an invalid token
    const user = found?.entities[0];
    if (!found || !user) throw new UnauthorizedException(UNAUTHORIZED_MESSAGE);
    const [raw] = found.raw;
    return { id: user.id, isAdmin: user.isAdmin, sessionId: claims.sid, user, agentOf: raw.agent_of, leadOf: raw.lead_of };
  }
}
