import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsObject, IsString, MaxLength, ValidateIf, ValidateNested } from 'class-validator';
import { Optional } from '../../common/validation/field.decorators';

function Toggle(channel: string): PropertyDecorator {
  return (target: object, property: string | symbol) => {
    ApiPropertyOptional({ type: Boolean, description: `Receber por ${channel}` })(target, property);
    ValidateIf((_object: object, value: unknown) => value !== undefined)(target, property);
    IsBoolean({ message: `${String(property)}: deve ser true ou false` })(target, property);
  };
}

/** Per channel: whether the person receives an event there (absent in a PUT: unchanged). */
export class ChannelTogglesDto {
  @Toggle('notificação no navegador (push)') push?: boolean;
  @Toggle('Teams pessoal') teams?: boolean;
  @Toggle('Slack pessoal') slack?: boolean;
}

function EventToggles(description: string): PropertyDecorator {
  return (target: object, property: string | symbol) => {
    ApiPropertyOptional({ type: ChannelTogglesDto, description })(target, property);
    Optional()(target, property);
    IsObject({ message: `${String(property)}: deve ser um objeto { push, teams, slack }` })(target, property);
    ValidateNested()(target, property);
    Type(() => ChannelTogglesDto)(target, property);
  };
}

export class EventPreferencesDto {
  @EventToggles('Novo chamado do seu departamento') ticket_created?: ChannelTogglesDto;
  @EventToggles('Chamado Crítico/Alto aberto no seu departamento') ticket_urgent?: ChannelTogglesDto;
  @EventToggles('Comentário ou e-mail em chamado seu (não os que você escreve)') ticket_commented?: ChannelTogglesDto;
  @EventToggles('Seu chamado foi encerrado') ticket_closed?: ChannelTogglesDto;
  @EventToggles('Prazo de chamado sob sua responsabilidade perto de vencer') sla_warning?: ChannelTogglesDto;
  @EventToggles('Prazo de chamado sob sua responsabilidade vencido') sla_breached?: ChannelTogglesDto;
}

function PersonalWebhookUrl(kind: string, example: string): PropertyDecorator {
  return (target: object, property: string | symbol) => {
    ApiPropertyOptional({
      type: String,
      nullable: true,
      maxLength: 2000,
      example,
      description: `URL do seu webhook pessoal do ${kind} (https); \`null\` remove. Guardada cifrada e nunca devolvida inteira.`,
    })(target, property);
    ValidateIf((_object: object, value: unknown) => value !== undefined && value !== null)(target, property);
    IsString({ message: `${String(property)}: deve ser um texto ou null` })(target, property);
    MaxLength(2000, { message: `${String(property)}: no máximo 2000 caracteres` })(target, property);
  };
}

export class NotificationPreferencesUpdateDto {
  @ApiPropertyOptional({ type: EventPreferencesDto, description: 'Só os eventos e canais enviados mudam' })
  @Optional()
  @IsObject({ message: 'events: deve ser um objeto' })
  @ValidateNested()
  @Type(() => EventPreferencesDto)
  events?: EventPreferencesDto;

  @PersonalWebhookUrl('Teams (fluxo "Post to a chat when a webhook request is received")', 'https://prod-00.westus.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?sig=...')
  teams_url?: string | null;

  @PersonalWebhookUrl('Slack (incoming webhook para uma conversa sua)', 'https://hooks.slack.com/services/T000/B000/XXXX')
  slack_url?: string | null;
}

export class ChannelTogglesOutDto {
  @ApiProperty({ type: Boolean }) push!: boolean;
  @ApiProperty({ type: Boolean }) teams!: boolean;
  @ApiProperty({ type: Boolean }) slack!: boolean;
}

export class EventPreferencesOutDto {
  @ApiProperty({ type: ChannelTogglesOutDto }) ticket_created!: ChannelTogglesOutDto;
  @ApiProperty({ type: ChannelTogglesOutDto }) ticket_urgent!: ChannelTogglesOutDto;
  @ApiProperty({ type: ChannelTogglesOutDto }) ticket_commented!: ChannelTogglesOutDto;
  @ApiProperty({ type: ChannelTogglesOutDto }) ticket_closed!: ChannelTogglesOutDto;
  @ApiProperty({ type: ChannelTogglesOutDto }) sla_warning!: ChannelTogglesOutDto;
  @ApiProperty({ type: ChannelTogglesOutDto }) sla_breached!: ChannelTogglesOutDto;
}

/** A person's notification settings; webhook URLs masked (host and last 4 characters). */
export class NotificationPreferencesDto {
  @ApiProperty({ type: EventPreferencesOutDto }) events!: EventPreferencesOutDto;
  @ApiProperty({ type: String, nullable: true, example: 'https://prod-00.westus.logic.azure.com/…Xy9Q' }) teams_url_hint!: string | null;
  @ApiProperty({ type: String, nullable: true, example: null }) slack_url_hint!: string | null;
}
