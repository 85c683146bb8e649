import type { DataSource } from 'typeorm';

let nextBitrixDealId = 800;

/** Inserts a ticket straight into `deals` and returns its Bitrix deal ID. */
export async function insertDeal(dataSource: DataSource, ticket: { requesterId: number | null; responsibleId?: number | null; title?: string }): Promise<number> {
  nextBitrixDealId += 1;
  await dataSource.query('INSERT INTO deals (deal_id, title, user_id, responsible_id, opened, closed) VALUES ($1, $2, $3, $4, $5, $6)', [
    nextBitrixDealId,
    ticket.title ?? `Ticket ${nextBitrixDealId}`,
    ticket.requesterId,
    ticket.responsibleId ?? null,
    'Y',
    'N',
  ]);
  return nextBitrixDealId;
}
