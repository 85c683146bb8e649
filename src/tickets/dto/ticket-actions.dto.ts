import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, MaxLength } from 'class-validator';
import { IntegerField, Optional, TextField } from '../../common/validation/field.decorators';
import { AttachmentsField, BitrixDealIdField, TicketAttachmentDto } from './ticket-attachment.dto';

const trimmed = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

/** `TicketCloseRequest` (seed §4.2). */
export class TicketCloseDto {
  @BitrixDealIdField()
  deal_id!: number;

  @IntegerField({ optional: true, min: 1, max: 5, example: 5, description: 'Avaliação do atendimento, de 1 a 5' })
  rating?: number;

  @TextField({ optional: true, maxLength: 5000, example: 'Problema resolvido rapidamente. Excelente atendimento!' })
  comment?: string;
}

/** `TicketAddCommentRequest` (seed §4.2). */
export class TicketCommentDto {
  @BitrixDealIdField()
  deal_id!: number;

  @TextField({ maxLength: 20000, example: 'Aplicamos o patch 1.2.5 que corrige o problema.' })
  message!: string;

  @AttachmentsField()
  attachments?: TicketAttachmentDto[];
}

/** `TicketSendEmail` (seed §4.2), plus optional attachments. */
export class TicketSendEmailDto {
  @BitrixDealIdField()
  deal_id!: number;

  @ApiPropertyOptional({ example: 'suporte@carvalima.com', maxLength: 255, format: 'email', description: 'Vai no Reply-To; o remetente SMTP é MAIL_FROM' })
  @Transform(trimmed)
  @Optional()
  @IsEmail({}, { message: 'from_email: e-mail inválido' })
  @MaxLength(255, { message: 'from_email: no máximo 255 caracteres' })
  from_email?: string;

  @ApiProperty({ example: 'maria.santos@carvalima.com', maxLength: 255, format: 'email' })
  @Transform(trimmed)
  @IsEmail({}, { message: 'to_email: e-mail inválido' })
  @MaxLength(255, { message: 'to_email: no máximo 255 caracteres' })
  to_email!: string;

  @TextField({ maxLength: 255, example: 'Atualização sobre seu chamado' })
  subject!: string;

  @TextField({ maxLength: 100000, example: 'Informamos que o sistema já foi corrigido. Pode testar novamente?' })
  message!: string;

  @AttachmentsField()
  attachments?: TicketAttachmentDto[];
}

export class StatusResponseDto {
  @ApiProperty({ example: 'success', enum: ['success'] })
  status!: 'success';
}
