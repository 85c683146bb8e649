import { MigrationInterface, QueryRunner } from 'typeorm';
import { SLA_HOURS } from '../src/bitrix/ticket-sla';

/**
 * Ticket times from the system of record (issue 15). `created_at` now holds Bitrix's DATE_CREATE; the moment
 * this service stored the row moves to the new `mirrored_at`. Repairs what can be repaired without Bitrix:
 * - `mirrored_at` = the old `created_at` (it was the insertion time);
 * - `responsible_id` by the rule every path now shares: the local user with the responsible's Bitrix user
 *   ID, else the one with the responsible's e-mail (a webhook re-read had set it to null for some);
 * - a deadline for every ticket with a known priority (the SLA rule from its opening time).
 * Opening times of deals imported by `npm run sync` before this change are healed by one
 * `npm run sync -- --since <oldest ticket>`, which now rewrites created_at (and that deadline) from Bitrix.
 */
export class TicketTimesFromBitrix1796400000000 implements MigrationInterface {
  name = 'TicketTimesFromBitrix1796400000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "deals" ADD "mirrored_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()`);
    await queryRunner.query(`UPDATE "deals" SET "mirrored_at" = "created_at"`);
    await queryRunner.query(`
      UPDATE "deals" d SET "responsible_id" = COALESCE(
        (SELECT min(u.id) FROM "users" u WHERE d.responsible_bitrix_id ~ '^[0-9]{1,9}$' AND u.bitrix_user_id = d.responsible_bitrix_id::int),
        (SELECT min(u.id) FROM "users" u WHERE lower(u.email) = lower(trim(d.responsible_email))),
        d.responsible_id)
      WHERE d.responsible_bitrix_id IS NOT NULL OR d.responsible_email IS NOT NULL`);
    const slaCase = Object.entries(SLA_HOURS)
      .map(([priority, hours]) => `WHEN '${priority.replace(/'/g, "''")}' THEN interval '${hours} hours'`)
      .join(' ');
    await queryRunner.query(`UPDATE "deals" SET "date_deadline" = "created_at" + (CASE "priority" ${slaCase} END) WHERE "date_deadline" IS NULL AND "priority" IN (${Object.keys(SLA_HOURS).map((p) => `'${p}'`).join(', ')})`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "deals" DROP COLUMN "mirrored_at"`);
  }
}
