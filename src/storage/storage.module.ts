import { Global, Logger, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { FilesController } from './files.controller';
import { LocalStorageDriver } from './local-storage.driver';
import { S3StorageDriver } from './s3-storage.driver';
import { StorageDriver } from './storage.driver';
import { StorageService } from './storage.service';

@Global()
@Module({
  controllers: [FilesController],
  providers: [
    {
      provide: StorageDriver,
      inject: [AppConfig],
      useFactory: async (config: AppConfig): Promise<StorageDriver> => {
        const driver =
          config.storage.driver === 'local'
            ? new LocalStorageDriver(config.storage.localDir, config.publicUrl, config.auth.jwtSecret)
            : new S3StorageDriver(config.storage);
        // A storage outage at boot must not keep the API down; /health/ready reports it.
        await driver.ensureReady().catch((error: Error) => new Logger('Storage').warn(`Storage not ready: ${error.message}`));
        return driver;
      },
    },
    StorageService,
  ],
  exports: [StorageService, StorageDriver],
})
export class StorageModule {}
