import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { MulterModule } from '@nestjs/platform-express';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { UsersController } from '../users/users.controller';
import { UsersModule } from '../users/users.module';
import { AccessTokenVerifier } from './access-token.verifier';
import { AuthSession } from './auth-session.entity';
import { AuthSessionsService } from './auth-sessions.service';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { JwtAuthGuard } from './guards/jwt-auth.guard';
import { JwtStrategy } from './strategies/jwt.strategy';
import { OidcController } from './oidc/oidc.controller';
import { OidcService } from './oidc/oidc.service';
import { OidcRoleSink } from './oidc/group-roles';
import { RolesModule } from '../roles/roles.module';
import { RolesService } from '../roles/roles.service';

/** Login, sessions and the /auth user routes. Exports AccessTokenVerifier for the Socket.IO handshake. */
@Module({
  imports: [
    UsersModule,
    RolesModule,
    TypeOrmModule.forFeature([AuthSession]),
    PassportModule,
    JwtModule.register({}),
    MulterModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ limits: { fileSize: config.limits.maxAvatarBytes, files: 1, fields: 10 } }),
    }),
  ],
  controllers: [AuthController, OidcController, UsersController],
  providers: [
    AuthService,
    AuthSessionsService,
    OidcService,
    // The OIDC group mapping's grants go to the role store.
    { provide: OidcRoleSink, useExisting: RolesService },
    AccessTokenVerifier,
    JwtStrategy,
    { provide: APP_GUARD, useClass: JwtAuthGuard },
  ],
  exports: [AccessTokenVerifier, AuthSessionsService, UsersModule],
})
export class AuthModule {}
