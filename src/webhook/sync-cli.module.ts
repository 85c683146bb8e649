import { DynamicModule, Global, Module } from '@nestjs/common';
import { BitrixModule } from '../bitrix/bitrix.module';
import { AppConfig } from '../config/app-config';
import { AppConfigModule } from '../config/config.module';
import { DatabaseModule } from '../database/database.module';
import { TicketEventsBroadcaster } from '../realtime/ticket-events.broadcaster';
import { StorageModule } from '../storage/storage.module';
import { TicketMirrorModule } from '../tickets/ticket-mirror.module';
import { SilentTicketEventsBroadcaster } from './silent-ticket-events.broadcaster';
import { MIRROR_PROVIDERS } from './webhook.module';

@Global()
@Module({
  providers: [{ provide: TicketEventsBroadcaster, useClass: SilentTicketEventsBroadcaster }],
  exports: [TicketEventsBroadcaster],
})
class SyncCliBroadcastModule {}

/** Just what reconciliation needs: no HTTP, no Socket.IO, no queue workers. */
@Module({})
export class SyncCliModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: SyncCliModule,
      imports: [AppConfigModule.forRoot(config), DatabaseModule, StorageModule, BitrixModule, SyncCliBroadcastModule, TicketMirrorModule],
      providers: MIRROR_PROVIDERS,
    };
  }
}
