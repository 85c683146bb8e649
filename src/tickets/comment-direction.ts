import type { ActivityDirection } from '../bitrix/bitrix-activity.mapper';
import type { Deal } from './entities/deal.entity';

/**
 * Which way a timeline comment goes (Bitrix keeps no direction for comments): `incoming` when its author is
 * the ticket's requester and not IT staff on it (neither its responsible nor an admin), `outgoing` for
 * everyone else, including a portal user with no local account (IT staff working in Bitrix24).
 */
export function commentDirection(author: { id: number; isAdmin: boolean } | null, deal: Pick<Deal, 'userId' | 'responsibleId'>): ActivityDirection {
  if (!author) return 'outgoing';
  const isRequester = deal.userId === author.id;
  const isStaff = author.isAdmin || deal.responsibleId === author.id;
  return isRequester && !isStaff ? 'incoming' : 'outgoing';
}
