import { Injectable } from '@nestjs/common';
import { ATTACHMENT_URL_TTL_SECONDS, AVATAR_URL_TTL_SECONDS, StorageService } from '../storage/storage.service';
import { DealCardCreateDto, DealCardDto, TicketActivityDto, TicketFileDto } from './dto/deal-card.dto';
import { Activity } from './entities/activity.entity';
import { ActivityFile } from './entities/activity-file.entity';
import { Deal } from './entities/deal.entity';
import { DealFile } from './entities/deal-file.entity';
import type { DealCardRows } from './ticket-cards.repository';

type FileRow = Pick<DealFile | ActivityFile, 'id' | 'storageKey' | 'filename'>;
type Sign = (key: string | null | undefined, ttlSeconds: number) => Promise<string | null>;

/** Entities → the seed's snake_case schemas, with presigned URLs (files 2 h, profile pictures 168 h). */
@Injectable()
export class TicketCardPresenter {
  constructor(private readonly storage: StorageService) {}

  async createCard(deal: Deal, files: FileRow[]): Promise<DealCardCreateDto> {
    const sign = this.signer();
    return { ...baseCard(deal), files: await Promise.all(files.map((f) => file(f, sign))) };
  }

  async cards(rows: DealCardRows): Promise<DealCardDto[]> {
    const sign = this.signer();
    return Promise.all(rows.deals.map((deal) => this.card(deal, rows, sign)));
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

  private async activityDto(activity: Activity, files: FileRow[], authorPicture: string | null, sign: Sign): Promise<TicketActivityDto> {
    return {
      id: activity.id,
      activity_id: activity.bitrixActivityId,
      type_id: activity.typeId,
      direction: activity.direction,
      subject: activity.subject,
      description: activity.description,
      body_html: activity.bodyHtml,
      responsible_name: activity.responsibleName,
      responsible_email: activity.responsibleEmail,
      responsible_profile_picture_url: await sign(authorPicture, AVATAR_URL_TTL_SECONDS),
      from_email: activity.fromEmail,
      to_email: activity.toEmail,
      created_at_bitrix: iso(activity.createdAtBitrix),
      created_at: activity.createdAt.toISOString(),
      files: await Promise.all(files.map((f) => file(f, sign))),
    };
  }

  private async card(deal: Deal, rows: DealCardRows, sign: Sign): Promise<DealCardDto> {
    const activities = rows.activitiesByDeal.get(deal.id) ?? [];
    const [files, activityDtos, requesterPicture, responsiblePicture] = await Promise.all([
      Promise.all((rows.filesByDeal.get(deal.id) ?? []).map((f) => file(f, sign))),
      Promise.all(activities.map((a) => this.activityDto(a, rows.filesByActivity.get(a.id) ?? [], rows.activityPictures.get(a.id) ?? null, sign))),
      sign(deal.user?.profilePicture, AVATAR_URL_TTL_SECONDS),
      sign(deal.responsibleUser?.profilePicture, AVATAR_URL_TTL_SECONDS),
    ]);
    return {
      ...baseCard(deal),
      modify_by_id: deal.modifyById,
      moved_by_id: deal.movedById,
      last_activity_by_id: deal.lastActivityById,
      last_communication_time: deal.lastCommunicationTime,
      close_date: iso(deal.closeDate),
      begin_date: iso(deal.beginDate),
      created_at: deal.createdAt.toISOString(),
      updated_at: deal.updatedAt.toISOString(),
      responsible: deal.responsible,
      responsible_email: deal.responsibleEmail,
      responsible_profile_picture_url: responsiblePicture,
      requester_profile_picture_url: requesterPicture,
      is_unread: deal.isUnread,
      user_id: deal.userId,
      responsible_id: deal.responsibleId,
      requester_email: deal.requesterEmail,
      rating: deal.rating,
      rating_comment: deal.ratingComment,
      files,
      activities: activityDtos,
    };
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
