import { commentDirection } from './comment-direction';

describe('commentDirection', () => {
  const deal = { userId: 10, responsibleId: 20 };

  it('is incoming from the requester', () => {
    expect(commentDirection({ id: 10, isAdmin: false }, deal)).toBe('incoming');
  });

  it('is outgoing from the responsible, an admin, or a portal user without an account', () => {
    expect(commentDirection({ id: 20, isAdmin: false }, deal)).toBe('outgoing');
    expect(commentDirection({ id: 30, isAdmin: true }, deal)).toBe('outgoing');
    expect(commentDirection(null, deal)).toBe('outgoing');
  });

  it('is outgoing from staff commenting on a ticket they opened and answer themselves', () => {
    expect(commentDirection({ id: 20, isAdmin: false }, { userId: 20, responsibleId: 20 })).toBe('outgoing');
    expect(commentDirection({ id: 10, isAdmin: true }, deal)).toBe('outgoing');
  });
});
