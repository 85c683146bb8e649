import type { RoleScopes } from '../roles/role-scopes';
import type { User } from '../users/user.entity';

/** The principal behind a request or a socket: the user and the login session its token belongs to. */
export interface AuthUser extends RoleScopes {
  id: number;
  /** An admin grant (`users.is_admin` mirrors it). */
  isAdmin: boolean;
  sessionId: string;
  user: User;
}

/** Claims of our access tokens. */
export interface AccessTokenClaims {
  sub: number;
  sid: string;
  typ: 'access';
}

/** Claims of our refresh tokens. */
export interface RefreshTokenClaims {
  sub: number;
  sid: string;
  jti: string;
  typ: 'refresh';
}

export const ACCESS_COOKIE = 'access_token';
export const REFRESH_COOKIE = 'refresh_token';
/** Only HS256 is ever accepted (no `alg: none`, no algorithm confusion). */
export const JWT_ALGORITHM = 'HS256' as const;
