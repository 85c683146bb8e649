import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * OpenID Connect sign-in (src/auth/oidc/): a user's identity at the provider (issuer + subject, unique), and on a
 * session started by OIDC the provider's refresh token (AES-256-GCM ciphertext) and when the provider last vouched
 * for the account, so refresh re-checks it past OIDC_RECHECK_SECONDS.
 */
export class OidcSignIn1796650000000 implements MigrationInterface {
  name = 'OidcSignIn1796650000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE users ADD COLUMN oidc_issuer varchar(255), ADD COLUMN oidc_subject varchar(255)');
    await queryRunner.query(
      'CREATE UNIQUE INDEX users_oidc_identity ON users (oidc_issuer, oidc_subject) WHERE oidc_subject IS NOT NULL',
    );
    await queryRunner.query(
      'ALTER TABLE auth_sessions ADD COLUMN oidc_checked_at timestamptz, ADD COLUMN oidc_refresh_token text',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE auth_sessions DROP COLUMN oidc_refresh_token, DROP COLUMN oidc_checked_at');
    await queryRunner.query('DROP INDEX users_oidc_identity');
    await queryRunner.query('ALTER TABLE users DROP COLUMN oidc_subject, DROP COLUMN oidc_issuer');
  }
}
