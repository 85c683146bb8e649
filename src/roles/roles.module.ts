import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { RoleGrantAudit } from './role-grant-audit.entity';
import { RoleGrant } from './role-grant.entity';
import { RolesController } from './roles.controller';
import { RolesService } from './roles.service';

/** The role store (issue #17): who holds which role for which assignee department, and the audit trail. */
@Module({
  imports: [TypeOrmModule.forFeature([RoleGrant, RoleGrantAudit])],
  controllers: [RolesController],
  providers: [RolesService],
  exports: [RolesService, TypeOrmModule],
})
export class RolesModule {}
