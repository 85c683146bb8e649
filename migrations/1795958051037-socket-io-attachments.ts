import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Table of @socket.io/postgres-adapter: broadcasts over NOTIFY's 8 kB limit (or binary) travel
 * through it between app instances. The adapter deletes rows older than its cleanup interval (30 s).
 */
export class SocketIoAttachments1795958051037 implements MigrationInterface {
  name = 'SocketIoAttachments1795958051037';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "socket_io_attachments" ("id" bigserial NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "payload" bytea, CONSTRAINT "PK_socket_io_attachments" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "IDX_socket_io_attachments_created_at" ON "socket_io_attachments" ("created_at")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "socket_io_attachments"`);
  }
}
