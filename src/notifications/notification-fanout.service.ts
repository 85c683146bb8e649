import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { RolesService } from '../roles/roles.service';
import type { NotificationEvent, TicketNotice } from './notification-contract';
import { NotificationDestinationsRepository, PersonalChannel, PreferenceMap } from './notification-destinations.repository';
import { NewDelivery, NotificationEventRow, NotificationOutboxRepository } from './notification-outbox.repository';
import { DELIVERY_QUEUE, NotificationQueue } from './notification-queue.service';
import { PushSubscriptionsService } from './push/push.module';

interface TicketRow {
  deal_id: number;
  title: string | null;
  priority: string | null;
  assignee_department: string | null;
  date_deadline: Date | null;
  user_id: number | null;
  responsible_id: number | null;
  requester_email: string | null;
  requester_name: string | null;
  deleted_at: Date | null;
}

/**
 * Who receives a notification event (issue #19), worked out once per event in one transaction that writes its
 * deliveries, their jobs and marks it done, so a fan-out that runs again adds nothing:
 * - new ticket: the assignee department's channels, and its agents and leads (not the requester);
 * - Crítico/Alto opened (`ticket_urgent`, instead of `ticket_created`): the same, and the department's channels
 *   even when they left `ticket_created` out (an urgent ticket always reaches the department);
 * - comment or e-mail: the requester and the responsible, not the author;
 * - closed: the requester (not when they closed it themselves);
 * - SLA about to breach / breached: the responsible and the department's channels.
 * People are reached on their personal Teams/Slack webhooks and their browsers (push), each unless they turned
 * that event off for that channel.
 */
@Injectable()
export class NotificationFanout {
  constructor(
    private readonly outbox: NotificationOutboxRepository,
    private readonly destinations: NotificationDestinationsRepository,
    private readonly roles: RolesService,
    private readonly queue: NotificationQueue,
    private readonly config: AppConfig,
    private readonly pushSubscriptions: PushSubscriptionsService,
  ) {}

  /** Returns the number of deliveries written (0 when the event was fanned out already). */
  async fanOut(eventId: string): Promise<number> {
    return this.destinations.transaction(async (manager) => {
      const event = await this.outbox.lockEvent(manager, eventId);
      if (!event || event.fannedOut) return 0;
      const ticket = await ticketOf(manager, event.bitrixDealId);
      const deliveries = ticket && !ticket.deleted_at ? await this.deliveriesOf(manager, event, ticket) : [];
      const inserted = await this.outbox.insertDeliveries(manager, event, deliveries);
      await this.queue.insertInTransaction(
        manager,
        inserted.map((d) => ({ name: DELIVERY_QUEUE, data: { deliveryId: d.id, channel: d.channel, target: d.target } })),
      );
      await this.outbox.markFannedOut(manager, event.id);
      return inserted.length;
    });
  }

  private async deliveriesOf(manager: EntityManager, event: NotificationEventRow, ticket: TicketRow): Promise<NewDelivery[]> {
    const notice = this.noticeOf(event, ticket);
    const out: NewDelivery[] = [];
    // A department channel gets the events it selected (by default new tickets and SLA), and urgent tickets always.
    for (const channel of await this.destinations.channelsOfDepartment(manager, ticket.assignee_department)) {
      if (event.event === 'ticket_urgent' || channel.events.includes(event.event)) {
        out.push({ channel: channel.kind, target: `dept:${channel.id}`, recipientUserId: null, notice });
      }
    }
    const people = await this.destinations.activeUsers(manager, (await this.peopleFor(event, ticket)).filter((id) => id !== event.actorUserId));
    if (!people.length) return out;
    const preferences = await this.destinations.preferences(manager, people);
    const wants = (userId: number, channel: PersonalChannel) => isEnabled(preferences.get(userId), event.event, channel);
    for (const webhook of await this.destinations.personalWebhooks(manager, people)) {
      if (wants(webhook.userId, webhook.kind)) out.push({ channel: webhook.kind, target: `user:${webhook.userId}`, recipientUserId: webhook.userId, notice });
    }
    // A person's browsers are their push subscriptions (none while Web Push is off).
    const pushPeople = people.filter((id) => wants(id, 'push'));
    for (const subscription of pushPeople.length ? await this.pushSubscriptions.listForUsers(pushPeople) : []) {
      out.push({ channel: 'push', target: `sub:${subscription.id}`, recipientUserId: subscription.userId, notice });
    }
    return out;
  }

  private async peopleFor(event: NotificationEventRow, ticket: TicketRow): Promise<number[]> {
    const ids = (...values: (number | null)[]) => [...new Set(values.filter((v): v is number => v !== null).map(Number))];
    switch (event.event) {
      case 'ticket_created':
      case 'ticket_urgent':
        if (!ticket.assignee_department) return [];
        return (await this.roles.usersWithRole(ticket.assignee_department, ['agent', 'lead'])).filter((id) => id !== ticket.user_id);
      case 'ticket_commented':
        return ids(ticket.user_id, ticket.responsible_id);
      case 'ticket_closed':
        return ids(ticket.user_id);
      case 'sla_warning':
      case 'sla_breached':
        return ids(ticket.responsible_id);
    }
  }

  private noticeOf(event: NotificationEventRow, ticket: TicketRow): TicketNotice {
    const notice: TicketNotice = {
      event: event.event,
      ticket: {
        number: Number(ticket.deal_id),
        title: ticket.title,
        priority: ticket.priority,
        requester: ticket.requester_name ?? ticket.requester_email,
        assigneeDepartment: ticket.assignee_department,
        deadline: ticket.date_deadline ? new Date(ticket.date_deadline).toISOString() : null,
        url: this.config.notifications.ticketLink(Number(ticket.deal_id)),
      },
    };
    if (event.comment) notice.comment = event.comment;
    return notice;
  }
}

function isEnabled(preferences: PreferenceMap | undefined, event: NotificationEvent, channel: PersonalChannel): boolean {
  return preferences?.get(`${event}:${channel}`) ?? true;
}

async function ticketOf(manager: EntityManager, bitrixDealId: number): Promise<TicketRow | null> {
  const rows = (await manager.query(
    `SELECT d.deal_id, d.title, d.priority, d.assignee_department, d.date_deadline, d.user_id, d.responsible_id, d.requester_email, d.deleted_at,
            u.full_name AS requester_name
     FROM deals d LEFT JOIN users u ON u.id = d.user_id WHERE d.deal_id = $1`,
    [bitrixDealId],
  )) as TicketRow[];
  return rows[0] ?? null;
}
