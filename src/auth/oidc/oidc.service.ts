import { Injectable, Logger, NotFoundException, Optional } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectRepository } from '@nestjs/typeorm';
import * as client from 'openid-client';
import { Repository } from 'typeorm';
import { AppConfig } from '../../config/app-config';
import { User } from '../../users/user.entity';
import { UsersService } from '../../users/users.service';
import { JWT_ALGORITHM } from '../auth-user';
import { OidcRoleSink, grantsFromGroups } from './group-roles';
import { TokenCipher } from './token-cipher';

export const OIDC_OFF = 'Login SSO (OpenID Connect) não está habilitado neste servidor';

/** How long a started sign-in may take at the provider before its flow cookie expires. */
const FLOW_TTL_SECONDS = 600;

/**
 * Why a callback was refused; the SPA gets it as `?oidc_error=<code>` (README "Single sign-on").
 * - `invalid_callback`: the response does not check out (state, nonce, audience, expiry, signature, missing flow).
 * - `provider_refused`: the provider answered with an error (denied consent, code already used, ...).
 * - `provider_unavailable`: the provider could not be reached.
 * - `user_unknown`: no account matches (accounts are not created at sign-in), or the claim to match on is missing.
 * - `user_disabled`: the matching account is inactive.
 * - `identity_conflict`: the matching account is already linked to another OIDC identity.
 */
export type OidcErrorCode =
  | 'invalid_callback'
  | 'provider_refused'
  | 'provider_unavailable'
  | 'user_unknown'
  | 'user_disabled'
  | 'identity_conflict';

export class OidcSignInError extends Error {
  constructor(
    readonly code: OidcErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'OidcSignInError';
  }
}

interface FlowClaims {
  typ: 'oidc_flow';
  state: string;
  nonce: string;
  verifier: string;
}

export interface OidcSignIn {
  user: User;
  /** The provider refresh token, encrypted for the session row (null when the provider issued none). */
  encryptedRefreshToken: string | null;
}

/** What a re-check of an OIDC session at the provider said. */
export type RecheckOutcome = { ok: true; encryptedRefreshToken: string | null } | { ok: false; reason: 'refused' | 'unavailable' };

/**
 * OpenID Connect sign-in with openid-client: authorization code + PKCE, `state` and `nonce` kept in a short-lived
 * signed httpOnly cookie; the ID token is verified by openid-client (signature, issuer, audience, expiry, nonce).
 */
@Injectable()
export class OidcService {
  private readonly logger = new Logger(OidcService.name);
  private discovered?: Promise<client.Configuration>;
  private readonly cipher: TokenCipher;

  constructor(
    private readonly config: AppConfig,
    private readonly jwt: JwtService,
    private readonly users: UsersService,
    @InjectRepository(User) private readonly userRepo: Repository<User>,
    @Optional() private readonly roleSink?: OidcRoleSink,
  ) {
    this.cipher = new TokenCipher(config.cpf.encryptionKey);
  }

  get enabled(): boolean {
    return Boolean(this.config.oidc.issuerUrl);
  }

  assertEnabled(): void {
    if (!this.enabled) throw new NotFoundException(OIDC_OFF);
  }

  /** The provider's authorization URL and the flow cookie value to set before redirecting there. */
  async startSignIn(): Promise<{ url: string; flowToken: string }> {
    const provider = await this.provider();
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(provider, {
      redirect_uri: this.config.oidc.redirectUri,
      scope: this.config.oidc.scopes.join(' '),
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const flow: FlowClaims = { typ: 'oidc_flow', state, nonce, verifier };
    const flowToken = await this.jwt.signAsync(flow, { secret: this.config.auth.jwtSecret, algorithm: JWT_ALGORITHM, expiresIn: FLOW_TTL_SECONDS });
    return { url: url.href, flowToken };
  }

  /** Completes the sign-in at the callback: checks the provider's answer and finds the user. */
  async finishSignIn(callbackQuery: string, flowToken: string | undefined): Promise<OidcSignIn> {
    const flow = await this.readFlow(flowToken);
    const provider = await this.provider();
    const currentUrl = new URL(this.config.oidc.redirectUri);
    currentUrl.search = callbackQuery;
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(provider, currentUrl, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      throw this.classify(error);
    }
    const claims = tokens.claims();
    if (!claims) throw new OidcSignInError('invalid_callback', 'ID token missing from the token response');
    const user = await this.findOrLinkUser(claims);
    await this.applyGroupRoles(user, claims);
    return { user, encryptedRefreshToken: tokens.refresh_token ? this.cipher.encrypt(tokens.refresh_token) : null };
  }

  /**
   * Asks the provider whether the account still stands, with the session's provider refresh token. A provider
   * that refuses (account disabled, grant revoked) ends the session; one that cannot be reached fails closed.
   */
  async recheck(encryptedRefreshToken: string | null): Promise<RecheckOutcome> {
    if (!encryptedRefreshToken || !this.enabled) return { ok: false, reason: 'refused' };
    let refreshToken: string;
    try {
      refreshToken = this.cipher.decrypt(encryptedRefreshToken);
    } catch {
      return { ok: false, reason: 'refused' };
    }
    try {
      const tokens = await client.refreshTokenGrant(await this.provider(), refreshToken);
      const next = tokens.refresh_token ?? refreshToken;
      return { ok: true, encryptedRefreshToken: this.cipher.encrypt(next) };
    } catch (error) {
      const classified = this.classify(error);
      this.logger.warn(`OIDC re-check at refresh failed: ${classified.code} (${classified.message})`);
      return { ok: false, reason: classified.code === 'provider_unavailable' ? 'unavailable' : 'refused' };
    }
  }

  private async readFlow(flowToken: string | undefined): Promise<FlowClaims> {
    if (!flowToken) throw new OidcSignInError('invalid_callback', 'No OIDC flow cookie (expired or another browser)');
    try {
      const flow = await this.jwt.verifyAsync<FlowClaims>(flowToken, { secret: this.config.auth.jwtSecret, algorithms: [JWT_ALGORITHM] });
      if (flow.typ !== 'oidc_flow' || !flow.state || !flow.nonce || !flow.verifier) throw new Error('wrong token type');
      return flow;
    } catch {
      throw new OidcSignInError('invalid_callback', 'OIDC flow cookie invalid or expired');
    }
  }

  private async findOrLinkUser(claims: client.IDToken): Promise<User> {
    const issuer = claims.iss;
    const subject = claims.sub;
    const { matchBy, matchClaim } = this.config.oidc;
    let user = await this.userRepo.findOneBy({ oidcIssuer: issuer, oidcSubject: subject });
    if (!user && matchBy !== 'none') {
      const value = claims[matchClaim];
      const usable = typeof value === 'string' && value.trim() !== '' && !(matchBy === 'email' && claims.email_verified === false);
      if (usable) {
        const found = matchBy === 'email' ? await this.users.findByEmail(value.trim()) : await this.users.findByMatricula(value.trim());
        if (found && found.oidcSubject && (found.oidcSubject !== subject || found.oidcIssuer !== issuer)) {
          throw new OidcSignInError('identity_conflict', `Account ${found.id} is linked to another OIDC identity`);
        }
        if (found) {
          await this.userRepo.update({ id: found.id }, { oidcIssuer: issuer, oidcSubject: subject });
          found.oidcIssuer = issuer;
          found.oidcSubject = subject;
          this.logger.log(`User ${found.id} linked to OIDC subject by ${matchBy}`);
          user = found;
        }
      }
    }
    if (!user) throw new OidcSignInError('user_unknown', 'No account matches the OIDC identity');
    if (!user.isActive) throw new OidcSignInError('user_disabled', `User ${user.id} is inactive`);
    return user;
  }

  private async applyGroupRoles(user: User, claims: client.IDToken): Promise<void> {
    if (!this.roleSink || !Object.keys(this.config.oidc.groupRoles).length) return;
    const grants = grantsFromGroups(claims[this.config.oidc.groupsClaim], this.config.oidc.groupRoles);
    await this.roleSink.replaceOidcGrants(user.id, grants, `oidc:${claims.iss}`);
  }

  private provider(): Promise<client.Configuration> {
    const { issuerUrl, clientId, clientSecret } = this.config.oidc;
    if (!issuerUrl) throw new NotFoundException(OIDC_OFF);
    this.discovered ??= client
      .discovery(new URL(issuerUrl), clientId, clientSecret, undefined, {
        // Only a plain-http issuer (a local provider: tests, embedded start) needs this; https ones never do.
        execute: issuerUrl.startsWith('http://') ? [client.allowInsecureRequests] : [],
        timeout: 10,
      })
      .catch((error: unknown) => {
        this.discovered = undefined; // try again at the next sign-in
        throw this.classify(error);
      });
    return this.discovered;
  }

  /** Maps openid-client's failures to the codes the SPA gets; never exposes tokens. */
  private classify(error: unknown): OidcSignInError {
    if (error instanceof OidcSignInError) return error;
    if (error instanceof client.AuthorizationResponseError || error instanceof client.ResponseBodyError) {
      return new OidcSignInError('provider_refused', `Provider answered ${error.error}`);
    }
    if (error instanceof client.ClientError) {
      // OAUTH_TIMEOUT and network failures come wrapped too; the rest is a response that does not check out.
      const code = (error as { code?: string }).code ?? '';
      if (code === 'OAUTH_TIMEOUT' || isNetworkError(error.cause)) return new OidcSignInError('provider_unavailable', `Provider unreachable (${code})`);
      return new OidcSignInError('invalid_callback', `Provider response refused: ${code} ${error.message}`);
    }
    if (isNetworkError(error)) return new OidcSignInError('provider_unavailable', 'Provider unreachable');
    return new OidcSignInError('invalid_callback', `OIDC response refused: ${(error as Error)?.message ?? String(error)}`);
  }
}

/** fetch's failures (by name: under Jest they come from another realm, so `instanceof` would not do). */
function isNetworkError(error: unknown): boolean {
  const name = (error as { name?: unknown } | undefined)?.name;
  return name === 'TypeError' || name === 'AbortError' || name === 'TimeoutError';
}
