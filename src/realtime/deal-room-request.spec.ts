import { parseDealRoomRequest } from './deal-room-request';

describe('parseDealRoomRequest', () => {
  it.each([
    [{ deal_id: 837 }, 837],
    [{ deal_id: 2_147_483_647 }, 2_147_483_647],
  ])('reads %j as %d', (payload, expected) => {
    expect(parseDealRoomRequest(payload)).toBe(expected);
  });

  it.each([[undefined], [null], ['837'], [837], [[837]], [{}], [{ deal_id: null }], [{ deal_id: 'abc' }], [{ deal_id: '837' }], [{ deal_id: ' 837 ' }], [{ deal_id: 1e300 }], [{ deal_id: '8e2' }], [{ deal_id: 0 }], [{ deal_id: -5 }], [{ deal_id: 1.5 }], [{ deal_id: 2_147_483_648 }], [{ deal_id: Number.NaN }], [{ deal_id: true }]])(
    'refuses %j',
    (payload) => {
      expect(parseDealRoomRequest(payload)).toBeNull();
    },
  );
});
