import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { TextField } from '../../common/validation/field.decorators';
import { ROLE_NAMES, RoleName } from '../roles.service';

/** A role to grant or revoke: `agent`/`lead` of an assignee department, or `admin` (no department). */
export class RoleGrantDto {
  @ApiProperty({ enum: ROLE_NAMES, example: 'agent', description: '`agent`: lê e atua nos chamados do departamento; `lead`: agente + relatório de SLA do departamento; `admin`: tudo' })
  @IsIn(ROLE_NAMES, { message: `role deve ser um de: ${ROLE_NAMES.join(', ')}` })
  role!: RoleName;

  @TextField({ maxLength: 100, optional: true, example: 'TI', description: 'Departamento responsável (obrigatório para agent e lead; ausente para admin)' })
  department?: string;
}

/** One role a user holds, and where it came from. */
export class RoleGrantOutDto {
  @ApiProperty({ enum: ROLE_NAMES, example: 'agent' }) role!: RoleName;
  @ApiProperty({ example: 'TI', nullable: true, type: String }) department!: string | null;
  @ApiProperty({ example: 'api', description: '`api` (um admin), `oidc` (grupos do provedor SSO), `is_admin`, `migration`' }) source!: string;
  @ApiProperty({ example: '2026-12-02T10:30:00Z' }) granted_at!: Date;
}

/** One entry of the trail of grants and revokes. */
export class RoleAuditEntryDto {
  @ApiProperty({ type: 'integer', format: 'int64', example: 1 }) id!: number;
  @ApiProperty({ enum: ['grant', 'revoke'], example: 'grant' }) action!: 'grant' | 'revoke';
  @ApiProperty({ enum: ROLE_NAMES, example: 'agent' }) role!: RoleName;
  @ApiProperty({ example: 'TI', nullable: true, type: String }) department!: string | null;
  @ApiProperty({ example: 'api' }) source!: string;
  @ApiProperty({ example: 'user:1', description: 'Quem: `user:<id>` do admin, `oidc:<emissor>`, `users.is_admin`, `migration`' }) actor!: string;
  @ApiProperty({ example: '2026-12-02T10:30:00Z' }) at!: Date;
}
