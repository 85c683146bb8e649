import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Inbox of acknowledged Bitrix24 webhook events: the intake's one cheap INSERT before answering OK.
 * A relay moves rows into the pg-boss queue in the same transaction that deletes them, so a row is
 * always either here or a job (src/webhook/webhook-inbox.relay.ts).
 */
export class WebhookInbox1796300000000 implements MigrationInterface {
  name = 'WebhookInbox1796300000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "webhook_inbox" ("id" bigserial NOT NULL, "event" varchar(100) NOT NULL, "kind" varchar(16) NOT NULL, "bitrix_id" bigint NOT NULL, "ts" bigint, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT clock_timestamp(), CONSTRAINT "PK_webhook_inbox" PRIMARY KEY ("id"))`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "webhook_inbox"`);
  }
}
