import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { BitrixActivities } from './bitrix-activities.service';
import { BitrixContacts } from './bitrix-contacts.service';
import { BitrixDeals } from './bitrix-deals.service';
import { BitrixDisk } from './bitrix-disk.service';
import { BitrixFieldMap } from './bitrix-field-map';
import { BitrixPortalCheck } from './bitrix-portal-check';
import { BitrixStats } from './bitrix-stats';
import { BitrixTimelineComments } from './bitrix-timeline.service';
import { BitrixUsers } from './bitrix-users.service';
import { BitrixClient } from './bitrix.client';

const SERVICES = [BitrixClient, BitrixStats, BitrixDeals, BitrixContacts, BitrixTimelineComments, BitrixActivities, BitrixDisk, BitrixUsers];

/**
 * The Bitrix24 integration (SPEC §9), global so every module injects it. Needs AppConfig from the app
 * root. A bad field map (BITRIX_FIELD_MAP_FILE / _JSON) throws BitrixFieldMapError here and stops the boot;
 * BitrixPortalCheck then compares the map and the Disk storage with the portal (BITRIX_PORTAL_CHECK).
 */
@Global()
@Module({
  providers: [
    ...SERVICES,
    { provide: BitrixFieldMap, useFactory: (config: AppConfig) => BitrixFieldMap.fromAppConfig(config), inject: [AppConfig] },
    BitrixPortalCheck,
  ],
  exports: [...SERVICES, BitrixFieldMap],
})
export class BitrixModule {}
