import { Injectable } from '@nestjs/common';
import { RuleViolationError } from '../common/domain-error';
import { DeadLetterDto, DeadLetterListDto, ReplayedDeliveriesDto } from './dto/notification-channel.dto';
import { NotificationDestinationsRepository } from './notification-destinations.repository';
import { DeliveryRow, NotificationOutboxRepository } from './notification-outbox.repository';
import { DELIVERY_QUEUE, NotificationQueue } from './notification-queue.service';
import { NotificationWorkers } from './notification-workers.service';

/** Most dead letters one "replay all" revives (call again for more). */
const REPLAY_ALL_MAX = 1000;

/** Admin view of deliveries given up on, and their replay (a full budget of attempts, a new job, one commit). */
@Injectable()
export class DeadLettersService {
  constructor(
    private readonly outbox: NotificationOutboxRepository,
    private readonly destinations: NotificationDestinationsRepository,
    private readonly queue: NotificationQueue,
    private readonly workers: NotificationWorkers,
  ) {}

  async list(limit = 50, offset = 0): Promise<DeadLetterListDto> {
    const { total, items } = await this.outbox.listDead(limit, offset);
    return { total, items: items.map(toDto) };
  }

  async replay(id: number): Promise<ReplayedDeliveriesDto> {
    const replayed = await this.revive([String(id)]);
    if (!replayed) throw new RuleViolationError('NOT_FOUND', 'id', `entrega ${id} não encontrada entre as que falharam`);
    return { replayed };
  }

  async replayAll(): Promise<ReplayedDeliveriesDto> {
    return { replayed: await this.revive('all') };
  }

  private async revive(ids: string[] | 'all'): Promise<number> {
    const revived = await this.destinations.transaction(async (manager) => {
      const found = await this.outbox.revive(manager, ids, REPLAY_ALL_MAX);
      await this.queue.insertInTransaction(
        manager,
        found.map((deliveryId) => ({ name: DELIVERY_QUEUE, data: { deliveryId } })),
      );
      return found.length;
    });
    if (revived) this.workers.wake(DELIVERY_QUEUE);
    return revived;
  }
}

function toDto(row: DeliveryRow): DeadLetterDto {
  return {
    id: Number(row.id),
    event: row.notice.event,
    deal_id: row.notice.ticket.number,
    channel: row.channel,
    target: row.target,
    attempts: row.attempts,
    error: row.lastError,
    created_at: row.createdAt,
    failed_at: row.updatedAt,
  };
}
