import { MigrationInterface } from 'typeorm';
import { InitialSchema1795957546684 } from './1795957546684-initial-schema';
import { SocketIoAttachments1795958051037 } from './1795958051037-socket-io-attachments';
import { TicketIdempotency1796200000000 } from './1796200000000-ticket-idempotency';
import { WebhookInbox1796300000000 } from './1796300000000-webhook-inbox';
import { TicketTimesFromBitrix1796400000000 } from './1796400000000-ticket-times-from-bitrix';
import { BitrixRateBudget1796500000000 } from './1796500000000-bitrix-rate-budget';
import { RoleGrants1796600000000 } from './1796600000000-role-grants';
import { OidcSignIn1796650000000 } from './1796650000000-oidc-sign-in';
import { Notifications1796700000000 } from './1796700000000-notifications';
import { PushSubscriptions1796710000000 } from './1796710000000-push-subscriptions';
import { WebhookTraceContext1796800000000 } from './1796800000000-webhook-trace-context';

/** Every migration, in order. A new migration file must be added here (no globs: works from ts and dist). */
export const MIGRATIONS: (new () => MigrationInterface)[] = [
  InitialSchema1795957546684,
  SocketIoAttachments1795958051037,
  TicketIdempotency1796200000000,
  WebhookInbox1796300000000,
  TicketTimesFromBitrix1796400000000,
  BitrixRateBudget1796500000000,
  RoleGrants1796600000000,
  OidcSignIn1796650000000,
  Notifications1796700000000,
  PushSubscriptions1796710000000,
  WebhookTraceContext1796800000000,
];
