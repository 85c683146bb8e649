import { ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { UNAUTHORIZED_MESSAGE } from '../access-token.verifier';
import type { AuthUser } from '../auth-user';
import { ADMIN_ONLY } from '../decorators/admin-only.decorator';
import { IS_PUBLIC } from '../decorators/public.decorator';

/** Global guard: every route needs a valid access token unless @Public(); @AdminOnly() also needs is_admin. */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    await (super.canActivate(context) as Promise<boolean>);
    if (this.reflector.getAllAndOverride<boolean>(ADMIN_ONLY, targets)) {
      const user = context.switchToHttp().getRequest<{ user: AuthUser }>().user;
      if (!user.isAdmin) throw new ForbiddenException('Acesso restrito a administradores');
    }
    return true;
  }

  override handleRequest<TUser = AuthUser>(err: unknown, user: TUser | false): TUser {
    if (err instanceof UnauthorizedException) throw err;
    if (err || !user) throw new UnauthorizedException(UNAUTHORIZED_MESSAGE);
    return user;
  }
}
