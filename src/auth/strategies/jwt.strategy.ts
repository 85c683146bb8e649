import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { createSecretKey } from 'node:crypto';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppConfig } from '../../config/app-config';
import { AccessTokenVerifier } from '../access-token.verifier';
import { ACCESS_COOKIE, AccessTokenClaims, AuthUser, JWT_ALGORITHM } from '../auth-user';

const fromCookie = (req: Request): string | null => {
  const value: unknown = req?.cookies?.[ACCESS_COOKIE];
  return typeof value === 'string' && value ? value : null;
};

/**
 * Access token from `Authorization: Bearer` (Swagger, integrators) or the `access_token` cookie (SPA).
 * The header wins when both are sent: it is what the caller chose for this request (a stale cookie of
 * another user left in Swagger UI must not decide who the caller is), and the CSRF check relies on it.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    config: AppConfig,
    private readonly verifier: AccessTokenVerifier,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromExtractors([ExtractJwt.fromAuthHeaderAsBearerToken(), fromCookie]),
      // A KeyObject, not the string: jsonwebtoken would otherwise try (and fail) to parse the secret as a
      // public key on every request before falling back to an HMAC key. passport-jwt hands it to
      // jsonwebtoken untouched; its types only list string | Buffer.
      secretOrKey: createSecretKey(Buffer.from(config.auth.jwtSecret, 'utf8')) as unknown as Buffer,
      algorithms: [JWT_ALGORITHM],
      ignoreExpiration: false,
    });
  }

  validate(claims: AccessTokenClaims): Promise<AuthUser> {
    return this.verifier.principalFor(claims);
  }
}
