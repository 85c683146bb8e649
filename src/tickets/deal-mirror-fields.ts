import type { BitrixDealSnapshot } from '../bitrix/bitrix-field-map';
import { ticketDeadline } from '../bitrix/ticket-sla';
import type { BitrixDealProperty } from './deals.repository';
import type { Deal } from './entities/deal.entity';

/** A ticket's responsible as resolved from its Bitrix user (ASSIGNED_BY_ID). */
export interface ResolvedResponsible {
  name: string | null;
  email: string | null;
  /** The matching local user (by stored Bitrix user ID, else e-mail), if any. */
  localUserId: number | null;
}

/**
 * The Bitrix-owned columns of a ticket from a deal just read from Bitrix: one mapping for POST /ticket's
 * read-back, the webhook and `npm run sync`, so a ticket reads the same whichever path mirrored it.
 * Times are the system of record's: opened at DATE_CREATE, closed at the won-stage move, and a deadline
 * for every ticket (the portal's field, else the SLA rule by priority from the opening).
 */
export function dealFieldsFromBitrix(snapshot: BitrixDealSnapshot, responsible: ResolvedResponsible | null): Partial<Pick<Deal, BitrixDealProperty>> {
  const fields: Partial<Pick<Deal, BitrixDealProperty>> = {
    title: snapshot.title,
    description: snapshot.description,
    stageId: snapshot.stageId,
    opened: snapshot.opened,
    closed: snapshot.closed,
    createdById: snapshot.createdById,
    modifyById: snapshot.modifyById,
    movedById: snapshot.movedById,
    lastActivityById: snapshot.lastActivityById,
    lastCommunicationTime: snapshot.lastCommunicationTime,
    closeDate: snapshot.closeDate,
    dateDeadline: ticketDeadline(snapshot.dateDeadline, snapshot.priority, snapshot.createdAt),
    beginDate: snapshot.beginDate,
    requesterDepartment: snapshot.requesterDepartment,
    assigneeDepartment: snapshot.assigneeDepartment,
    serviceCategory: snapshot.serviceCategory,
    systemType: snapshot.systemType,
    priority: snapshot.priority,
    matricula: snapshot.matricula,
    requesterEmail: snapshot.requesterEmail,
    rating: snapshot.rating,
    ratingComment: snapshot.ratingComment,
    responsibleBitrixId: snapshot.responsibleBitrixId,
    bitrixContactId: snapshot.bitrixContactId,
    responsible: responsible?.name ?? null,
    responsibleEmail: responsible?.email ?? null,
    responsibleId: responsible?.localUserId ?? null,
  };
  // created_at is NOT NULL: a deal read without DATE_CREATE keeps the row's (or the insertion) time.
  if (snapshot.createdAt) fields.createdAt = snapshot.createdAt;
  return fields;
}
