import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { AdminOnly } from '../auth/decorators/admin-only.decorator';
import { CurrentUser } from '../auth/decorators/current-user.decorator';
import { ApiIdParam, ParseIdPipe } from '../common/parse-id.pipe';
import { RoleAuditEntryDto, RoleGrantDto, RoleGrantOutDto } from './dto/role-grant.dto';
import { ROLE_NAMES, RoleGrantOut, RoleName, RolesService } from './roles.service';

const toOut = (grant: RoleGrantOut): RoleGrantOutDto => ({ role: grant.role, department: grant.department, source: grant.source, granted_at: grant.grantedAt });

/** Role management (issue #17): admins grant and revoke roles; every change is in the audit trail. */
@ApiTags('Users')
@ApiCookieAuth('cookie')
@ApiBearerAuth('bearer')
@AdminOnly()
@Controller('auth/users/:user_id/roles')
export class RolesController {
  constructor(private readonly roles: RolesService) {}

  @Get()
  @ApiOperation({ summary: 'Papéis do usuário (admin)' })
  @ApiOkResponse({ type: [RoleGrantOutDto] })
  @ApiNotFoundResponse({ description: 'Usuário não encontrado' })
  @ApiIdParam('user_id', 'ID local do usuário', 1)
  async list(@Param('user_id', new ParseIdPipe('user_id')) userId: number): Promise<RoleGrantOutDto[]> {
    return (await this.roles.grantsOfUser(userId)).map(toOut);
  }

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Concede um papel (admin); conceder de novo o mesmo papel não muda nada', description: 'Vale a partir da próxima requisição e do próximo `join_deal` do usuário.' })
  @ApiOkResponse({ type: [RoleGrantOutDto], description: 'Os papéis do usuário depois da concessão' })
  @ApiNotFoundResponse({ description: 'Usuário não encontrado' })
  @ApiIdParam('user_id', 'ID local do usuário', 2)
  async grant(@CurrentUser() admin: AuthUser, @Param('user_id', new ParseIdPipe('user_id')) userId: number, @Body() dto: RoleGrantDto): Promise<RoleGrantOutDto[]> {
    await this.roles.grant(userId, { role: dto.role, department: dto.department ?? null }, 'api', `user:${admin.id}`);
    return (await this.roles.grantsOf(userId)).map(toOut);
  }

  @Delete(':role')
  @ApiOperation({ summary: 'Revoga um papel (admin), de todas as origens que o deram', description: 'Vale a partir da próxima requisição e do próximo `join_deal`.' })
  @ApiOkResponse({ type: [RoleGrantOutDto], description: 'Os papéis do usuário depois da revogação' })
  @ApiNotFoundResponse({ description: 'Usuário não encontrado' })
  @ApiIdParam('user_id', 'ID local do usuário', 2)
  @ApiParam({ name: 'role', enum: ROLE_NAMES, example: 'agent' })
  @ApiQuery({ name: 'department', required: false, type: String, description: 'Obrigatório para agent e lead (ex.: `TI`)' })
  async revoke(
    @CurrentUser() admin: AuthUser,
    @Param('user_id', new ParseIdPipe('user_id')) userId: number,
    @Param('role') role: string,
    @Query('department') department: unknown,
  ): Promise<RoleGrantOutDto[]> {
    // RolesService checks both (400 naming the field): an unknown role, a missing or repeated department.
    await this.roles.revoke(userId, { role: role as RoleName, department: typeof department === 'string' ? department : null }, `user:${admin.id}`);
    return (await this.roles.grantsOf(userId)).map(toOut);
  }

  @Get('audit')
  @ApiOperation({ summary: 'Histórico de concessões e revogações do usuário, mais recente primeiro (admin)' })
  @ApiOkResponse({ type: [RoleAuditEntryDto] })
  @ApiNotFoundResponse({ description: 'Usuário não encontrado' })
  @ApiIdParam('user_id', 'ID local do usuário', 1)
  async audit(@Param('user_id', new ParseIdPipe('user_id')) userId: number): Promise<RoleAuditEntryDto[]> {
    return (await this.roles.auditOf(userId)).map((e) => ({ id: e.id, action: e.action, role: e.role, department: e.department, source: e.source, actor: e.actor, at: e.at }));
  }
}
