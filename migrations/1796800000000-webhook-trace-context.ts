import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The W3C trace context (`traceparent`) of the request that acknowledged an inbox event, so the worker that
 * processes it, on any instance, continues that trace (src/webhook/webhook-processor.service.ts). Null when
 * tracing is off.
 */
export class WebhookTraceContext1796800000000 implements MigrationInterface {
  name = 'WebhookTraceContext1796800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE webhook_inbox ADD COLUMN traceparent varchar(55)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE webhook_inbox DROP COLUMN traceparent');
  }
}
