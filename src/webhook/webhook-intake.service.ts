import type { Span } from '@opentelemetry/api';
import { BadRequestException, Injectable, Logger, ServiceUnavailableException, UnauthorizedException } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { activeTraceparent, inSpan, objectAttributes, SPAN_ATTRIBUTES } from '../common/spans';
import { AppConfig } from '../config/app-config';
import { ParsedWebhook, parseWebhookBody } from './webhook-event';
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

  /**
   * One `webhook.intake` span (child of the request's server span): event name, object kind and Bitrix ID. Its
   * W3C `traceparent` is stored with the event, so the worker that processes it, on any instance, joins this trace.
   */
  accept(body: unknown): Promise<IntakeOutcome> {
    return inSpan('webhook.intake', {}, (span) => this.acceptParsed(parseWebhookBody(body), span));
  }

  private async acceptParsed(parsed: ParsedWebhook, span: Span): Promise<IntakeOutcome> {
    if (!parsed.applicationToken || !timingSafeEqual(digest(parsed.applicationToken), this.expectedTokenDigest)) {
      throw new UnauthorizedException('Token de aplicação do webhook inválido');
    }
    if (!parsed.event) throw new BadRequestException('Campo "event" ausente ou inválido');
    span.setAttribute(SPAN_ATTRIBUTES.webhookEvent, parsed.event);
    if (!parsed.kind) {
      this.logger.log(`Bitrix24 event ${parsed.event} is not handled; ignored`);
      span.setAttribute(SPAN_ATTRIBUTES.webhookOutcome, 'ignored');
      return { status: 'ignored', event: parsed.event };
    }
    if (parsed.bitrixId === null) throw new BadRequestException(`ID do objeto ausente ou inválido no evento ${parsed.event}`);
    span.setAttributes(objectAttributes(parsed.kind, parsed.bitrixId));
    try {
      await this.queue.acceptIntoInbox({ event: parsed.event, kind: parsed.kind, bitrixId: parsed.bitrixId, ts: parsed.ts, traceparent: activeTraceparent() });
    } catch {
      // Not acknowledged, so Bitrix may deliver it again; nothing was stored (the queue logs the cause once per batch).
      throw new ServiceUnavailableException('Não foi possível registrar o evento agora; tente novamente');
    }
    span.setAttribute(SPAN_ATTRIBUTES.webhookOutcome, 'queued');
    this.processor.wake();
    return { status: 'queued' };
  }
}

/** Fixed-length digests, so the constant-time compare never leaks the token's length either. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
