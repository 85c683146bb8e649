import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Notifications (issue #19): department channels (Teams/Slack webhook URLs, sealed), people's preferences and
 * personal webhook URLs, and the durable outbox: `notification_events` (one row per thing that happened, written
 * in the transaction of the mirror change that caused it, unique by event + ticket + occurrence) and
 * `notification_deliveries` (one row per destination, unique by event key + channel + target).
 */
export class Notifications1796700000000 implements MigrationInterface {
  name = 'Notifications1796700000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "notification_channels" (
        "id" serial NOT NULL,
        "department" varchar(100) NOT NULL,
        "kind" varchar(8) NOT NULL,
        "url_sealed" text NOT NULL,
        "url_hint" varchar(300) NOT NULL,
        "events" text[] NOT NULL,
        "enabled" boolean NOT NULL DEFAULT true,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_notification_channels" PRIMARY KEY ("id"),
        CONSTRAINT "CHK_notification_channels_kind" CHECK ("kind" IN ('teams', 'slack')))`);
    await queryRunner.query(`CREATE INDEX "notification_channels_department_idx" ON "notification_channels" (lower("department"))`);
    await queryRunner.query(`
      CREATE TABLE "notification_preferences" (
        "user_id" integer NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
        "event" varchar(32) NOT NULL,
        "channel" varchar(8) NOT NULL,
        "enabled" boolean NOT NULL,
        CONSTRAINT "PK_notification_preferences" PRIMARY KEY ("user_id", "event", "channel"))`);
    await queryRunner.query(`
      CREATE TABLE "notification_personal_webhooks" (
        "user_id" integer NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
        "kind" varchar(8) NOT NULL,
        "url_sealed" text NOT NULL,
        "url_hint" varchar(300) NOT NULL,
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_notification_personal_webhooks" PRIMARY KEY ("user_id", "kind"),
        CONSTRAINT "CHK_notification_personal_webhooks_kind" CHECK ("kind" IN ('teams', 'slack')))`);
    await queryRunner.query(`
      CREATE TABLE "notification_events" (
        "id" bigserial NOT NULL,
        "dedup_key" varchar(200) NOT NULL,
        "event" varchar(32) NOT NULL,
        "bitrix_deal_id" integer NOT NULL,
        "occurrence" varchar(100) NOT NULL,
        "actor_user_id" integer,
        "comment" jsonb,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "fanned_out_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_notification_events" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_notification_events_dedup_key" UNIQUE ("dedup_key"))`);
    await queryRunner.query(`CREATE INDEX "notification_events_deal_idx" ON "notification_events" ("bitrix_deal_id", "event")`);
    await queryRunner.query(`
      CREATE TABLE "notification_deliveries" (
        "id" bigserial NOT NULL,
        "event_id" bigint NOT NULL REFERENCES "notification_events" ("id") ON DELETE CASCADE,
        "dedup_key" varchar(300) NOT NULL,
        "channel" varchar(8) NOT NULL,
        "target" varchar(64) NOT NULL,
        "recipient_user_id" integer,
        "notice" jsonb NOT NULL,
        "state" varchar(10) NOT NULL DEFAULT 'pending',
        "attempts" integer NOT NULL DEFAULT 0,
        "last_error" varchar(500),
        "next_attempt_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "sent_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_notification_deliveries" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_notification_deliveries_dedup_key" UNIQUE ("dedup_key"),
        CONSTRAINT "CHK_notification_deliveries_state" CHECK ("state" IN ('pending', 'sent', 'dead', 'gone', 'cancelled')))`);
    await queryRunner.query(`CREATE INDEX "notification_deliveries_open_idx" ON "notification_deliveries" ("state", "id") WHERE "state" IN ('pending', 'dead')`);
    // The SLA watch's scan (src/notifications/sla-watch.service.ts): open tickets by deadline, same predicate.
    await queryRunner.query(`CREATE INDEX "deals_open_deadline_idx" ON "deals" ("date_deadline") WHERE "deleted_at" IS NULL AND coalesce("closed", 'N') <> 'Y'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "deals_open_deadline_idx"`);
    await queryRunner.query(`DROP TABLE "notification_deliveries"`);
    await queryRunner.query(`DROP TABLE "notification_events"`);
    await queryRunner.query(`DROP TABLE "notification_personal_webhooks"`);
    await queryRunner.query(`DROP TABLE "notification_preferences"`);
    await queryRunner.query(`DROP TABLE "notification_channels"`);
  }
}
