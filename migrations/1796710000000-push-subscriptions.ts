import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Web Push subscriptions (src/notifications/push/): one row per browser, unique by endpoint (a browser is one
 * person at a time), gone with its user.
 */
export class PushSubscriptions1796710000000 implements MigrationInterface {
  name = 'PushSubscriptions1796710000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE push_subscriptions (
      id serial PRIMARY KEY,
      user_id int NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      endpoint text NOT NULL,
      p256dh varchar(100) NOT NULL,
      auth varchar(32) NOT NULL,
      expiration_time timestamptz,
      user_agent varchar(255),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT push_subscriptions_endpoint_key UNIQUE (endpoint)
    )`);
    await queryRunner.query('CREATE INDEX push_subscriptions_user_id_idx ON push_subscriptions (user_id, updated_at)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE push_subscriptions');
  }
}
