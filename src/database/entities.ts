import { AuthSession } from '../auth/auth-session.entity';
import { PushSubscription } from '../notifications/push/push-subscription.entity';
import { RoleGrant } from '../roles/role-grant.entity';
import { RoleGrantAudit } from '../roles/role-grant-audit.entity';
import { Activity } from '../tickets/entities/activity.entity';
import { ActivityFile } from '../tickets/entities/activity-file.entity';
import { Deal } from '../tickets/entities/deal.entity';
import { DealFile } from '../tickets/entities/deal-file.entity';
import { User } from '../users/user.entity';

/** Every TypeORM entity of the app, listed explicitly (no globs: the same list works in ts and in dist). */
export const ENTITIES = [User, AuthSession, Deal, DealFile, Activity, ActivityFile, RoleGrant, RoleGrantAudit, PushSubscription];
