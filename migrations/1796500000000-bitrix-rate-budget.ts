import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The portal's request budget shared by every instance (src/bitrix/bitrix-shared-budget.ts): one row per
 * portal holding the GCRA "theoretical arrival time" of its leaky bucket.
 */
export class BitrixRateBudget1796500000000 implements MigrationInterface {
  name = 'BitrixRateBudget1796500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE bitrix_rate_budget (
      portal varchar(255) PRIMARY KEY,
      tat timestamptz NOT NULL DEFAULT clock_timestamp()
    )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE bitrix_rate_budget');
  }
}
