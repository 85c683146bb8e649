import { Injectable } from '@nestjs/common';
import { ATTACHMENT_URL_TTL_SECONDS, AVATAR_URL_TTL_SECONDS, StorageService } from '../storage/storage.service';
import { DealCardCreateDto, DealCardDto, TicketFileDto } from './dto/deal-card.dto';
import { ActivityFile } from './entities/activity-file.entity';
import { Deal } from './entities/deal.entity';
import { DealFile } from './entities/deal-file.entity';
import type { CardRow } from './ticket-cards.repository';

type FileRow = Pick<DealFile | ActivityFile, 'id' | 'storageKey' | 'filename'>;
type Sign = (key: string | null | undefined, ttlSeconds: number) => Promise<string | null>;

/** Card rows and entities → the seed's snake_case schemas, with presigned URLs (files 2 h, profile pictures 168 h). */
@Injectable()
export class TicketCardPresenter {
  constructor(private readonly storage: StorageService) {}

  async createCard(deal: Deal, files: FileRow[]): Promise<DealCardCreateDto> {
    const sign = this.signer();
    return {
      ...baseCard(deal),
      files: await Promise.all(files.map((f) => file(f, sign))),
    };
  }

  /** Swaps the storage keys of the cards (files, profile pictures) for presigned URLs, in place. */
  async cards(rows: CardRow[]): Promise<DealCardDto[]> {
    const sign = this.signer();
    const pending: Promise<void>[] = [];
    const presign = <T, K extends keyof T>(holder: T, field: K, ttlSeconds: number) => {
      const key = holder[field] as string | null;
      if (key) pending.push(sign(key, ttlSeconds).then((url) => void (holder[field] = url as T[K])));
    };
    for (const row of rows) {
      presign(row, 'responsible_profile_picture_url', AVATAR_URL_TTL_SECONDS);
      presign(row, 'requester_profile_picture_url', AVATAR_URL_TTL_SECONDS);
      for (const f of row.files) presign(f, 'file_url', ATTACHMENT_URL_TTL_SECONDS);
      for (const activity of row.activities) {
        presign(activity, 'responsible_profile_picture_url', AVATAR_URL_TTL_SECONDS);
        for (const f of activity.files) presign(f, 'file_url', ATTACHMENT_URL_TTL_SECONDS);
      }
    }
    await Promise.all(pending);
    return rows;
  }

  /** StorageService signs each key once per presigning period (the same few profile pictures recur on every card). */
  private signer(): Sign {
    return (key, ttlSeconds) => this.storage.presignedUrl(key, ttlSeconds);
  }
}

async function file(row: FileRow, sign: Sign): Promise<TicketFileDto> {
  return { id: row.id, file_url: await sign(row.storageKey, ATTACHMENT_URL_TTL_SECONDS), filename: row.filename };
}

function baseCard(deal: Deal): Omit<DealCardCreateDto, 'files'> {
  return {
    id: deal.id,
    deal_id: deal.bitrixDealId,
    title: deal.title,
    description: deal.description,
    stage_id: deal.stageId,
    opened: deal.opened,
    closed: deal.closed,
    created_by_id: deal.createdById,
    requester_department: deal.requesterDepartment,
    assignee_department: deal.assigneeDepartment,
    service_category: deal.serviceCategory,
    system_type: deal.systemType,
    priority: deal.priority,
    matricula: deal.matricula,
    date_deadline: iso(deal.dateDeadline),
  };
}

function iso(date: Date | null | undefined): string | null {
  return date ? date.toISOString() : null;
}
