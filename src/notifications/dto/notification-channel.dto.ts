import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsIn, ValidateIf } from 'class-validator';
import { Optional, TextField } from '../../common/validation/field.decorators';
import { INT32_MAX } from '../../common/validation/bounded-integer';
import { IntegerField } from '../../common/validation/field.decorators';
import { NOTIFICATION_EVENTS, NotificationEvent } from '../notification-contract';
import { WEBHOOK_KINDS, WebhookKind } from '../notification-destinations.repository';

/** What a new department channel receives unless told otherwise (`ticket_urgent` reaches it whatever it selects). */
export const DEFAULT_CHANNEL_EVENTS: NotificationEvent[] = ['ticket_created', 'ticket_urgent', 'sla_warning', 'sla_breached'];

const EVENTS_DESCRIPTION =
  'Eventos enviados ao canal (padrão: ticket_created, ticket_urgent, sla_warning, sla_breached). Chamados Crítico/Alto (`ticket_urgent`) chegam sempre.';

export class NotificationChannelCreateDto {
  @TextField({ maxLength: 100, example: 'TI', description: 'Departamento responsável cujos chamados o canal recebe (`*`: todos)' })
  department!: string;

  @ApiProperty({ enum: WEBHOOK_KINDS, example: 'teams', description: '`teams`: URL de um fluxo do Workflows; `slack`: URL de um incoming webhook' })
  @IsIn(WEBHOOK_KINDS, { message: `kind deve ser um de: ${WEBHOOK_KINDS.join(', ')}` })
  kind!: WebhookKind;

  @TextField({
    maxLength: 2000,
    example: 'https://prod-00.westus.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=...',
    description: 'URL do webhook (https; http só para 127.0.0.1/localhost). Guardada cifrada e nunca devolvida inteira.',
  })
  url!: string;

  @ApiPropertyOptional({ enum: NOTIFICATION_EVENTS, isArray: true, maxItems: NOTIFICATION_EVENTS.length, description: EVENTS_DESCRIPTION })
  @Optional()
  @IsArray({ message: 'events: deve ser uma lista' })
  @ArrayMaxSize(NOTIFICATION_EVENTS.length, { message: `events: no máximo ${NOTIFICATION_EVENTS.length} eventos` })
  @ArrayUnique({ message: 'events: eventos repetidos' })
  @IsIn(NOTIFICATION_EVENTS, { each: true, message: `events: cada evento deve ser um de: ${NOTIFICATION_EVENTS.join(', ')}` })
  events?: NotificationEvent[];

  @ApiPropertyOptional({ type: Boolean, default: true })
  @ValidateIf((_object: object, value: unknown) => value !== undefined)
  @IsBoolean({ message: 'enabled: deve ser true ou false' })
  enabled?: boolean;
}

export class NotificationChannelUpdateDto {
  @TextField({ maxLength: 100, optional: true, example: 'TI', description: 'Departamento responsável (`*`: todos)' })
  department?: string;

  @ApiPropertyOptional({ enum: WEBHOOK_KINDS, example: 'slack' })
  @Optional()
  @IsIn(WEBHOOK_KINDS, { message: `kind deve ser um de: ${WEBHOOK_KINDS.join(', ')}` })
  kind?: WebhookKind;

  @TextField({ maxLength: 2000, optional: true, example: 'https://hooks.slack.com/services/T000/B000/XXXX', description: 'Nova URL do webhook' })
  url?: string;

  @ApiPropertyOptional({ enum: NOTIFICATION_EVENTS, isArray: true, maxItems: NOTIFICATION_EVENTS.length, description: EVENTS_DESCRIPTION })
  @Optional()
  @IsArray({ message: 'events: deve ser uma lista' })
  @ArrayMaxSize(NOTIFICATION_EVENTS.length, { message: `events: no máximo ${NOTIFICATION_EVENTS.length} eventos` })
  @ArrayUnique({ message: 'events: eventos repetidos' })
  @IsIn(NOTIFICATION_EVENTS, { each: true, message: `events: cada evento deve ser um de: ${NOTIFICATION_EVENTS.join(', ')}` })
  events?: NotificationEvent[];

  @ApiPropertyOptional({ type: Boolean })
  @ValidateIf((_object: object, value: unknown) => value !== undefined)
  @IsBoolean({ message: 'enabled: deve ser true ou false' })
  enabled?: boolean;
}

/** A department channel as admins see it: the URL masked (host and last 4 characters). */
export class NotificationChannelDto {
  @ApiProperty({ type: 'integer', format: 'int32', example: 1 }) id!: number;
  @ApiProperty({ example: 'TI' }) department!: string;
  @ApiProperty({ enum: WEBHOOK_KINDS, example: 'teams' }) kind!: WebhookKind;
  @ApiProperty({ example: 'https://prod-00.westus.logic.azure.com/…Xy9Q', description: 'Host e últimos 4 caracteres da URL' }) url_hint!: string;
  @ApiProperty({ enum: NOTIFICATION_EVENTS, isArray: true }) events!: NotificationEvent[];
  @ApiProperty({ type: Boolean }) enabled!: boolean;
  @ApiProperty({ type: String, format: 'date-time' }) created_at!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) updated_at!: Date;
}

export class DeadLettersQueryDto {
  @IntegerField({ in: 'query', optional: true, default: 50, min: 1, max: 500, description: 'Tamanho da página' })
  limit?: number;

  @IntegerField({ in: 'query', optional: true, default: 0, min: 0, max: INT32_MAX, description: 'Quantas entregas pular' })
  offset?: number;
}

/** A delivery that exhausted its attempts or was refused: what, where (never the URL), why. */
export class DeadLetterDto {
  @ApiProperty({ type: 'integer', format: 'int64', example: 12 }) id!: number;
  @ApiProperty({ enum: NOTIFICATION_EVENTS, example: 'ticket_created' }) event!: NotificationEvent;
  @ApiProperty({ type: 'integer', format: 'int32', example: 1001, description: 'ID Bitrix do chamado' }) deal_id!: number;
  @ApiProperty({ enum: ['teams', 'slack', 'push'], example: 'teams' }) channel!: string;
  @ApiProperty({ example: 'dept:1', description: '`dept:<id do canal>`, `user:<id do usuário>` ou `sub:<id da inscrição push>`' }) target!: string;
  @ApiProperty({ type: 'integer', format: 'int32', example: 8 }) attempts!: number;
  @ApiProperty({ type: String, nullable: true, example: 'HTTP 503 (após 8 tentativas)' }) error!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) created_at!: Date;
  @ApiProperty({ type: String, format: 'date-time', description: 'Última tentativa' }) failed_at!: Date;
}

export class DeadLetterListDto {
  @ApiProperty({ type: 'integer', format: 'int32', example: 1 }) total!: number;
  @ApiProperty({ type: [DeadLetterDto] }) @Type(() => DeadLetterDto) items!: DeadLetterDto[];
}

export class ReplayedDeliveriesDto {
  @ApiProperty({ type: 'integer', format: 'int32', example: 1, description: 'Entregas enfileiradas de novo' }) replayed!: number;
}
