import { BadRequestException, Injectable, Logger, PayloadTooLargeException } from '@nestjs/common';
import { filetypeinfo } from 'magic-bytes.js';
import { AppConfig } from '../config/app-config';
import { sanitizeFilename, StorageService } from '../storage/storage.service';
import type { TicketAttachmentDto } from './dto/ticket-attachment.dto';

/** An attachment decoded from the request, not stored anywhere yet. */
export interface DecodedAttachment {
  /** Sanitised file name (no path, no control characters). */
  filename: string;
  bytes: Buffer;
  contentType: string;
}

/** An attachment stored in S3 under a unique key. */
export interface StoredAttachment extends DecodedAttachment {
  storageKey: string;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Attachments sent as base64 inside JSON (SPEC §5): decoding with per-file and per-request limits,
 * storage in S3 under unique keys, and clean-up when a later step fails.
 */
@Injectable()
export class TicketAttachmentsService {
  private readonly logger = new Logger(TicketAttachmentsService.name);

  constructor(
    private readonly storage: StorageService,
    private readonly config: AppConfig,
  ) {}

  /** Checks sizes before decoding (413) and the base64 alphabet (400), naming `attachments[i]`. */
  decode(attachments: TicketAttachmentDto[] | undefined): DecodedAttachment[] {
    if (!attachments?.length) return [];
    const { maxAttachmentBytes, maxRequestAttachmentBytes } = this.config.limits;
    const cleaned = attachments.map((a, index) => ({ index, filename: a.filename, base64: stripBase64(a.content) }));
    let total = 0;
    for (const { index, base64 } of cleaned) {
      const field = `attachments[${index}].content`;
      if (!base64.length || base64.length % 4 === 1 || !BASE64.test(base64)) {
        throw new BadRequestException({ message: `${field}: conteúdo base64 inválido`, detail: `${field}: conteúdo base64 inválido`, field });
      }
      const size = decodedLength(base64);
      if (size > maxAttachmentBytes) {
        const detail = `${field}: o anexo tem ${size} bytes, acima do limite de ${maxAttachmentBytes} bytes por arquivo`;
        throw new PayloadTooLargeException({ message: detail, detail, field });
      }
      total += size;
    }
    if (total > maxRequestAttachmentBytes) {
      const detail = `attachments: os anexos somam ${total} bytes, acima do limite de ${maxRequestAttachmentBytes} bytes por requisição`;
      throw new PayloadTooLargeException({ message: detail, detail, field: 'attachments' });
    }
    return cleaned.map(({ filename, base64 }) => {
      const bytes = Buffer.from(base64, 'base64');
      return { filename: sanitizeFilename(filename), bytes, contentType: sniffContentType(bytes) };
    });
  }

  /** Uploads every file (each under a fresh unique key); if one fails, the others are removed and the 502 rethrown. */
  async store(files: DecodedAttachment[]): Promise<StoredAttachment[]> {
    const results = await Promise.allSettled(files.map((f) => this.storage.upload('attachments', f.filename, f.bytes, f.contentType)));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) {
      await this.remove(results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])));
      throw failure.reason;
    }
    return files.map((file, i) => ({ ...file, storageKey: (results[i] as PromiseFulfilledResult<string>).value }));
  }

  /** Best-effort removal after a failed operation; keys that could not be removed are logged. */
  async remove(keys: string[]): Promise<void> {
    const outcomes = await Promise.all(keys.map(async (key) => ({ key, removed: await this.storage.remove(key) })));
    const left = outcomes.filter((o) => !o.removed).map((o) => o.key);
    if (left.length) this.logger.warn(`Could not remove orphaned attachment objects: ${left.join(', ')}`);
  }
}

/** Drops a `data:...;base64,` prefix and whitespace (line breaks of MIME-style base64). */
function stripBase64(content: string): string {
  return content.replace(/^data:[^,]*;base64,/i, '').replace(/\s+/g, '');
}

function decodedLength(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return Math.floor((base64.length * 3) / 4) - padding;
}

function sniffContentType(bytes: Buffer): string {
  const found = filetypeinfo(new Uint8Array(bytes.subarray(0, 64))).find((t) => t.mime);
  return found?.mime ?? 'application/octet-stream';
}
