import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** A file of a ticket or activity; `file_url` is a presigned URL (2 h). */
export class TicketFileDto {
  @ApiProperty({ type: 'integer', format: 'int32', example: 1 })
  id!: number;

  @ApiProperty({ type: String, nullable: true, example: 'https://minio.../attachments/…/screenshot.png?X-Amz-Signature=…' })
  file_url!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'screenshot.png' })
  filename!: string | null;
}

/** One timeline entry of a ticket (seed §4.2 `activities[]`). */
export class TicketActivityDto {
  @ApiProperty({ type: 'integer', format: 'int32', example: 456, description: 'ID interno' })
  id!: number;

  @ApiProperty({ type: 'integer', format: 'int32', example: 9876, description: 'ID Bitrix da atividade (ou do comentário da timeline)' })
  activity_id!: number;

  @ApiProperty({ type: String, nullable: true, example: '2', description: '2 = comentário, 4 = e-mail' })
  type_id!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'outgoing' })
  direction!: string | null;

  @ApiProperty({ type: String, nullable: true })
  subject!: string | null;

  @ApiProperty({ type: String, nullable: true })
  description!: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  body_html!: string | null;

  @ApiProperty({ type: String, nullable: true })
  responsible_name!: string | null;

  @ApiProperty({ type: String, nullable: true })
  responsible_email!: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'URL assinada (168 h) da foto do autor' })
  responsible_profile_picture_url!: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  from_email!: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  to_email!: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  created_at_bitrix!: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  created_at!: string;

  @ApiProperty({ type: [TicketFileDto] })
  files!: TicketFileDto[];
}

/** `DealCardCreateSchema` (seed §4.2): the answer of `POST /ticket`. */
export class DealCardCreateDto {
  @ApiProperty({ type: 'integer', format: 'int32', example: 123, description: 'ID interno (PostgreSQL)' })
  id!: number;

  @ApiProperty({ type: 'integer', format: 'int32', example: 1001, description: 'ID Bitrix (o ID público do chamado)' })
  deal_id!: number;

  @ApiProperty({ type: String, nullable: true })
  title!: string | null;

  @ApiProperty({ type: String, nullable: true })
  description!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'C19:NEW' })
  stage_id!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'Y' })
  opened!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'N' })
  closed!: string | null;

  @ApiProperty({ type: String, nullable: true, example: '1' })
  created_by_id!: string | null;

  @ApiProperty({ type: String, nullable: true })
  requester_department!: string | null;

  @ApiProperty({ type: String, nullable: true })
  assignee_department!: string | null;

  @ApiProperty({ type: String, nullable: true })
  service_category!: string | null;

  @ApiProperty({ type: String, nullable: true })
  system_type!: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'Alto' })
  priority!: string | null;

  @ApiProperty({ type: String, nullable: true })
  matricula!: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: 'Prazo pelo SLA da prioridade' })
  date_deadline!: string | null;

  @ApiProperty({ type: [TicketFileDto], description: 'Anexos (URLs assinadas, 2 h)' })
  files!: TicketFileDto[];
}

/** `DealCardSchema` (seed §4.2): a ticket with its files and timeline. */
export class DealCardDto extends DealCardCreateDto {
  @ApiProperty({ type: String, nullable: true })
  modify_by_id!: string | null;

  @ApiProperty({ type: String, nullable: true })
  moved_by_id!: string | null;

  @ApiProperty({ type: String, nullable: true })
  last_activity_by_id!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: '2024-01-15 11:45:30',
    pattern: '^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$',
    description:
      'Formato do sistema original (`AAAA-MM-DD HH:mm:ss`, sem fuso): hora local do portal Bitrix24, no fuso `timeZone` do mapeamento ' +
      'de campos (padrão `America/Sao_Paulo`). Os demais horários são ISO 8601 em UTC (`Z`).',
  })
  last_communication_time!: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  close_date!: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  begin_date!: string | null;

  @ApiProperty({ type: String, format: 'date-time' })
  created_at!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  updated_at!: string;

  @ApiProperty({ type: String, nullable: true })
  responsible!: string | null;

  @ApiProperty({ type: String, nullable: true })
  responsible_email!: string | null;

  @ApiProperty({ type: String, nullable: true })
  responsible_profile_picture_url!: string | null;

  @ApiProperty({ type: String, nullable: true })
  requester_profile_picture_url!: string | null;

  @ApiProperty()
  is_unread!: boolean;

  @ApiPropertyOptional({ type: 'integer', format: 'int32', nullable: true, description: 'ID local do solicitante' })
  user_id!: number | null;

  @ApiPropertyOptional({ type: 'integer', format: 'int32', nullable: true, description: 'ID local do responsável' })
  responsible_id!: number | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  requester_email!: string | null;

  @ApiPropertyOptional({ type: 'integer', format: 'int32', nullable: true, minimum: 1, maximum: 5 })
  rating!: number | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  rating_comment!: string | null;

  @ApiProperty({ type: [TicketActivityDto] })
  activities!: TicketActivityDto[];
}
