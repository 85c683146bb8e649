import { Body, Controller, Get, Header, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCookieAuth,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { CheckAvailabilityQuery } from '../users/dto/check-availability.dto';
import { UserOutDto } from '../users/dto/user-out.dto';
import { UsersService } from '../users/users.service';
import { clearAuthCookies, setAuthCookies } from './auth-cookies';
import { ACCESS_COOKIE, AuthUser, REFRESH_COOKIE } from './auth-user';
import { AuthService } from './auth.service';
import { CurrentUser } from './decorators/current-user.decorator';
import { Public } from './decorators/public.decorator';
import { ForgotPasswordDto, LoginResponseDto, MessageDto, RefreshTokenDto, ResetPasswordDto, UserLoginDto } from './dto/auth.dto';
import { AuthRateLimit } from '../security/rate-limit';

const cookie = (req: Request, name: string): string | undefined => {
  const value: unknown = req.cookies?.[name];
  return typeof value === 'string' && value ? value : undefined;
};

@ApiTags('Auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
    private readonly config: AppConfig,
  ) {}

  @Public()
  @AuthRateLimit()
  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Autentica por matrícula e senha e define os cookies JWT' })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiUnauthorizedResponse({ description: 'Matrícula ou senha inválidas' })
  @ApiTooManyRequestsResponse({ description: 'Excesso de tentativas (Retry-After)' })
  async login(@Body() dto: UserLoginDto, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<LoginResponseDto> {
    const { tokens, body } = await this.auth.login(dto.matricula, dto.password, { userAgent: req.get('user-agent'), ip: req.ip });
    setAuthCookies(res, tokens, this.config);
    return body;
  }

  @Public()
  @Post('logout')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoga a sessão e remove os cookies' })
  @ApiOkResponse({ type: MessageDto })
  async logout(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<MessageDto> {
    // The Bearer token wins over the cookie, as in the JWT strategy.
    const bearer = /^Bearer\s+(\S+)/i.exec(req.get('authorization') ?? '')?.[1];
    await this.auth.logout({ accessToken: bearer ?? cookie(req, ACCESS_COOKIE), refreshToken: cookie(req, REFRESH_COOKIE) });
    clearAuthCookies(res, this.config);
    return { message: 'Logout realizado' };
  }

  @Public()
  @Post('refresh-token')
  @HttpCode(200)
  @ApiOperation({ summary: 'Troca o refresh_token (rotação) por um novo par de tokens' })
  @ApiOkResponse({ type: MessageDto })
  @ApiUnauthorizedResponse({ description: 'Refresh token ausente, inválido, revogado ou reutilizado' })
  async refresh(@Body() dto: RefreshTokenDto, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<MessageDto> {
    const tokens = await this.auth.refresh(cookie(req, REFRESH_COOKIE) ?? dto?.refresh_token);
    setAuthCookies(res, tokens, this.config);
    return { message: 'Token atualizado' };
  }

  @Get('me')
  @ApiCookieAuth('cookie')
  @ApiBearerAuth('bearer')
  @ApiOperation({ summary: 'Dados do usuário autenticado' })
  @ApiOkResponse({ type: UserOutDto })
  me(@CurrentUser() principal: AuthUser): Promise<UserOutDto> {
    return this.users.toOut(principal.user);
  }

  @Public()
  @AuthRateLimit()
  @Post('forgot-password')
  @HttpCode(200)
  @ApiOperation({ summary: 'Envia por e-mail um link de redefinição (mesma resposta exista ou não o e-mail)' })
  @ApiOkResponse({ type: MessageDto })
  async forgotPassword(@Body() dto: ForgotPasswordDto): Promise<MessageDto> {
    await this.auth.forgotPassword(dto.email);
    return { message: 'Email enviado' };
  }

  @Public()
  @AuthRateLimit()
  @Post('reset-password')
  @HttpCode(200)
  @ApiOperation({ summary: 'Redefine a senha com o token recebido por e-mail (uso único, 1 h)' })
  @ApiOkResponse({ type: MessageDto })
  async resetPassword(@Body() dto: ResetPasswordDto): Promise<MessageDto> {
    await this.auth.resetPassword(dto.token, dto.new_password);
    return { message: 'Senha redefinida' };
  }

  @Public()
  @AuthRateLimit()
  @Get('check-availability')
  // A bare `true` would go out as text/html: it is JSON, as the seed's FastAPI answered it.
  @Header('Content-Type', 'application/json; charset=utf-8')
  @ApiOperation({ summary: 'true se o e-mail, matrícula ou CPF está livre para cadastro' })
  @ApiProduces('application/json')
  @ApiOkResponse({ schema: { type: 'boolean', example: true } })
  checkAvailability(@Query() query: CheckAvailabilityQuery): Promise<boolean> {
    return this.users.isAvailable(query.field, query.value);
  }
}
