import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { AttachmentsField, BitrixDealIdField, TicketAttachmentDto } from './ticket-attachment.dto';

/** `TicketCloseRequest` (seed §4.2). */
export class TicketCloseDto {
  @BitrixDealIdField()
  deal_id!: number;

  @ApiPropertyOptional({ example: 5, minimum: 1, maximum: 5 })
  @IsOptional()
  @IsInt({ message: 'rating: deve ser um inteiro de 1 a 5' })
  @Min(1, { message: 'rating: deve ser um inteiro de 1 a 5' })
  @Max(5, { message: 'rating: deve ser um inteiro de 1 a 5' })
  rating?: number;

  @ApiPropertyOptional({ example: 'Problema resolvido rapidamente. Excelente atendimento!' })
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  comment?: string;
}

/** `TicketAddCommentRequest` (seed §4.2). */
export class TicketCommentDto {
  @BitrixDealIdField()
  deal_id!: number;

  @ApiProperty({ example: 'Aplicamos o patch 1.2.5 que corrige o problema.' })
  @IsString()
  @IsNotEmpty({ message: 'message: o comentário não pode ser vazio' })
  @MaxLength(20000)
  message!: string;

  @AttachmentsField()
  attachments?: TicketAttachmentDto[];
}

/** `TicketSendEmail` (seed §4.2), plus optional attachments. */
export class TicketSendEmailDto {
  @BitrixDealIdField()
  deal_id!: number;

  @ApiPropertyOptional({ example: 'suporte@carvalima.com', description: 'Vai no Reply-To; o remetente SMTP é MAIL_FROM' })
  @IsOptional()
  @IsEmail({}, { message: 'from_email: e-mail inválido' })
  from_email?: string;

  @ApiProperty({ example: 'maria.santos@carvalima.com' })
  @IsEmail({}, { message: 'to_email: e-mail inválido' })
  to_email!: string;

  @ApiProperty({ example: 'Atualização sobre seu chamado #837' })
  @IsString()
  @IsNotEmpty({ message: 'subject: assunto obrigatório' })
  @MaxLength(255)
  subject!: string;

  @ApiProperty({ example: 'Informamos que o sistema já foi corrigido...' })
  @IsString()
  @IsNotEmpty({ message: 'message: mensagem obrigatória' })
  @MaxLength(100000)
  message!: string;

  @AttachmentsField()
  attachments?: TicketAttachmentDto[];
}

export class StatusResponseDto {
  @ApiProperty({ example: 'success' })
  status!: 'success';
}
