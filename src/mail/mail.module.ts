import { MailerModule, MailerOptions } from '@nestjs-modules/mailer';
import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { MailService } from './mail.service';

@Global()
@Module({
  imports: [
    // forRootAsync: forRoot would read its options at import time, before the config exists.
    MailerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig): MailerOptions => ({
        transport:
          config.mail.transport === 'smtp'
            ? config.mail.smtpUrl
            : { streamTransport: true, buffer: true, newline: 'unix' as const },
        defaults: { from: config.mail.from } as MailerOptions['defaults'],
      }),
    }),
  ],
  providers: [MailService],
  exports: [MailService],
})
export class MailModule {}
