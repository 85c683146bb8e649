import { BadRequestException, ForbiddenException, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectRepository } from '@nestjs/typeorm';
import bcrypt from 'bcrypt';
import { randomBytes, randomUUID } from 'node:crypto';
import { MoreThan, Repository } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { MailService } from '../mail/mail.service';
import { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { AuthSessionsService, sha256 } from './auth-sessions.service';
import { AccessTokenClaims, JWT_ALGORITHM, RefreshTokenClaims } from './auth-user';
import { LoginResponseDto } from './dto/auth.dto';
import { TooManyRequestsException } from '../security/rate-limit';
import { OidcService } from './oidc/oidc.service';

export const INVALID_CREDENTIALS = 'Matrícula ou senha inválidas';
const INVALID_REFRESH = 'Sessão inválida ou expirada. Faça login novamente.';
export const PASSWORD_LOGIN_OFF = 'Login por senha desativado para esta conta; entre pelo login SSO (/auth/oidc/login)';

export interface IssuedTokens {
  accessToken: string;
  refreshToken: string;
}

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);
  /** Compared against when the matricula does not exist, so both paths cost one bcrypt. */
  private dummyHash?: Promise<string>;

  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly sessions: AuthSessionsService,
    private readonly mail: MailService,
    @InjectRepository(User) private readonly userRepo: Repository<User>,
    private readonly oidc: OidcService,
  ) {}

  async login(matricula: string, password: string, meta: { userAgent?: string; ip?: string }): Promise<{ tokens: IssuedTokens; body: LoginResponseDto }> {
    const user = await this.users.findByMatricula(matricula);
    if (!user) {
      this.dummyHash ??= bcrypt.hash(randomUUID(), this.config.auth.bcryptCost);
      await bcrypt.compare(password, await this.dummyHash);
      throw new UnauthorizedException(INVALID_CREDENTIALS);
    }
    if (user.lockedUntil && user.lockedUntil > new Date()) {
      throw new TooManyRequestsException(
        Math.ceil((user.lockedUntil.getTime() - Date.now()) / 1000),
        'Conta temporariamente bloqueada por excesso de tentativas. Tente novamente mais tarde.',
      );
    }
    const passwordOk = await bcrypt.compare(password, user.hashedPassword);
    if (!passwordOk || !user.isActive) {
      if (!passwordOk) await this.recordFailure(user.id);
      throw new UnauthorizedException(INVALID_CREDENTIALS);
    }
    this.assertPasswordLoginAllowed(user);
    if (user.failedLoginCount || user.lockedUntil) {
      await this.userRepo.update({ id: user.id }, { failedLoginCount: 0, lockedUntil: null });
    }
    const tokens = await this.startSession(user, meta);
    return {
      tokens,
      body: {
        token: { access_token: tokens.accessToken, refresh_token: tokens.refreshToken, token_type: 'bearer' },
        user: await this.users.toOut(user),
      },
    };
  }

  async refresh(refreshToken: string | undefined): Promise<IssuedTokens> {
    const claims = await this.verifyRefresh(refreshToken);
    const user = await this.userRepo.findOneBy({ id: claims.sub });
    if (!user?.isActive) throw new UnauthorizedException(INVALID_REFRESH);
    await this.recheckOidcSession(claims.sid);
    const next = await this.signRefresh(user.id, claims.sid);
    const outcome = await this.sessions.rotate(claims.sid, refreshToken!, next);
    if (outcome === 'reused') this.logger.warn(`Refresh token reuse detected; session ${claims.sid} revoked`);
    if (outcome !== 'rotated') throw new UnauthorizedException(INVALID_REFRESH);
    return { accessToken: await this.signAccess(user.id, claims.sid), refreshToken: next };
  }

  /** Revokes the session behind whichever token the client still holds. Never fails. */
  async logout(tokens: { accessToken?: string; refreshToken?: string }): Promise<void> {
    const sid =
      (await this.verifyRefresh(tokens.refreshToken).then((c) => c.sid).catch(() => undefined)) ??
      (await this.jwt
        .verifyAsync<AccessTokenClaims>(tokens.accessToken ?? '', { secret: this.config.auth.jwtSecret, algorithms: [JWT_ALGORITHM], ignoreExpiration: true })
        .then((c) => c.sid)
        .catch(() => undefined));
    if (sid) await this.sessions.revoke(sid, 'logout').catch(() => undefined);
  }

  /** Same answer whether or not the e-mail exists; the e-mail goes out in the background. */
  async forgotPassword(email: string): Promise<void> {
    const user = await this.users.findByEmail(email);
    if (!user?.isActive) return;
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.config.auth.passwordResetTtlMinutes * 60_000);
    await this.userRepo.update({ id: user.id }, { passwordResetToken: sha256(token), passwordResetExpiresAt: expiresAt });
    const link = `${this.config.auth.resetPasswordUrl}?token=${encodeURIComponent(token)}`;
    void this.mail
      .send({
        to: user.email,
        subject: 'Carvalima Helpdesk — redefinição de senha',
        text:
          `Olá, ${user.fullName}.\n\nRecebemos um pedido para redefinir sua senha. Use o link abaixo em até ` +
          `${this.config.auth.passwordResetTtlMinutes} minutos:\n\n${link}\n\nCódigo: ${token}\n\n` +
          'Se você não fez este pedido, ignore este e-mail.',
      })
      .catch((error: Error) => this.logger.error(`Password reset e-mail not sent: ${error.message}`));
  }

  async resetPassword(token: string, newPassword: string): Promise<void> {
    const user = await this.userRepo.findOneBy({ passwordResetToken: sha256(token), passwordResetExpiresAt: MoreThan(new Date()) });
    if (!user) throw new BadRequestException('token: token inválido ou expirado');
    // Single use: the conditional update only succeeds for the first of two concurrent resets.
    const result = await this.userRepo
      .createQueryBuilder()
      .update()
      .set({
        hashedPassword: await this.users.hashPassword(newPassword),
        passwordResetToken: null,
        passwordResetExpiresAt: null,
        failedLoginCount: 0,
        lockedUntil: null,
      })
      .where('id = :id AND password_reset_token = :hash', { id: user.id, hash: sha256(token) })
      .execute();
    if (!result.affected) throw new BadRequestException('token: token inválido ou expirado');
    await this.sessions.revokeAllOfUser(user.id, 'password_reset');
  }

  /** A session for a user the provider just vouched for (OidcController), with the same cookies as a password login. */
  startOidcSession(user: User, encryptedProviderRefreshToken: string | null, meta: { userAgent?: string; ip?: string }): Promise<IssuedTokens> {
    return this.startSession(user, meta, { refreshToken: encryptedProviderRefreshToken });
  }

  /** PASSWORD_LOGIN: checked after the password, so only its owner learns that SSO is required. */
  private assertPasswordLoginAllowed(user: User): void {
    const policy = this.config.oidc.passwordLogin;
    const allowed = policy === 'all' || (policy === 'admins' && user.isAdmin) || (policy === 'no-oidc' && !user.oidcSubject);
    if (!allowed) throw new ForbiddenException(PASSWORD_LOGIN_OFF);
  }

  /**
   * An OIDC session whose last check at the provider is older than OIDC_RECHECK_SECONDS is re-checked there
   * before it may refresh: a refusal ends the session, an unreachable provider refuses this refresh only.
   */
  private async recheckOidcSession(sessionId: string): Promise<void> {
    const session = await this.sessions.findOidcState(sessionId);
    if (!session?.oidcCheckedAt) return;
    if (Date.now() - session.oidcCheckedAt.getTime() < this.config.oidc.recheckSeconds * 1000) return;
    const outcome = await this.oidc.recheck(session.oidcRefreshToken);
    if (outcome.ok) return this.sessions.markOidcChecked(sessionId, outcome.encryptedRefreshToken);
    if (outcome.reason === 'refused') {
      await this.sessions.revoke(sessionId, 'oidc_refused');
      this.logger.warn(`OIDC provider refused session ${sessionId} at refresh; session revoked`);
    }
    throw new UnauthorizedException(INVALID_REFRESH);
  }

  private async startSession(user: User, meta: { userAgent?: string; ip?: string }, oidc?: { refreshToken: string | null }): Promise<IssuedTokens> {
    const expiresAt = new Date(Date.now() + this.config.auth.refreshTtlSeconds * 1000);
    const session = await this.sessions.create(user.id, expiresAt, meta, oidc);
    const refreshToken = await this.signRefresh(user.id, session.id);
    await this.sessions.setRefreshToken(session.id, refreshToken);
    return { accessToken: await this.signAccess(user.id, session.id), refreshToken };
  }

  /** Counts a failed password; the LOGIN_MAX_FAILURES-th in a row locks the account. */
  private async recordFailure(userId: number): Promise<void> {
    const lockMinutes = this.config.auth.loginLockMinutes;
    await this.userRepo.query(
      `UPDATE users SET
         failed_login_count = CASE WHEN failed_login_count + 1 >= $2 THEN 0 ELSE failed_login_count + 1 END,
         locked_until = CASE WHEN failed_login_count + 1 >= $2 THEN now() + ($3 || ' minutes')::interval ELSE locked_until END
       WHERE id = $1`,
      [userId, this.config.auth.loginMaxFailures, String(lockMinutes)],
    );
  }

  private signAccess(userId: number, sessionId: string): Promise<string> {
    const claims: AccessTokenClaims = { sub: userId, sid: sessionId, typ: 'access' };
    return this.jwt.signAsync(claims, {
      secret: this.config.auth.jwtSecret,
      algorithm: JWT_ALGORITHM,
      expiresIn: this.config.auth.accessTtlSeconds,
    });
  }

  private signRefresh(userId: number, sessionId: string): Promise<string> {
    const claims: RefreshTokenClaims = { sub: userId, sid: sessionId, jti: randomUUID(), typ: 'refresh' };
    return this.jwt.signAsync(claims, {
      secret: this.config.auth.jwtRefreshSecret,
      algorithm: JWT_ALGORITHM,
      expiresIn: this.config.auth.refreshTtlSeconds,
    });
  }

  private async verifyRefresh(token: string | undefined): Promise<RefreshTokenClaims> {
    if (!token) throw new UnauthorizedException('Refresh token não encontrado nos cookies');
    try {
      const claims = await this.jwt.verifyAsync<RefreshTokenClaims>(token, {
        secret: this.config.auth.jwtRefreshSecret,
        algorithms: [JWT_ALGORITHM],
      });
      if (claims.typ !== 'refresh' || typeof claims.sid !== 'string') throw new Error('wrong token type');
      return claims;
    } catch {
      throw new UnauthorizedException(INVALID_REFRESH);
    }
  }
}
