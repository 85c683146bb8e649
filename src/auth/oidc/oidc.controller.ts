import { Controller, Get, Logger, Query, Req, Res } from '@nestjs/common';
import { ApiDefaultResponse, ApiFoundResponse, ApiNotFoundResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ErrorResponseDto } from '../../common/openapi/error-response.dto';
import type { CookieOptions, Request, Response } from 'express';
import { AppConfig } from '../../config/app-config';
import { setAuthCookies } from '../auth-cookies';
import { AuthService } from '../auth.service';
import { Public } from '../decorators/public.decorator';
import { OidcService, OidcSignInError } from './oidc.service';

export const OIDC_FLOW_COOKIE = 'oidc_flow';
const FLOW_PATH = '/auth/oidc';

/**
 * `GET /auth/oidc/login` → the provider → `GET /auth/oidc/callback` → the SPA, signed in with the same cookies as a
 * password login. Any failure at the callback redirects to the SPA with `?oidc_error=<code>` and no session.
 */
@ApiTags('Auth')
@Controller('auth/oidc')
export class OidcController {
  private readonly logger = new Logger(OidcController.name);

  constructor(
    private readonly oidc: OidcService,
    private readonly auth: AuthService,
    private readonly config: AppConfig,
  ) {}

  // A redirect is the answer of both routes; `default` (any other status: the JSON error body) satisfies the
  // linter's rule that an operation has a 2XX-or-default response without promising a 200 that never comes.
  @Public()
  @Get('login')
  @ApiOperation({ summary: 'Inicia o login SSO (OpenID Connect): redireciona ao provedor de identidade' })
  @ApiFoundResponse({ description: 'Redireciona ao provedor (ou ao SPA com ?oidc_error=provider_unavailable)' })
  @ApiNotFoundResponse({ description: 'Login SSO desativado (OIDC_ISSUER_URL não definido)' })
  @ApiDefaultResponse({ description: 'Outro erro: o corpo de erro JSON', type: ErrorResponseDto })
  async login(@Res() res: Response): Promise<void> {
    this.oidc.assertEnabled();
    try {
      const { url, flowToken } = await this.oidc.startSignIn();
      res.cookie(OIDC_FLOW_COOKIE, flowToken, { ...this.flowCookieOptions(), maxAge: 600_000 });
      res.redirect(302, url);
    } catch (error) {
      this.refuse(res, error);
    }
  }

  @Public()
  @Get('callback')
  @ApiOperation({ summary: 'Retorno do provedor de identidade: valida o ID token, define os cookies e redireciona ao SPA' })
  @ApiQuery({ name: 'code', required: false, type: String, description: 'Código de autorização do provedor' })
  @ApiQuery({ name: 'state', required: false, type: String, description: 'O state enviado no início do login' })
  @ApiFoundResponse({ description: 'Redireciona ao SPA: autenticado, ou com ?oidc_error=<código> (veja o README)' })
  @ApiNotFoundResponse({ description: 'Login SSO desativado (OIDC_ISSUER_URL não definido)' })
  @ApiDefaultResponse({ description: 'Outro erro: o corpo de erro JSON', type: ErrorResponseDto })
  async callback(@Req() req: Request, @Res() res: Response, @Query() _query: unknown): Promise<void> {
    this.oidc.assertEnabled();
    const flowToken: unknown = req.cookies?.[OIDC_FLOW_COOKIE];
    // One use: whatever happens next, this flow is over.
    res.clearCookie(OIDC_FLOW_COOKIE, this.flowCookieOptions());
    try {
      const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
      const signIn = await this.oidc.finishSignIn(query, typeof flowToken === 'string' ? flowToken : undefined);
      const tokens = await this.auth.startOidcSession(signIn.user, signIn.encryptedRefreshToken, { userAgent: req.get('user-agent'), ip: req.ip });
      setAuthCookies(res, tokens, this.config);
      res.redirect(302, this.config.oidc.spaUrl);
    } catch (error) {
      this.refuse(res, error);
    }
  }

  private refuse(res: Response, error: unknown): void {
    const refusal = error instanceof OidcSignInError ? error : new OidcSignInError('invalid_callback', (error as Error)?.message ?? String(error));
    this.logger.warn(`OIDC sign-in refused: ${refusal.code} (${refusal.message})`);
    const target = new URL(this.config.oidc.spaUrl);
    target.searchParams.set('oidc_error', refusal.code);
    res.redirect(302, target.href);
  }

  /** Lax at least: the cookie must come back on the provider's top-level redirect to the callback. */
  private flowCookieOptions(): CookieOptions {
    const sameSite = this.config.auth.cookieSameSite === 'none' ? 'none' : 'lax';
    return { httpOnly: true, secure: this.config.auth.cookieSecure, sameSite, domain: this.config.auth.cookieDomain, path: FLOW_PATH };
  }
}
