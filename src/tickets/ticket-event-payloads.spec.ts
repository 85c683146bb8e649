import type { Activity } from './entities/activity.entity';
import type { Deal } from './entities/deal.entity';
import { audienceOf, dealUpdatedEvent, newCommentEvent, newTicketEvent } from './ticket-event-payloads';

const deal = {
  id: 1,
  bitrixDealId: 837,
  title: 'Erro ao emitir NF-e',
  priority: 'Crítico',
  requesterEmail: 'maria@carvalima.com',
  userId: 10,
  responsibleId: 20,
  stageId: 'C19:NEW',
  closed: 'N',
} as Deal;

const activity = {
  id: 456,
  bitrixActivityId: 9876,
  typeId: '2',
  description: 'Estou analisando o problema...',
  responsibleName: 'João Tech',
  createdAtBitrix: new Date('2024-01-15T11:00:00Z'),
  createdAt: new Date('2024-01-15T11:00:03Z'),
  direction: 'outgoing',
  subject: null,
} as Activity;

describe('socket event builders (seed §7.3)', () => {
  it('new_ticket: the seed payload, the requester by name, else by e-mail', () => {
    expect(newTicketEvent(deal, 'Maria Santos')).toEqual({ event: 'new_ticket', deal_id: 837, title: 'Erro ao emitir NF-e', priority: 'Crítico', requester: 'Maria Santos' });
    expect(newTicketEvent(deal, null).requester).toBe('maria@carvalima.com');
  });

  it('new_comment: the seed activity fields (created_at is Bitrix’s), plus direction, subject and presigned files', () => {
    const files = [{ id: 3, filename: 'log.pdf', file_url: 'https://s3.example/log.pdf?X-Amz-Signature=abc' }];
    expect(newCommentEvent(deal, activity, files)).toEqual({
      event: 'new_comment',
      deal_id: 837,
      activity: {
        id: 456,
        activity_id: 9876,
        type_id: '2',
        description: 'Estou analisando o problema...',
        responsible_name: 'João Tech',
        created_at: '2024-01-15T11:00:00.000Z',
        direction: 'outgoing',
        subject: null,
        files,
      },
    });
    expect(newCommentEvent(deal, { ...activity, createdAtBitrix: null } as Activity, []).activity.created_at).toBe('2024-01-15T11:00:03.000Z');
  });

  it('deal_updated: only real changes of SPA fields, none at all for no change', () => {
    expect(dealUpdatedEvent(deal, { ...deal, stageId: 'C19:WON', closed: 'Y' } as Deal)).toEqual({
      event: 'deal_updated',
      deal_id: 837,
      changes: { stage_id: 'C19:WON', closed: 'Y' },
    });
    expect(dealUpdatedEvent(deal, { ...deal, responsibleId: 21 } as Deal)).toBeNull();
  });

  it('audience: the requester and the responsible (local user IDs)', () => {
    expect(audienceOf(deal)).toEqual({ requesterUserId: 10, responsibleUserId: 20 });
  });
});
