import { BadRequestException, Injectable, Logger, ServiceUnavailableException, UnauthorizedException } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { parseWebhookBody } from './webhook-event';
import { WebhookProcessor } from './webhook-processor.service';
import { WebhookQueueService } from './webhook-queue.service';

export type IntakeOutcome = { status: 'queued' } | { status: 'ignored'; event: string };

/**
 * `POST /webhook-bitrix24`: authenticate, validate, and write the event durably (the inbox, relayed
 * into pg-boss by the workers) before the controller answers OK. Nothing is stored for a rejected body.
 */
@Injectable()
export class WebhookIntakeService {
  private readonly logger = new Logger(WebhookIntakeService.name);
  private readonly expectedTokenDigest: Buffer;

  constructor(
    config: AppConfig,
    private readonly queue: WebhookQueueService,
    private readonly processor: WebhookProcessor,
  ) {
    this.expectedTokenDigest = digest(config.bitrix.appToken);
  }

  async accept(body: unknown): Promise<IntakeOutcome> {
    const parsed = parseWebhookBody(body);
    if (!parsed.applicationToken || !timingSafeEqual(digest(parsed.applicationToken), this.expectedTokenDigest)) {
      throw new UnauthorizedException('Token de aplicação do webhook inválido');
    }
    if (!parsed.event) throw new BadRequestException('Campo "event" ausente ou inválido');
    if (!parsed.kind) {
      this.logger.log(`Bitrix24 event ${parsed.event} is not handled; ignored`);
      return { status: 'ignored', event: parsed.event };
    }
    if (parsed.bitrixId === null) throw new BadRequestException(`ID do objeto ausente ou inválido no evento ${parsed.event}`);
    try {
      await this.queue.acceptIntoInbox({ event: parsed.event, kind: parsed.kind, bitrixId: parsed.bitrixId, ts: parsed.ts });
    } catch {
      // Not acknowledged, so Bitrix may deliver it again; nothing was stored (the queue logs the cause once per batch).
      throw new ServiceUnavailableException('Não foi possível registrar o evento agora; tente novamente');
    }
    this.processor.wake();
    return { status: 'queued' };
  }
}

/** Fixed-length digests, so the constant-time compare never leaks the token's length either. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
