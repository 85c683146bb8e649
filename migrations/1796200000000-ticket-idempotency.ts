import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Idempotency keys of ticket creation (SPEC §5: a retried `POST /ticket` with the same `Idempotency-Key`
 * returns the first result). One row per (user, scope, key); `response` holds the first 201 body.
 */
export class TicketIdempotency1796200000000 implements MigrationInterface {
  name = 'TicketIdempotency1796200000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "ticket_idempotency_keys" (
      "id" SERIAL NOT NULL,
      "user_id" integer NOT NULL,
      "scope" character varying(32) NOT NULL,
      "idempotency_key" character varying(255) NOT NULL,
      "request_hash" character varying(64) NOT NULL,
      "status" character varying(16) NOT NULL DEFAULT 'pending',
      "response" jsonb,
      "bitrix_deal_id" integer,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      "completed_at" TIMESTAMP WITH TIME ZONE,
      CONSTRAINT "uq_ticket_idempotency_user_scope_key" UNIQUE ("user_id", "scope", "idempotency_key"),
      CONSTRAINT "PK_ticket_idempotency_keys" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "IDX_ticket_idempotency_created_at" ON "ticket_idempotency_keys" ("created_at")`);
    await queryRunner.query(
      `ALTER TABLE "ticket_idempotency_keys" ADD CONSTRAINT "FK_ticket_idempotency_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "ticket_idempotency_keys"`);
  }
}
