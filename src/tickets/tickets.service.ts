import { Injectable } from '@nestjs/common';
import { RuleViolationError } from '../common/domain-error';
import type { AuthUser } from '../auth/auth-user';
import { TIMELINE_COMMENT_PROVIDER_ID, TIMELINE_COMMENT_TYPE_ID } from '../bitrix/bitrix-activity.mapper';
import { BitrixContactInput } from '../bitrix/bitrix-contacts.service';
import { extractEmail } from '../bitrix/bitrix-conversions';
import { BitrixEnumField, BitrixFieldMap } from '../bitrix/bitrix-field-map';
import { bitrixUserFullName } from '../bitrix/bitrix-users.service';
import { BitrixActivityType, BitrixDeal, BitrixDealFields, BitrixOwnerType, BitrixUser } from '../bitrix/bitrix.types';
import { foldLabel, slaDeadlineFor } from '../bitrix/ticket-sla';
import { AppConfig } from '../config/app-config';
import { MailService } from '../mail/mail.service';
import { LocalUsersRepository } from '../users/local-users.repository';
import type { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { DealCardCreateDto } from './dto/deal-card.dto';
import { TicketCloseDto, TicketCommentDto, TicketSendEmailDto } from './dto/ticket-actions.dto';
import { TicketCreateDto } from './dto/ticket-create.dto';
import { ActivitiesRepository, ActivityKey, BitrixActivityProperty } from './activities.repository';
import { commentDirection } from './comment-direction';
import { Compensations } from './compensations';
import { toBitrixPrecision } from './deal-changes';
import { dealFieldsFromBitrix, ResolvedResponsible } from './deal-mirror-fields';
import { DealsRepository, NewFileRow } from './deals.repository';
import { Activity } from './entities/activity.entity';
import { Deal } from './entities/deal.entity';
import { TicketAccessService } from './ticket-access.service';
import { DecodedAttachment, StoredAttachment, TicketAttachmentsService } from './ticket-attachments.service';
import { BitrixDiskPartialUploadError, CreatedBitrixDeal, TicketBitrixGateway } from './ticket-bitrix.gateway';
import { TicketCardPresenter } from './ticket-card.presenter';
import { cpfForTicket } from './ticket-cpf.rule';
import { TicketEventsNotifier } from './ticket-events.notifier';
import { TicketIdempotencyService } from './ticket-idempotency.service';
import { TicketUpstreamError } from './ticket-upstream.error';

/** The responsible of a new ticket, resolved from `resp_id` (a Bitrix user ID). */
interface NewTicketResponsible extends ResolvedResponsible {
  bitrixUserId: string;
}

/** Ticket fields whose values may be Bitrix enumerations (per portal), with their request names. */
const ENUM_FIELDS: [keyof TicketCreateDto, BitrixEnumField][] = [
  ['service_category', 'serviceCategory'],
  ['system_type', 'systemType'],
  ['assignee_department', 'assigneeDepartment'],
  ['requester_department', 'requesterDepartment'],
  ['filial', 'filial'],
];

const CREATE_SCOPE = 'ticket.create';

/**
 * Ticket actions (SPEC §5): create, close, comment, e-mail. Each public method lists its steps in order;
 * Bitrix24 is the system of record, so the local mirror is written only after Bitrix accepted the change,
 * and anything stored before a failing step is undone (Bitrix Disk files go to its trash, or are reported
 * when even that fails).
 */
@Injectable()
export class TicketsService {
  constructor(
    private readonly deals: DealsRepository,
    private readonly activities: ActivitiesRepository,
    private readonly localUsers: LocalUsersRepository,
    private readonly access: TicketAccessService,
    private readonly attachments: TicketAttachmentsService,
    private readonly bitrix: TicketBitrixGateway,
    private readonly idempotency: TicketIdempotencyService,
    private readonly presenter: TicketCardPresenter,
    private readonly events: TicketEventsNotifier,
    private readonly users: UsersService,
    private readonly fieldMap: BitrixFieldMap,
    private readonly mail: MailService,
    private readonly config: AppConfig,
  ) {}

  // --- POST /ticket ------------------------------------------------------------------------------

  async createTicket(principal: AuthUser, dto: TicketCreateDto, idempotencyKey?: string): Promise<{ card: DealCardCreateDto; replayed: boolean }> {
    const requester = await this.requesterOf(principal, dto);
    this.assertMappedValues(dto);
    const files = this.attachments.decode(dto.attachments);
    const cpf = cpfForTicket(dto.service_category, dto.cpf, () => this.users.plainCpfOf(principal.user));
    const idempotency = await this.idempotency.begin(principal.id, CREATE_SCOPE, idempotencyKey, dto);
    if (idempotency.kind === 'replay') return { card: await this.replayCreatedTicket(idempotency.bitrixDealId, idempotency.response), replayed: true };

    const undo = new Compensations();
    const diskFileIds: number[] = [];
    const contact = this.contactOf(requester, dto);
    let saved: Awaited<ReturnType<DealsRepository['saveNewTicket']>>;
    try {
      const lookup = await this.bitrix.lookupForTicket({ email: contact.email ?? null, phone: contact.phone ?? null, responsibleBitrixId: dto.resp_id ?? null });
      const responsible = dto.resp_id
        ? await this.resolveResponsible(dto.resp_id, lookup.responsible)
        : lookup.defaultResponsible && (await this.localResponsibleOf(lookup.defaultResponsible));
      const stored = await this.attachments.store(files);
      undo.add('storage objects', () => this.attachments.remove(stored.map((f) => f.storageKey)));
      diskFileIds.push(...(await this.uploadToBitrixDisk(files, diskFileIds)));
      // Bitrix keeps whole seconds: times we write are cut to the second, so its echo is no change.
      const openedAt = toBitrixPrecision(new Date());
      const created = await this.bitrix.createDeal(
        this.dealFieldsOf(dto, requester, contact, cpf, responsible, openedAt),
        lookup.contact ? null : contact,
        lookup.contact ? Number(lookup.contact.ID) : null,
      );
      undo.add('Bitrix deal', () => this.bitrix.deleteDealQuietly(created.bitrixDealId));
      saved = await this.deals.saveNewTicket(
        this.mirrorOfNewTicket(dto, requester, responsible, created, openedAt),
        fileRowsOf(stored, diskFileIds),
        (manager, deal) => this.idempotency.complete(manager, idempotency.reservation, deal.bitrixDealId, { id: deal.id, deal_id: deal.bitrixDealId }),
      );
    } catch (error) {
      await undo.run();
      const orphanedDiskFileIds = await this.bitrix.trashDiskFilesQuietly(diskFileIds);
      await this.idempotency.release(idempotency.reservation);
      throw orphanedDiskFileIds.length ? new TicketUpstreamError(error, orphanedDiskFileIds) : error;
    }
    await this.events.ticketCreated(saved.deal, contact.name);
    return { card: await this.presenter.createCard(saved.deal, saved.files), replayed: false };
  }

  // --- POST /close-ticket ------------------------------------------------------------------------

  async closeTicket(principal: AuthUser, dto: TicketCloseDto): Promise<void> {
    const deal = await this.access.requireActionable(principal, dto.deal_id);
    if (deal.closed === 'Y') throw new RuleViolationError('CONFLICT', 'deal_id', `o chamado ${dto.deal_id} já está fechado`);
    const closedAt = toBitrixPrecision(new Date());
    const bitrixDeal = await this.bitrix.closeDeal(deal.bitrixDealId, { rating: dto.rating ?? null, comment: dto.comment ?? null, closedAt });
    const closed = await this.deals.updateTicket(deal.id, this.mirrorOfClosedTicket(bitrixDeal, dto, closedAt), principal.id);
    await this.events.dealUpdated(deal, closed);
  }

  // --- POST /ticket/comment ----------------------------------------------------------------------

  async addComment(principal: AuthUser, dto: TicketCommentDto): Promise<void> {
    const deal = await this.access.requireActionable(principal, dto.deal_id);
    const files = this.attachments.decode(dto.attachments);
    const stored = await this.attachments.store(files);
    try {
      const comment = await this.bitrix.addComment(deal.bitrixDealId, dto.message, files);
      await this.saveActivity(
        principal,
        deal,
        { bitrixSource: 'comment', bitrixActivityId: comment.commentId },
        {
          dealId: deal.id,
          ownerTypeId: String(BitrixOwnerType.deal),
          typeId: TIMELINE_COMMENT_TYPE_ID,
          providerId: TIMELINE_COMMENT_PROVIDER_ID,
          direction: commentDirection(principal, deal),
          description: dto.message,
          ...authorOf(principal.user),
          createdAtBitrix: new Date(),
        },
        fileRowsOf(stored, comment.fileIds),
      );
    } catch (error) {
      await this.attachments.remove(stored.map((f) => f.storageKey));
      throw error;
    }
  }

  // --- POST /send-email --------------------------------------------------------------------------

  async sendEmail(principal: AuthUser, dto: TicketSendEmailDto): Promise<void> {
    const deal = await this.access.requireActionable(principal, dto.deal_id);
    const files = this.attachments.decode(dto.attachments);
    const stored = await this.attachments.store(files);
    const undo = new Compensations();
    undo.add('storage objects', () => this.attachments.remove(stored.map((f) => f.storageKey)));
    try {
      // Exactly one delivery (SPEC §5): with EMAIL_DELIVERY=smtp the activity is recorded in a form Bitrix does not send.
      const deliverThroughBitrix = this.config.mail.emailDelivery === 'bitrix';
      const from = dto.from_email ?? this.config.mail.from;
      const recorded = await this.bitrix.recordEmail({
        bitrixDealId: deal.bitrixDealId,
        subject: dto.subject,
        body: dto.message,
        bodyType: 'text',
        from,
        to: dto.to_email,
        bitrixContactId: deal.bitrixContactId,
        responsibleBitrixId: deal.responsibleBitrixId ? Number(deal.responsibleBitrixId) : null,
        deliverThroughBitrix,
        files: files.map((f) => ({ name: f.filename, bytes: f.bytes })),
      });
      if (!deliverThroughBitrix) {
        undo.add('Bitrix e-mail activity', () => this.bitrix.deleteActivityQuietly(recorded.activityId));
        await this.deliverBySmtp(principal, dto, files);
      }
      await this.saveActivity(
        principal,
        deal,
        { bitrixSource: 'activity', bitrixActivityId: recorded.activityId },
        {
          dealId: deal.id,
          ownerTypeId: String(BitrixOwnerType.deal),
          typeId: String(BitrixActivityType.email),
          providerId: 'CRM_EMAIL',
          providerTypeId: 'EMAIL',
          direction: 'outgoing',
          subject: dto.subject,
          description: dto.message,
          descriptionType: '1',
          senderEmail: principal.user.email,
          fromEmail: extractEmail(from) ?? from,
          toEmail: dto.to_email,
          receiverEmail: dto.to_email,
          ...authorOf(principal.user),
          createdAtBitrix: new Date(),
        },
        fileRowsOf(stored, recorded.fileIds),
      );
    } catch (error) {
      await undo.run();
      throw error;
    }
  }

  // --- steps -------------------------------------------------------------------------------------

  /**
   * The local row of an activity just written to Bitrix, announced when this call inserted it (if the webhook
   * mirrored it first, it announced it); storage copies of files the webhook had mirrored already are removed.
   */
  private async saveActivity(principal: AuthUser, deal: Deal, key: ActivityKey, values: Partial<Pick<Activity, BitrixActivityProperty>>, files: NewFileRow[]): Promise<void> {
    const saved = await this.activities.saveFromTicketAction(key, values, files, principal.id);
    if (saved.duplicateStorageKeys.length) await this.attachments.remove(saved.duplicateStorageKeys);
    if (saved.inserted) await this.events.activityAdded(deal, saved.activity, saved.files);
  }

  /** The requester: the logged-in user, or (admins only) the user named in `user_id`. */
  private async requesterOf(principal: AuthUser, dto: TicketCreateDto): Promise<User> {
    if (dto.user_id === undefined || dto.user_id === principal.id) return principal.user;
    if (!principal.isAdmin) throw new RuleViolationError('FORBIDDEN', 'user_id', 'apenas administradores podem abrir chamados em nome de outro usuário');
    const user = await this.localUsers.findById(dto.user_id);
    if (!user || !user.isActive) throw new RuleViolationError('INVALID_VALUE', 'user_id', `usuário ${dto.user_id} não encontrado`);
    return user;
  }

  /** On portals where a field is a Bitrix enumeration, only its configured labels are accepted (400 naming the field). */
  private assertMappedValues(dto: TicketCreateDto): void {
    for (const [field, mapped] of ENUM_FIELDS) {
      const items = this.fieldMap.config.enums[mapped];
      const value = dto[field];
      if (!items || typeof value !== 'string' || !value) continue;
      if (!Object.keys(items).some((label) => foldLabel(label) === foldLabel(value))) {
        throw new RuleViolationError('INVALID_VALUE', field, `valor desconhecido ${JSON.stringify(value)} (aceitos: ${Object.keys(items).join(', ')})`);
      }
    }
  }

  private contactOf(requester: User, dto: TicketCreateDto): BitrixContactInput {
    return {
      name: dto.full_name?.trim() || requester.fullName,
      email: dto.email ?? requester.email,
      phone: dto.phone ?? requester.phoneNumber,
    };
  }

  private async resolveResponsible(respId: string, bitrixUser: BitrixUser | null): Promise<NewTicketResponsible> {
    if (!bitrixUser) throw new RuleViolationError('INVALID_VALUE', 'resp_id', `usuário ${respId} não encontrado no Bitrix24`);
    return this.localResponsibleOf(bitrixUser);
  }

  /** A Bitrix user as a ticket's responsible, with its local user (by Bitrix user ID, then e-mail). */
  private async localResponsibleOf(bitrixUser: BitrixUser): Promise<NewTicketResponsible> {
    const bitrixUserId = String(bitrixUser.ID);
    const email = bitrixUser.EMAIL?.trim() || null;
    const local = await this.localUsers.findForBitrixUser(bitrixUserId, email);
    return { bitrixUserId, name: bitrixUserFullName(bitrixUser), email, localUserId: local?.id ?? null };
  }

  /** Disk uploads; IDs that reached Disk before a failure go into `uploaded` so the failure can report them. */
  private async uploadToBitrixDisk(files: DecodedAttachment[], uploaded: number[]): Promise<number[]> {
    try {
      return await this.bitrix.uploadToDisk(files);
    } catch (error) {
      if (!(error instanceof BitrixDiskPartialUploadError)) throw error;
      uploaded.push(...error.uploadedFileIds);
      throw error.failure;
    }
  }

  private dealFieldsOf(
    dto: TicketCreateDto,
    requester: User,
    contact: BitrixContactInput,
    cpf: string,
    responsible: NewTicketResponsible | null,
    openedAt: Date,
  ): BitrixDealFields {
    return this.fieldMap.toBitrixDealFields(
      {
        title: dto.title,
        description: dto.description ?? '',
        priority: dto.priority,
        serviceCategory: dto.service_category,
        systemType: dto.system_type ?? null,
        assigneeDepartment: dto.assignee_department ?? null,
        requesterDepartment: dto.requester_department ?? requester.department,
        matricula: dto.matricula ?? requester.matricula,
        requesterEmail: contact.email ?? null,
        requesterName: contact.name,
        requesterPhone: contact.phone ?? null,
        filial: dto.filial ?? requester.filial,
        cpf,
        slaDeadline: slaDeadlineFor(dto.priority, openedAt),
        responsibleBitrixId: responsible?.bitrixUserId ?? null,
        beginDate: openedAt,
      },
      { create: true, now: openedAt },
    );
  }

  /**
   * The local row of a new ticket: from the deal as Bitrix stored it (read back in the create batch), with the
   * same mapping as the webhook, so both paths mirror the same ticket the same way; from the request when
   * that read failed.
   */
  private mirrorOfNewTicket(
    dto: TicketCreateDto,
    requester: User,
    responsible: NewTicketResponsible | null,
    created: CreatedBitrixDeal,
    openedAt: Date,
  ): Partial<Deal> & { bitrixDealId: number } {
    const local = { bitrixDealId: created.bitrixDealId, userId: requester.id, bitrixContactId: created.bitrixContactId, isUnread: false, deletedAt: null };
    if (created.deal) {
      const snapshot = this.fieldMap.fromBitrixDeal(created.deal);
      return { ...dealFieldsFromBitrix(snapshot, responsible), ...local, bitrixContactId: created.bitrixContactId ?? snapshot.bitrixContactId, bitrixModifiedAt: snapshot.bitrixModifiedAt };
    }
    return {
      ...local,
      title: dto.title,
      description: dto.description ?? null,
      stageId: this.fieldMap.stages.new,
      opened: 'Y',
      closed: 'N',
      closeDate: null,
      dateDeadline: slaDeadlineFor(dto.priority, openedAt),
      beginDate: openedAt,
      requesterDepartment: dto.requester_department ?? requester.department,
      assigneeDepartment: dto.assignee_department ?? null,
      serviceCategory: dto.service_category,
      systemType: dto.system_type ?? null,
      priority: dto.priority,
      matricula: dto.matricula ?? requester.matricula,
      requesterEmail: dto.email ?? requester.email,
      responsible: responsible?.name ?? null,
      responsibleEmail: responsible?.email ?? null,
      responsibleId: responsible?.localUserId ?? null,
      responsibleBitrixId: responsible?.bitrixUserId ?? null,
      createdAt: openedAt,
      bitrixModifiedAt: null,
    };
  }

  /** The closed ticket's columns; the close time is Bitrix's won-stage move (MOVED_TIME) when read back. */
  private mirrorOfClosedTicket(bitrixDeal: BitrixDeal | null, dto: TicketCloseDto, closedAt: Date): Partial<Deal> {
    const snapshot = bitrixDeal ? this.fieldMap.fromBitrixDeal(bitrixDeal) : null;
    const values: Partial<Deal> = {
      stageId: snapshot?.stageId ?? this.fieldMap.stages.won,
      closed: 'Y',
      closeDate: snapshot?.closeDate ?? closedAt,
      rating: dto.rating ?? null,
      ratingComment: dto.comment ?? null,
    };
    if (snapshot) {
      values.modifyById = snapshot.modifyById;
      values.movedById = snapshot.movedById;
      values.bitrixModifiedAt = snapshot.bitrixModifiedAt;
    }
    return values;
  }

  private async deliverBySmtp(principal: AuthUser, dto: TicketSendEmailDto, files: DecodedAttachment[]): Promise<void> {
    await this.mail.send({
      to: dto.to_email,
      subject: dto.subject,
      text: dto.message,
      // The SMTP sender stays the helpdesk's own address; the address the user chose receives replies.
      replyTo: dto.from_email ?? principal.user.email,
      attachments: files.map((f) => ({ filename: f.filename, content: f.bytes })),
    });
  }

  private async replayCreatedTicket(bitrixDealId: number, stored: unknown): Promise<DealCardCreateDto> {
    const deal = await this.deals.findByBitrixId(bitrixDealId);
    if (!deal) return stored as DealCardCreateDto;
    return this.presenter.createCard(deal, await this.deals.findFiles(deal.id));
  }
}

function fileRowsOf(stored: StoredAttachment[], bitrixFileIds: (number | null)[]): NewFileRow[] {
  return stored.map((f, i) => ({ storageKey: f.storageKey, filename: f.filename, bitrixFileId: bitrixFileIds[i] ?? null }));
}

/** Author columns of an activity written by a local user. */
function authorOf(user: User) {
  const bitrixId = user.bitrixUserId ? String(user.bitrixUserId) : null;
  return { responsibleId: bitrixId, responsibleName: user.fullName, responsibleEmail: user.email, authorId: bitrixId };
}
