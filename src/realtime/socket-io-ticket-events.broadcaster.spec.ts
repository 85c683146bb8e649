import { Logger } from '@nestjs/common';
import type { RealtimeGateway } from './realtime.gateway';
import { ADMINS_ROOM, feedRoomsOf, userRoom } from './realtime-rooms';
import { SocketIoTicketEventsBroadcaster } from './socket-io-ticket-events.broadcaster';

describe('SocketIoTicketEventsBroadcaster', () => {
  it('never throws into the caller, and logs the failure', async () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const failing = {
      get server(): never {
        throw new Error('boom');
      },
    } as unknown as RealtimeGateway;
    const broadcaster = new SocketIoTicketEventsBroadcaster(failing);
    await expect(
      broadcaster.ticketCreated({ requesterUserId: 1, responsibleUserId: null }, { event: 'new_ticket', deal_id: 1, title: null, priority: null, requester: null }),
    ).resolves.toBeUndefined();
    await expect(broadcaster.dealUpdated({ requesterUserId: 1, responsibleUserId: 2 }, { event: 'deal_updated', deal_id: 1, changes: {} })).resolves.toBeUndefined();
    expect(error).toHaveBeenCalledTimes(3);
    error.mockRestore();
  });
});

describe('feedRoomsOf', () => {
  it('addresses the admins, the requester and the responsible, once each', () => {
    expect(feedRoomsOf({ requesterUserId: 3, responsibleUserId: 4 })).toEqual([ADMINS_ROOM, userRoom(3), userRoom(4)]);
    expect(feedRoomsOf({ requesterUserId: 3, responsibleUserId: 3 })).toEqual([ADMINS_ROOM, userRoom(3)]);
    expect(feedRoomsOf({ requesterUserId: null, responsibleUserId: null })).toEqual([ADMINS_ROOM]);
  });
});
