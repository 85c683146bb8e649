import { ApiProperty } from '@nestjs/swagger';
import { RoleGrantOutDto } from '../../roles/dto/role-grant.dto';

/** `UserOut` of the seed. The CPF is never part of it. */
export class UserOutDto {
  @ApiProperty({ type: 'integer', format: 'int32', example: 1 }) id!: number;
  @ApiProperty({ example: 'João Silva' }) full_name!: string;
  @ApiProperty({ example: 'joao.silva@carvalima.com' }) email!: string;
  @ApiProperty({ example: 'Matriz' }) filial!: string;
  @ApiProperty({ example: '12345678' }) matricula!: string;
  @ApiProperty({ example: 'TI' }) department!: string;
  @ApiProperty({ example: '+55 11 98765-4321', nullable: true, type: String }) phone_number!: string | null;
  @ApiProperty({ description: 'Presigned URL (168 h)', nullable: true, type: String }) profile_picture_url!: string | null;
  @ApiProperty({ example: true }) is_active!: boolean;
  @ApiProperty({ example: false, description: 'O papel admin (issue #17); igual a ter `admin` em `roles`' }) is_admin!: boolean;
  @ApiProperty({ type: [RoleGrantOutDto], description: 'Papéis concedidos por um admin ou pelos grupos do SSO; sem papel, o usuário é solicitante (vê os próprios chamados). O `department` do perfil não concede nada.' })
  roles!: RoleGrantOutDto[];
  @ApiProperty({ example: '2024-01-15T10:30:00Z' }) created_at!: Date;
  @ApiProperty({ example: '2024-01-15T10:30:00Z' }) updated_at!: Date;
}

