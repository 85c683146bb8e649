import { Injectable } from '@nestjs/common';
import { ATTACHMENT_URL_TTL_SECONDS, AVATAR_URL_TTL_SECONDS, StorageService } from '../storage/storage.service';
import { DealCardCreateDto, DealCardDto, TicketActivityDto, TicketFileDto } from './dto/deal-card.dto';
import { ActivityFile } from './entities/activity-file.entity';
import { Deal } from './entities/deal.entity';
import { DealFile } from './entities/deal-file.entity';
import type { CardActivityRow, CardFileRow, CardRow } from './ticket-cards.repository';

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
      files: await Promise.all(files.map((f) => file({ id: f.id, file_url: f.storageKey, filename: f.filename }, sign))),
    };
  }

  async cards(rows: CardRow[]): Promise<DealCardDto[]> {
    const sign = this.signer();
    return Promise.all(rows.map((row) => card(row, sign)));
  }

  /**
   * Presigning for one response: the same few profile pictures recur on every card and activity of a
   * listing, so each key is signed once per response.
   */
  private signer(): Sign {
    const signed = new Map<string, Promise<string | null>>();
    return (key, ttlSeconds) => {
      if (!key) return Promise.resolve(null);
      const cacheKey = `${ttlSeconds}:${key}`;
      let url = signed.get(cacheKey);
      if (!url) {
        url = this.storage.presignedUrl(key, ttlSeconds);
        signed.set(cacheKey, url);
      }
      return url;
    };
  }
}

/** A card as read (one JSON-building query) → `DealCardSchema`, in the seed's field order. */
async function card(row: CardRow, sign: Sign): Promise<DealCardDto> {
  const [files, activities, responsiblePicture, requesterPicture] = await Promise.all([
    Promise.all(row.files.map((f) => file(f, sign))),
    Promise.all(row.activities.map((a) => activity(a, sign))),
    sign(row.responsible_picture, AVATAR_URL_TTL_SECONDS),
    sign(row.requester_picture, AVATAR_URL_TTL_SECONDS),
  ]);
  return {
    id: row.id,
    deal_id: row.deal_id,
    title: row.title,
    description: row.description,
    stage_id: row.stage_id,
    opened: row.opened,
    closed: row.closed,
    created_by_id: row.created_by_id,
    requester_department: row.requester_department,
    assignee_department: row.assignee_department,
    service_category: row.service_category,
    system_type: row.system_type,
    priority: row.priority,
    matricula: row.matricula,
    date_deadline: row.date_deadline,
    modify_by_id: row.modify_by_id,
    moved_by_id: row.moved_by_id,
    last_activity_by_id: row.last_activity_by_id,
    last_communication_time: row.last_communication_time,
    close_date: row.close_date,
    begin_date: row.begin_date,
    created_at: row.created_at,
    updated_at: row.updated_at,
    responsible: row.responsible,
    responsible_email: row.responsible_email,
    responsible_profile_picture_url: responsiblePicture,
    requester_profile_picture_url: requesterPicture,
    is_unread: row.is_unread,
    user_id: row.user_id,
    responsible_id: row.responsible_id,
    requester_email: row.requester_email,
    rating: row.rating,
    rating_comment: row.rating_comment,
    files,
    activities,
  };
}

async function activity(row: CardActivityRow, sign: Sign): Promise<TicketActivityDto> {
  const { author_picture: authorPicture, files, ...fields } = row;
  const [picture, signedFiles] = await Promise.all([sign(authorPicture, AVATAR_URL_TTL_SECONDS), Promise.all(files.map((f) => file(f, sign)))]);
  return {
    id: fields.id,
    activity_id: fields.activity_id,
    type_id: fields.type_id,
    direction: fields.direction,
    subject: fields.subject,
    description: fields.description,
    body_html: fields.body_html,
    responsible_name: fields.responsible_name,
    responsible_email: fields.responsible_email,
    responsible_profile_picture_url: picture,
    from_email: fields.from_email,
    to_email: fields.to_email,
    created_at_bitrix: fields.created_at_bitrix,
    created_at: fields.created_at,
    files: signedFiles,
  };
}

/** A file row (storage key in `file_url`, as in the seed's tables) → its presigned URL. */
async function file(row: CardFileRow, sign: Sign): Promise<TicketFileDto> {
  return { id: row.id, file_url: await sign(row.file_url, ATTACHMENT_URL_TTL_SECONDS), filename: row.filename };
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
