import { Injectable } from '@nestjs/common';
import { BitrixFieldMap } from '../bitrix/bitrix-field-map';
import { AppConfig } from '../config/app-config';
import { RuleViolationError } from '../common/domain-error';
import { DEFAULT_CHANNEL_EVENTS, NotificationChannelCreateDto, NotificationChannelDto, NotificationChannelUpdateDto } from './dto/notification-channel.dto';
import { NotificationPreferencesDto, NotificationPreferencesUpdateDto } from './dto/notification-preferences.dto';
import { NOTIFICATION_EVENTS, NotificationEvent } from './notification-contract';
import { ALL_DEPARTMENTS, DepartmentChannelRow, NotificationDestinationsRepository, PERSONAL_CHANNELS, PersonalChannel, WEBHOOK_KINDS } from './notification-destinations.repository';
import { checkWebhookUrl, maskWebhookUrl, WebhookUrlCipher } from './webhook-url';

/**
 * Where notifications go, as admins (department channels) and people (their preferences and personal webhooks)
 * set it. Webhook URLs are checked (https), sealed before they are stored, and only ever shown masked.
 */
@Injectable()
export class NotificationSettingsService {
  constructor(
    private readonly destinations: NotificationDestinationsRepository,
    private readonly cipher: WebhookUrlCipher,
    private readonly fieldMap: BitrixFieldMap,
    private readonly config: AppConfig,
  ) {}

  private checkUrl(field: string, value: string): string {
    return checkWebhookUrl(field, value, this.config.notifications.webhookHosts);
  }

  // --- department channels (admin) --------------------------------------------------------------

  async listChannels(): Promise<NotificationChannelDto[]> {
    return (await this.destinations.listChannels()).map(channelOut);
  }

  async createChannel(dto: NotificationChannelCreateDto): Promise<NotificationChannelDto> {
    const url = this.checkUrl('url', dto.url);
    const created = await this.destinations.insertChannel({
      department: this.department(dto.department),
      kind: dto.kind,
      urlSealed: this.cipher.seal(url),
      urlHint: maskWebhookUrl(url),
      events: dto.events ?? DEFAULT_CHANNEL_EVENTS,
      enabled: dto.enabled ?? true,
    });
    return channelOut(created);
  }

  async updateChannel(id: number, dto: NotificationChannelUpdateDto): Promise<NotificationChannelDto> {
    const url = dto.url === undefined ? undefined : this.checkUrl('url', dto.url);
    const updated = await this.destinations.updateChannel(id, {
      department: dto.department === undefined ? undefined : this.department(dto.department),
      kind: dto.kind,
      urlSealed: url && this.cipher.seal(url),
      urlHint: url && maskWebhookUrl(url),
      events: dto.events,
      enabled: dto.enabled,
    });
    if (!updated) throw notFound(id);
    return channelOut(updated);
  }

  async deleteChannel(id: number): Promise<void> {
    if (!(await this.destinations.deleteChannel(id))) throw notFound(id);
  }

  /** `*`, or an assignee department (the portal's label when the field map enumerates them). */
  private department(value: string): string {
    const department = value.trim();
    if (department === ALL_DEPARTMENTS) return department;
    const known = this.fieldMap.enumLabels('assigneeDepartment');
    if (!known) return department;
    const label = known.find((k) => k.toLowerCase() === department.toLowerCase());
    if (!label) throw new RuleViolationError('INVALID_VALUE', 'department', `departamento responsável desconhecido: ${known.join(', ')} ou *`);
    return label;
  }

  // --- a person's preferences -------------------------------------------------------------------

  async preferencesOf(userId: number): Promise<NotificationPreferencesDto> {
    const [choices, webhooks] = await Promise.all([
      this.destinations.preferences(this.destinations.manager, [userId]),
      this.destinations.personalWebhooks(this.destinations.manager, [userId]),
    ]);
    const mine = choices.get(userId) ?? new Map<string, boolean>();
    const events = Object.fromEntries(
      NOTIFICATION_EVENTS.map((event) => [event, Object.fromEntries(PERSONAL_CHANNELS.map((channel) => [channel, mine.get(`${event}:${channel}`) ?? true]))]),
    ) as unknown as NotificationPreferencesDto['events'];
    const hint = (kind: string) => webhooks.find((w) => w.kind === kind)?.urlHint ?? null;
    return { events, teams_url_hint: hint('teams'), slack_url_hint: hint('slack') };
  }

  async updatePreferences(userId: number, dto: NotificationPreferencesUpdateDto): Promise<NotificationPreferencesDto> {
    const choices: { event: NotificationEvent; channel: PersonalChannel; enabled: boolean }[] = [];
    for (const event of NOTIFICATION_EVENTS) {
      const toggles = dto.events?.[event];
      for (const channel of PERSONAL_CHANNELS) {
        const enabled = toggles?.[channel];
        if (typeof enabled === 'boolean') choices.push({ event, channel, enabled });
      }
    }
    const urls = WEBHOOK_KINDS.map((kind) => {
      const value = dto[`${kind}_url`];
      if (value === undefined) return null;
      if (value === null) return { kind, sealed: null };
      const url = this.checkUrl(`${kind}_url`, value);
      return { kind, sealed: { urlSealed: this.cipher.seal(url), urlHint: maskWebhookUrl(url) } };
    });
    await this.destinations.transaction(async (manager) => {
      await this.destinations.setPreferences(manager, userId, choices);
      for (const change of urls) if (change) await this.destinations.setPersonalWebhook(manager, userId, change.kind, change.sealed);
    });
    return this.preferencesOf(userId);
  }
}

function channelOut(row: DepartmentChannelRow): NotificationChannelDto {
  return { id: row.id, department: row.department, kind: row.kind, url_hint: row.urlHint, events: row.events, enabled: row.enabled, created_at: row.createdAt, updated_at: row.updatedAt };
}

function notFound(id: number): RuleViolationError {
  return new RuleViolationError('NOT_FOUND', 'id', `canal de notificação ${id} não encontrado`);
}
