import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Roles granted server-side (issue #17): `role_grants` is the one source of authorization, `role_grant_audit`
 * the trail of every grant and revoke. `users.is_admin` stays as a mirror of "has an admin grant", kept by a
 * trigger so existing readers agree; today's admins become admin grants, so nobody loses legitimate access.
 * A self-declared `users.department` grants nothing and is not migrated into a role.
 */
export class RoleGrants1796600000000 implements MigrationInterface {
  name = 'RoleGrants1796600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE role_grants (
      id serial PRIMARY KEY,
      user_id int NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      role varchar(16) NOT NULL CHECK (role IN ('agent', 'lead', 'admin')),
      department varchar(100),
      source varchar(16) NOT NULL,
      granted_by varchar(160) NOT NULL,
      granted_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((role = 'admin') = (department IS NULL))
    )`);
    await queryRunner.query('CREATE INDEX role_grants_user_id_idx ON role_grants (user_id)');
    // One grant per user, role, department (any case) and source: granting twice is a no-op.
    await queryRunner.query(
      `CREATE UNIQUE INDEX role_grants_unique_idx ON role_grants (user_id, role, lower(coalesce(department, '')), source)`,
    );
    await queryRunner.query('CREATE INDEX role_grants_department_idx ON role_grants (lower(department), role)');
    await queryRunner.query(`CREATE TABLE role_grant_audit (
      id bigserial PRIMARY KEY,
      user_id int NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      action varchar(8) NOT NULL CHECK (action IN ('grant', 'revoke')),
      role varchar(16) NOT NULL,
      department varchar(100),
      source varchar(16) NOT NULL,
      actor varchar(160) NOT NULL,
      at timestamptz NOT NULL DEFAULT now()
    )`);
    await queryRunner.query('CREATE INDEX role_grant_audit_user_id_idx ON role_grant_audit (user_id, at)');
    await queryRunner.query(`CREATE FUNCTION role_grants_mirror_is_admin() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE affected int := COALESCE(NEW.user_id, OLD.user_id);
      BEGIN
        UPDATE users SET is_admin = EXISTS (SELECT 1 FROM role_grants WHERE user_id = affected AND role = 'admin')
          WHERE id = affected;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`CREATE TRIGGER role_grants_mirror_is_admin AFTER INSERT OR DELETE ON role_grants
      FOR EACH ROW EXECUTE FUNCTION role_grants_mirror_is_admin()`);
    await queryRunner.query(`INSERT INTO role_grants (user_id, role, department, source, granted_by)
      SELECT id, 'admin', NULL, 'migration', 'migration' FROM users WHERE is_admin = true`);
    await queryRunner.query(`INSERT INTO role_grant_audit (user_id, action, role, department, source, actor)
      SELECT user_id, 'grant', role, department, source, granted_by FROM role_grants`);
    // And the other way: a writer of `users.is_admin` (PUT /auth/users/{id}, the admin seed, the legacy adoption)
    // grants or revokes the admin role, audited as done through `users.is_admin`.
    await queryRunner.query(`CREATE FUNCTION users_is_admin_to_role_grant() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.is_admin AND NOT EXISTS (SELECT 1 FROM role_grants WHERE user_id = NEW.id AND role = 'admin') THEN
          INSERT INTO role_grants (user_id, role, department, source, granted_by) VALUES (NEW.id, 'admin', NULL, 'is_admin', 'users.is_admin');
          INSERT INTO role_grant_audit (user_id, action, role, department, source, actor) VALUES (NEW.id, 'grant', 'admin', NULL, 'is_admin', 'users.is_admin');
        ELSIF NOT NEW.is_admin AND EXISTS (SELECT 1 FROM role_grants WHERE user_id = NEW.id AND role = 'admin') THEN
          INSERT INTO role_grant_audit (user_id, action, role, department, source, actor)
            SELECT user_id, 'revoke', role, department, source, 'users.is_admin' FROM role_grants WHERE user_id = NEW.id AND role = 'admin';
          DELETE FROM role_grants WHERE user_id = NEW.id AND role = 'admin';
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`CREATE TRIGGER users_is_admin_to_role_grant AFTER INSERT OR UPDATE OF is_admin ON users
      FOR EACH ROW EXECUTE FUNCTION users_is_admin_to_role_grant()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TRIGGER users_is_admin_to_role_grant ON users');
    await queryRunner.query('DROP FUNCTION users_is_admin_to_role_grant()');
    await queryRunner.query('DROP TRIGGER role_grants_mirror_is_admin ON role_grants');
    await queryRunner.query('DROP FUNCTION role_grants_mirror_is_admin()');
    await queryRunner.query('DROP TABLE role_grant_audit');
    await queryRunner.query('DROP TABLE role_grants');
  }
}
