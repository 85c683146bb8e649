import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsIn, IsString, Matches, MaxLength, Validate, ValidatorConstraint, ValidatorConstraintInterface } from 'class-validator';
import { ID_BOUNDS, parseCanonicalInteger } from '../../common/validation/bounded-integer';
import { IntegerField, Optional, TextField } from '../../common/validation/field.decorators';
import { normalizePriority, TICKET_PRIORITIES, TicketPriority } from '../../bitrix/ticket-sla';
import { AttachmentsField, TicketAttachmentDto } from './ticket-attachment.dto';

const trimmed = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

/** A Bitrix user ID sent as text, within what an `integer` column holds. */
@ValidatorConstraint({ name: 'boundedIdText' })
class BoundedIdText implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return parseCanonicalInteger(value, ID_BOUNDS) !== null;
  }

  defaultMessage(): string {
    return `resp_id: deve ser o ID numérico (1 a ${ID_BOUNDS.max}) de um usuário do Bitrix24`;
  }
}

/** `TicketCreateRequest` (seed §4.2). */
export class TicketCreateDto {
  @TextField({ optional: true, maxLength: 255, example: 'Maria Santos', description: 'Nome do solicitante (padrão: o usuário logado)' })
  full_name?: string;

  @TextField({ maxLength: 255, example: 'Sistema travando ao gerar relatório' })
  title!: string;

  @TextField({ optional: true, maxLength: 20000, example: "Ao clicar em 'Gerar Relatório', o sistema congela..." })
  description?: string;

  @TextField({ optional: true, maxLength: 255, example: 'Suporte Técnico' })
  subject?: string;

  @IntegerField({
    optional: true,
    example: 1,
    description: 'ID local do solicitante (padrão: o usuário logado); só um admin pode abrir em nome de outro usuário. O exemplo é o admin do modo embutido.',
  })
  user_id?: number;

  @ApiPropertyOptional({
    example: '1',
    pattern: '^[1-9]\\d{0,9}$',
    maxLength: 10,
    description: 'ID Bitrix24 do usuário responsável (texto ou número). O exemplo é o usuário 1, que todo portal (e o emulador) tem.',
  })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value))
  @Optional()
  @IsString({ message: 'resp_id: deve ser o ID numérico de um usuário do Bitrix24' })
  @Matches(/^[1-9]\d{0,9}$/, { message: 'resp_id: deve ser o ID numérico de um usuário do Bitrix24' })
  @Validate(BoundedIdText)
  resp_id?: string;

  @TextField({ optional: true, maxLength: 100, example: 'TI' })
  assignee_department?: string;

  @ApiPropertyOptional({ example: 'maria.santos@carvalima.com', format: 'email', maxLength: 255 })
  @Transform(trimmed)
  @Optional()
  @IsEmail({}, { message: 'email: e-mail inválido' })
  @MaxLength(255, { message: 'email: no máximo 255 caracteres' })
  email?: string;

  @TextField({ optional: true, maxLength: 100, example: 'Filial São Paulo' })
  filial?: string;

  @TextField({ optional: true, maxLength: 30, example: '+55 11 91234-5678' })
  phone?: string;

  @ApiProperty({ enum: TICKET_PRIORITIES, example: 'Alto', description: 'Define o prazo (SLA): Crítico +1 h, Alto +4 h, Médio +24 h, Baixo +72 h' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? (normalizePriority(value) ?? value) : value))
  @IsIn(TICKET_PRIORITIES, { message: 'priority: prioridade desconhecida (use Crítico, Alto, Médio ou Baixo)' })
  priority!: TicketPriority;

  @TextField({ optional: true, maxLength: 20, example: '87654321', description: 'Matrícula do solicitante (padrão: a do usuário logado)' })
  matricula?: string;

  @TextField({ optional: true, maxLength: 100, example: 'Financeiro' })
  requester_department?: string;

  @TextField({ maxLength: 50, example: 'Sistema Financeiro', description: 'Categoria de serviço; "Acessos e Permissões" usa o `cpf` do formulário (seed §8.3)' })
  service_category!: string;

  @TextField({ optional: true, maxLength: 50, example: 'ERP' })
  system_type?: string;

  @TextField({ optional: true, maxLength: 20, example: '529.982.247-25', description: 'Usado só na categoria "Acessos e Permissões" (seed §8.3)' })
  cpf?: string;

  @AttachmentsField()
  attachments?: TicketAttachmentDto[];
}
