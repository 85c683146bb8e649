import { Injectable, NotFoundException } from '@nestjs/common';
import { FailedWebhookEventDto, FailedWebhookEventListDto, ReplayAllResultDto, ReplayedWebhookEventDto } from './dto/failed-webhook-event.dto';
import { FailedJobRow, WebhookQueueService } from './webhook-queue.service';
import { WebhookProcessor } from './webhook-processor.service';

/** Admin view of events that exhausted their retries, and their replay. */
@Injectable()
export class WebhookFailuresService {
  constructor(
    private readonly queue: WebhookQueueService,
    private readonly processor: WebhookProcessor,
  ) {}

  async list(limit = 50, offset = 0): Promise<FailedWebhookEventListDto> {
    const { total, items } = await this.queue.listFailed(limit, offset);
    return { total, items: items.map(toDto) };
  }

  async replay(id: string): Promise<ReplayedWebhookEventDto> {
    const failed = await this.queue.findFailed(id);
    if (!failed) throw new NotFoundException('Evento com falha não encontrado');
    const newId = await this.queue.replay(failed);
    this.processor.wake();
    return { replay_of: id, id: newId };
  }

  async replayAll(): Promise<ReplayAllResultDto> {
    let replayed = 0;
    for (;;) {
      const { items } = await this.queue.listFailed(200, 0);
      if (!items.length) break;
      for (const failed of items) {
        await this.queue.replay(failed);
        replayed += 1;
      }
    }
    this.processor.wake();
    return { replayed };
  }
}

function toDto(row: FailedJobRow): FailedWebhookEventDto {
  return {
    id: row.id,
    event: row.data.event,
    kind: row.data.kind,
    bitrix_id: row.data.bitrixId,
    received_at: row.data.receivedAt,
    failed_at: row.completedOn ? row.completedOn.toISOString() : null,
    attempts: row.retryCount + 1,
    error: errorMessageOf(row.output),
  };
}

function errorMessageOf(output: unknown): string | null {
  if (!output || typeof output !== 'object') return null;
  const o = output as { message?: unknown; value?: { message?: unknown } };
  if (typeof o.message === 'string') return o.message;
  if (o.value && typeof o.value.message === 'string') return o.value.message;
  return JSON.stringify(output).slice(0, 2000);
}
