import { ApiProperty } from '@nestjs/swagger';
import { INT32_MAX } from '../../common/validation/bounded-integer';
import { IntegerField } from '../../common/validation/field.decorators';

export class FailedWebhookEventsQueryDto {
  @IntegerField({ in: 'query', optional: true, default: 50, min: 1, max: 500, description: 'Tamanho da página' })
  limit?: number;

  @IntegerField({ in: 'query', optional: true, default: 0, min: 0, max: INT32_MAX, description: 'Quantos eventos pular' })
  offset?: number;
}

export class FailedWebhookEventDto {
  @ApiProperty({ description: 'ID of the failed job (use it to replay)', format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'ONCRMDEALUPDATE' })
  event!: string;

  @ApiProperty({ enum: ['deal', 'activity', 'comment'] })
  kind!: string;

  @ApiProperty({ description: 'Bitrix ID of the deal, activity or timeline comment', example: 1001, type: 'integer', format: 'int32' })
  bitrix_id!: number;

  @ApiProperty({ description: 'When the webhook was acknowledged', type: String, format: 'date-time' })
  received_at!: string;

  @ApiProperty({ description: 'When the last retry failed', type: String, format: 'date-time', nullable: true })
  failed_at!: string | null;

  @ApiProperty({ description: 'Processing attempts made', type: 'integer', format: 'int32' })
  attempts!: number;

  @ApiProperty({ description: 'Last error message', nullable: true, type: String })
  error!: string | null;
}

export class FailedWebhookEventListDto {
  @ApiProperty({ type: 'integer', format: 'int32', description: 'Failed events in all' })
  total!: number;

  @ApiProperty({ type: [FailedWebhookEventDto] })
  items!: FailedWebhookEventDto[];
}

export class ReplayedWebhookEventDto {
  @ApiProperty({ description: 'The failed job that was replayed', format: 'uuid' })
  replay_of!: string;

  @ApiProperty({ description: 'The new queued job', format: 'uuid' })
  id!: string;
}

export class ReplayAllResultDto {
  @ApiProperty({ description: 'How many failed events were queued again', type: 'integer', format: 'int32' })
  replayed!: number;
}
