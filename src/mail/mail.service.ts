import { MailerService } from '@nestjs-modules/mailer';
import { Injectable, Logger } from '@nestjs/common';
import fs from 'node:fs/promises';
import path from 'node:path';
import { AppConfig } from '../config/app-config';
import { MailUnavailableError } from './mail-unavailable.error';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  from?: string;
  replyTo?: string;
  attachments?: { filename: string; content: Buffer }[];
}

export interface SentMail {
  messageId: string;
  /** Path of the .eml file when the file transport is used. */
  file?: string;
}

/**
 * `2026-12-02T05-43-26-000Z-<id@host>.eml` without the brackets: the Message-ID as a mail client shows it
 * (its `@` kept, so it can be searched for), with anything unsafe in a file name removed.
 */
export function emlFileName(messageId: string, at: Date): string {
  const safeId = messageId.replace(/[^a-zA-Z0-9.@_-]/g, '').slice(0, 200);
  return `${at.toISOString().replace(/[:.]/g, '-')}-${safeId}.eml`;
}

/** Sends e-mail over SMTP, or writes .eml files under MAIL_DIR in the embedded default. */
@Injectable()
export class MailService {
  private readonly logger = new Logger(MailService.name);

  constructor(
    private readonly mailer: MailerService,
    private readonly config: AppConfig,
  ) {}

  async send(mail: OutgoingMail): Promise<SentMail> {
    let info: { messageId: string; message?: Buffer | string };
    try {
      info = await this.mailer.sendMail({
        to: mail.to,
        from: mail.from ?? this.config.mail.from,
        replyTo: mail.replyTo,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        attachments: mail.attachments,
      });
    } catch (error) {
      this.logger.warn(`SMTP delivery failed: ${(error as Error).message}`);
      throw new MailUnavailableError(error);
    }
    if (this.config.mail.transport !== 'file') return { messageId: info.messageId };
    const dir = path.resolve(this.config.mail.fileDir);
    await fs.mkdir(dir, { recursive: true });
    const file = path.join(dir, emlFileName(info.messageId, new Date()));
    await fs.writeFile(file, info.message ?? '');
    return { messageId: info.messageId, file };
  }
}
