import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class FailedWebhookEventsQueryDto {
  @ApiProperty({ required: false, default: 50, minimum: 1, maximum: 500 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiProperty({ required: false, default: 0, minimum: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;
}

export class FailedWebhookEventDto {
  @ApiProperty({ description: 'ID of the failed job (use it to replay)', format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'ONCRMDEALUPDATE' })
  event!: string;

  @ApiProperty({ enum: ['deal', 'activity', 'comment'] })
  kind!: string;

  @ApiProperty({ description: 'Bitrix ID of the deal, activity or timeline comment', example: 1001 })
  bitrix_id!: number;

  @ApiProperty({ description: 'When the webhook was acknowledged', type: String, format: 'date-time' })
  received_at!: string;

  @ApiProperty({ description: 'When the last retry failed', type: String, format: 'date-time', nullable: true })
  failed_at!: string | null;

  @ApiProperty({ description: 'Processing attempts made' })
  attempts!: number;

  @ApiProperty({ description: 'Last error message', nullable: true })
  error!: string | null;
}

export class FailedWebhookEventListDto {
  @ApiProperty()
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
  @ApiProperty({ description: 'How many failed events were queued again' })
  replayed!: number;
}
