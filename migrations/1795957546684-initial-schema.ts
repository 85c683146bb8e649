import { MigrationInterface, QueryRunner } from "typeorm";

export class InitialSchema1795957546684 implements MigrationInterface {
    name = 'InitialSchema1795957546684'

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "users" ("id" SERIAL NOT NULL, "full_name" character varying(64) NOT NULL, "matricula" character varying(15) NOT NULL, "email" character varying(128) NOT NULL, "cpf" character varying(128) NOT NULL, "cpf_hash" character varying(64) NOT NULL, "hashed_password" character varying(256) NOT NULL, "department" character varying(64) NOT NULL, "filial" character varying(64) NOT NULL, "phone_number" character varying(20), "profile_picture" character varying(256), "is_active" boolean NOT NULL DEFAULT true, "is_admin" boolean NOT NULL DEFAULT false, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "password_reset_token" text, "password_reset_expires_at" TIMESTAMP WITH TIME ZONE, "failed_login_count" integer NOT NULL DEFAULT '0', "locked_until" TIMESTAMP WITH TIME ZONE, "bitrix_user_id" integer, CONSTRAINT "UQ_7d53fc05d1e07b20752d6a89ce6" UNIQUE ("matricula"), CONSTRAINT "UQ_97672ac88f789774dd47f7c8be3" UNIQUE ("email"), CONSTRAINT "UQ_8c24ae4a674eac6ecab1d58fed3" UNIQUE ("cpf_hash"), CONSTRAINT "PK_a3ffb1c0c8416b9fc6f907b7433" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_0adc0a8834ea0f252e96d154de" ON "users"  ("full_name") `);
        await queryRunner.query(`CREATE TABLE "auth_sessions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "user_id" integer NOT NULL, "refresh_token_hash" character varying(64) NOT NULL, "rotation_count" integer NOT NULL DEFAULT '0', "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "revoked_at" TIMESTAMP WITH TIME ZONE, "revoked_reason" character varying(32), "user_agent" character varying(256), "ip" character varying(64), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "last_used_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_641507381f32580e8479efc36cd" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_50ccaa6440288a06f0ba693ccc" ON "auth_sessions"  ("user_id") `);
        await queryRunner.query(`CREATE TABLE "activity_files" ("id" SERIAL NOT NULL, "activity_id" integer NOT NULL, "file_id" integer, "file_url" character varying(500), "filename" character varying(255), CONSTRAINT "uq_activity_files_activity_file" UNIQUE ("activity_id", "file_id"), CONSTRAINT "PK_0f5c6a6c9caf5fed58f20a3e313" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_d766eee3ca431cac5f5a3f8ecf" ON "activity_files"  ("activity_id") `);
        await queryRunner.query(`CREATE TABLE "deal_files" ("id" SERIAL NOT NULL, "deal_id" integer NOT NULL, "file_id" integer, "file_url" character varying(500), "filename" character varying(255), CONSTRAINT "PK_2b5e36d20dce9874811fb0b52a4" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_1deb5287bd443e8156f834a666" ON "deal_files"  ("deal_id") `);
        await queryRunner.query(`CREATE TABLE "deals" ("id" SERIAL NOT NULL, "deal_id" integer NOT NULL, "title" character varying(255), "description" text, "stage_id" character varying(50), "opened" character varying(1), "closed" character varying(1), "created_by_id" character varying(10), "modify_by_id" character varying(10), "moved_by_id" character varying(10), "last_activity_by_id" character varying(10), "last_communication_time" character varying(19), "close_date" TIMESTAMP WITH TIME ZONE, "date_deadline" TIMESTAMP WITH TIME ZONE, "begin_date" TIMESTAMP WITH TIME ZONE, "requester_department" character varying(100), "assignee_department" character varying(100), "service_category" character varying(50), "system_type" character varying(50), "priority" character varying(50), "matricula" character varying(20), "responsible" character varying(255), "responsible_email" character varying(255), "requester_email" character varying(255), "responsible_id" integer, "user_id" integer, "file_id" integer, "file_url" text, "is_unread" boolean NOT NULL DEFAULT false, "rating" smallint, "rating_comment" text, "responsible_bitrix_id" character varying(20), "bitrix_contact_id" integer, "bitrix_modified_at" TIMESTAMP WITH TIME ZONE, "deleted_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_573b867184b86b67976b5b6b190" UNIQUE ("deal_id"), CONSTRAINT "PK_8c66f03b250f613ff8615940b4b" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_23f5265469e4b4daea988d9146" ON "deals"  ("stage_id") `);
        await queryRunner.query(`CREATE INDEX "IDX_c9981c48c37387b513ceff01e5" ON "deals"  ("opened") `);
        await queryRunner.query(`CREATE INDEX "IDX_6bf0cb4621a723417ea2d24adb" ON "deals"  ("closed") `);
        await queryRunner.query(`CREATE INDEX "IDX_19bcdb3af0768ac8b305c2900d" ON "deals"  ("created_by_id") `);
        await queryRunner.query(`CREATE INDEX "IDX_307f666645c74a6bbef936bf90" ON "deals"  ("requester_department") `);
        await queryRunner.query(`CREATE INDEX "IDX_a560f15a1dd061bc21ea4aa0cb" ON "deals"  ("assignee_department") `);
        await queryRunner.query(`CREATE INDEX "IDX_bf807ce79d32b2cdd224d81868" ON "deals"  ("service_category") `);
        await queryRunner.query(`CREATE INDEX "IDX_f15f5b7a2fbe1515377de1288a" ON "deals"  ("system_type") `);
        await queryRunner.query(`CREATE INDEX "IDX_d98469bc83fa41b754d3f3233d" ON "deals"  ("priority") `);
        await queryRunner.query(`CREATE INDEX "IDX_83596299a5259b0c387e42f2a9" ON "deals"  ("matricula") `);
        await queryRunner.query(`CREATE INDEX "IDX_045e63a1470931ddd4a7ea0686" ON "deals"  ("responsible") `);
        await queryRunner.query(`CREATE INDEX "IDX_fa9fc31b26a7dd255d3a8ddd50" ON "deals"  ("responsible_email") `);
        await queryRunner.query(`CREATE INDEX "IDX_cfeae265e35a0cfd2834f2fb9d" ON "deals"  ("responsible_id") `);
        await queryRunner.query(`CREATE INDEX "IDX_5cf0f8f1822d7ecc44eed1db44" ON "deals"  ("user_id") `);
        await queryRunner.query(`CREATE INDEX "IDX_940ced63d8aeddd3668fc39d87" ON "deals"  ("created_at") `);
        await queryRunner.query(`CREATE TABLE "activities" ("id" SERIAL NOT NULL, "activity_id" integer NOT NULL, "bitrix_source" character varying(16) NOT NULL DEFAULT 'activity', "deal_id" integer NOT NULL, "owner_type_id" character varying(5), "type_id" character varying(5), "provider_id" character varying(50), "provider_type_id" character varying(50), "direction" character varying(10), "subject" character varying(255), "priority" character varying(5), "responsible_id" character varying(20), "responsible_name" character varying(255), "responsible_email" character varying(255), "description" text, "body_html" text, "description_type" character varying(5), "sender_email" character varying(255), "from_email" character varying(255), "to_email" character varying(255), "receiver_email" character varying(255), "author_id" character varying(20), "editor_id" character varying(20), "read_confirmed" integer, "file_id" integer, "file_url" text, "created_at_bitrix" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "uq_activities_source_activity_id" UNIQUE ("bitrix_source", "activity_id"), CONSTRAINT "PK_7f4004429f731ffb9c88eb486a8" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "IDX_04fa1883f5dc10f9a9661074ae" ON "activities"  ("deal_id") `);
        await queryRunner.query(`CREATE INDEX "IDX_28f462429700df5266a6b2bf1c" ON "activities"  ("responsible_email") `);
        await queryRunner.query(`ALTER TABLE "auth_sessions" ADD CONSTRAINT "FK_50ccaa6440288a06f0ba693ccc6" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "activity_files" ADD CONSTRAINT "FK_d766eee3ca431cac5f5a3f8ecff" FOREIGN KEY ("activity_id") REFERENCES "activities"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "deal_files" ADD CONSTRAINT "FK_1deb5287bd443e8156f834a6663" FOREIGN KEY ("deal_id") REFERENCES "deals"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "deals" ADD CONSTRAINT "FK_cfeae265e35a0cfd2834f2fb9db" FOREIGN KEY ("responsible_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "deals" ADD CONSTRAINT "FK_5cf0f8f1822d7ecc44eed1db44f" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "activities" ADD CONSTRAINT "FK_04fa1883f5dc10f9a9661074ae0" FOREIGN KEY ("deal_id") REFERENCES "deals"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "activities" DROP CONSTRAINT "FK_04fa1883f5dc10f9a9661074ae0"`);
        await queryRunner.query(`ALTER TABLE "deals" DROP CONSTRAINT "FK_5cf0f8f1822d7ecc44eed1db44f"`);
        await queryRunner.query(`ALTER TABLE "deals" DROP CONSTRAINT "FK_cfeae265e35a0cfd2834f2fb9db"`);
        await queryRunner.query(`ALTER TABLE "deal_files" DROP CONSTRAINT "FK_1deb5287bd443e8156f834a6663"`);
        await queryRunner.query(`ALTER TABLE "activity_files" DROP CONSTRAINT "FK_d766eee3ca431cac5f5a3f8ecff"`);
        await queryRunner.query(`ALTER TABLE "auth_sessions" DROP CONSTRAINT "FK_50ccaa6440288a06f0ba693ccc6"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_28f462429700df5266a6b2bf1c"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_04fa1883f5dc10f9a9661074ae"`);
        await queryRunner.query(`DROP TABLE "activities"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_940ced63d8aeddd3668fc39d87"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_5cf0f8f1822d7ecc44eed1db44"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_cfeae265e35a0cfd2834f2fb9d"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_fa9fc31b26a7dd255d3a8ddd50"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_045e63a1470931ddd4a7ea0686"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_83596299a5259b0c387e42f2a9"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_d98469bc83fa41b754d3f3233d"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_f15f5b7a2fbe1515377de1288a"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_bf807ce79d32b2cdd224d81868"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_a560f15a1dd061bc21ea4aa0cb"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_307f666645c74a6bbef936bf90"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_19bcdb3af0768ac8b305c2900d"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_6bf0cb4621a723417ea2d24adb"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_c9981c48c37387b513ceff01e5"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_23f5265469e4b4daea988d9146"`);
        await queryRunner.query(`DROP TABLE "deals"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_1deb5287bd443e8156f834a666"`);
        await queryRunner.query(`DROP TABLE "deal_files"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_d766eee3ca431cac5f5a3f8ecf"`);
        await queryRunner.query(`DROP TABLE "activity_files"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_50ccaa6440288a06f0ba693ccc"`);
        await queryRunner.query(`DROP TABLE "auth_sessions"`);
        await queryRunner.query(`DROP INDEX "public"."IDX_0adc0a8834ea0f252e96d154de"`);
        await queryRunner.query(`DROP TABLE "users"`);
    }

}
