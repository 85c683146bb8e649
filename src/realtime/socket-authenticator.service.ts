import { Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { IncomingMessage } from 'node:http';
import { AccessTokenVerifier } from '../auth/access-token.verifier';
import { ACCESS_COOKIE } from '../auth/auth-user';
import { AppConfig } from '../config/app-config';
import type { SocketPrincipal } from './realtime.types';

/** What the handshake offers: `auth: { token }` from the client, and the HTTP request (cookies parsed by cookie-parser). */
export interface HandshakeCredentials {
  auth: Record<string, unknown>;
  request: IncomingMessage & { cookies?: Record<string, string> };
}

/** The one message a refused handshake gets (`connect_error`), whatever the reason (SPEC section 7). */
export const SOCKET_UNAUTHORIZED = 'unauthorized';

/**
 * Authenticates a Socket.IO handshake with the same rule as HTTP (AccessTokenVerifier): the
 * `access_token` cookie (browsers, `withCredentials`) or `auth: { token }` (other clients).
 */
@Injectable()
export class SocketAuthenticator {
  private readonly logger = new Logger(SocketAuthenticator.name);

  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {}

  async authenticate(handshake: HandshakeCredentials): Promise<SocketPrincipal> {
    const token = this.tokenOf(handshake);
    if (!token) throw new UnauthorizedException(SOCKET_UNAUTHORIZED);
    try {
      const principal = await this.verifier.verify(token);
      return {
        userId: principal.id,
        isAdmin: principal.isAdmin,
        agentOf: principal.agentOf,
        sessionId: principal.sessionId,
        tokenExpiresAt: this.expiryOf(token),
      };
    } catch (error) {
      if (!(error instanceof UnauthorizedException)) this.logger.warn(`Socket handshake could not be verified: ${String(error)}`);
      throw new UnauthorizedException(SOCKET_UNAUTHORIZED);
    }
  }

  private tokenOf({ auth, request }: HandshakeCredentials): string | undefined {
    if (typeof auth.token === 'string' && auth.token) return auth.token;
    const cookie = request.cookies?.[ACCESS_COOKIE];
    if (!cookie) return undefined;
    // A cookie is sent by the browser on its own, so a page from another origin could ride on it
    // (cross-site WebSocket hijacking): cookie logins are honoured only from the allowed origins.
    return this.isTrustedOrigin(request) ? cookie : undefined;
  }

  /** No Origin (not a browser), an allowed CORS origin, or the API's own host. */
  private isTrustedOrigin(request: IncomingMessage): boolean {
    const origin = request.headers.origin;
    if (origin === undefined) return true;
    if (this.config.cors.origins.includes(origin)) return true;
    try {
      return new URL(origin).host === request.headers.host;
    } catch {
      return false;
    }
  }

  /** The token is already verified here; `exp` only schedules the disconnect at expiry. */
  private expiryOf(token: string): number | null {
    const claims = this.jwt.decode<{ exp?: unknown } | null>(token);
    return typeof claims?.exp === 'number' ? claims.exp * 1000 : null;
  }
}
