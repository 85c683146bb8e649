import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsEmail, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, Min } from 'class-validator';
import { normalizePriority, TICKET_PRIORITIES, TicketPriority } from '../../bitrix/ticket-sla';
import { AttachmentsField, TicketAttachmentDto } from './ticket-attachment.dto';

const trimmed = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

/** `TicketCreateRequest` (seed §4.2). */
export class TicketCreateDto {
  @ApiPropertyOptional({ example: 'Maria Santos', description: 'Nome do solicitante (padrão: o usuário logado)' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  full_name?: string;

  @ApiProperty({ example: 'Sistema travando ao gerar relatório', maxLength: 255 })
  @Transform(trimmed)
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  title!: string;

  @ApiPropertyOptional({ example: "Ao clicar em 'Gerar Relatório', o sistema congela..." })
  @IsOptional()
  @IsString()
  @MaxLength(20000)
  description?: string;

  @ApiPropertyOptional({ example: 'Suporte Técnico' })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  subject?: string;

  @ApiPropertyOptional({ example: 5, description: 'ID local do solicitante; só um admin pode abrir em nome de outro usuário' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  user_id?: number;

  @ApiPropertyOptional({ example: '42', description: 'ID Bitrix24 do responsável' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'number' ? String(value) : value))
  @IsString()
  @Matches(/^\d{1,10}$/, { message: 'resp_id: deve ser o ID numérico de um usuário do Bitrix24' })
  resp_id?: string;

  @ApiPropertyOptional({ example: 'TI', maxLength: 100 })
  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @MaxLength(100)
  assignee_department?: string;

  @ApiPropertyOptional({ example: 'maria.santos@carvalima.com' })
  @IsOptional()
  @IsEmail({}, { message: 'email: e-mail inválido' })
  @MaxLength(255)
  email?: string;

  @ApiPropertyOptional({ example: 'Filial São Paulo' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  filial?: string;

  @ApiPropertyOptional({ example: '+55 11 91234-5678' })
  @IsOptional()
  @IsString()
  @MaxLength(30)
  phone?: string;

  @ApiProperty({ enum: TICKET_PRIORITIES, example: 'Alto' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? (normalizePriority(value) ?? value) : value))
  @IsIn(TICKET_PRIORITIES, { message: 'priority: prioridade desconhecida (use Crítico, Alto, Médio ou Baixo)' })
  priority!: TicketPriority;

  @ApiPropertyOptional({ example: '87654321', maxLength: 20 })
  @IsOptional()
  @IsString()
  @MaxLength(20)
  matricula?: string;

  @ApiPropertyOptional({ example: 'Financeiro', maxLength: 100 })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  requester_department?: string;

  @ApiProperty({ example: 'Sistema Financeiro', maxLength: 50 })
  @Transform(trimmed)
  @IsString({ message: 'service_category: categoria obrigatória' })
  @IsNotEmpty({ message: 'service_category: categoria obrigatória' })
  @MaxLength(50, { message: 'service_category: no máximo 50 caracteres' })
  service_category!: string;

  @ApiPropertyOptional({ example: 'ERP', maxLength: 50 })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  system_type?: string;

  @ApiPropertyOptional({ example: '123.456.789-09', description: 'Usado só na categoria "Acessos e Permissões" (seed §8.3)' })
  @IsOptional()
  @IsString()
  @MaxLength(20)
  cpf?: string;

  @AttachmentsField()
  attachments?: TicketAttachmentDto[];
}
