import request from 'supertest';
import { startTestStack, TestStack } from '../support/test-stack';
import { createUser, TestUser } from '../support/users';
import { localDeal, unfinishedJobs, fastWebhookEnv, waitFor } from './webhook-test-kit';

describe('Webhook failed events: list and replay (e2e)', () => {
  let stack: TestStack;
  let admin: TestUser;
  let user: TestUser;

  beforeAll(async () => {
    // No retries: the first failure is final, so the test does not wait for backoff.
    stack = await startTestStack({ bitrix: true, env: { ...fastWebhookEnv({ WEBHOOK_RETRY_LIMIT: '0' }), BITRIX_MAX_RETRIES: '0' } });
    admin = await createUser(stack, { admin: true });
    user = await createUser(stack);
  });
  afterAll(async () => {
    await stack?.close();
  });

  const bitrix = () => stack.bitrix!;
  const asAdmin = (req: request.Test) => req.set('Cookie', admin.cookies.join('; '));

  it('lists an event that exhausted its retries and replays it', async () => {
    bitrix().pauseEvents();
    const id = Number(bitrix().createDeal({ TITLE: 'vai falhar' }).ID);
    bitrix().failNext(1, 'error', { method: 'batch', status: 401, error: 'ACCESS_DENIED', errorDescription: 'Access denied' });
    bitrix().resumeEvents();
    await bitrix().flush();
    await waitFor('queue settled', async () => (await unfinishedJobs(stack)) === 0);

    const list = await asAdmin(request(stack.url).get('/webhook-bitrix24/failed')).expect(200);
    expect(list.body.total).toBe(1);
    const failed = list.body.items[0];
    expect(failed).toMatchObject({ event: 'ONCRMDEALADD', kind: 'deal', bitrix_id: id, attempts: 1 });
    expect(failed.error).toMatch(/BitrixAuthError|autentica/i);
    expect(await localDeal(stack, id)).toBeUndefined();

    await request(stack.url).get('/webhook-bitrix24/failed').set('Cookie', user.cookies.join('; ')).expect(403);
    await request(stack.url).get('/webhook-bitrix24/failed').expect(401);
    await asAdmin(request(stack.url).post('/webhook-bitrix24/failed/not-a-uuid/replay')).expect(400);
    await asAdmin(request(stack.url).post('/webhook-bitrix24/failed/5f0c3b9e-8d6a-4c1e-9a53-2f1d0c7b6a11/replay')).expect(404);

    const replay = await asAdmin(request(stack.url).post(`/webhook-bitrix24/failed/${failed.id}/replay`)).expect(202);
    expect(replay.body.replay_of).toBe(failed.id);
    await waitFor('replayed deal mirrored', async () => (await localDeal(stack, id))?.title === 'vai falhar');
    const after = await asAdmin(request(stack.url).get('/webhook-bitrix24/failed')).expect(200);
    expect(after.body.total).toBe(0);
  });

  it('replays every failed event at once', async () => {
    bitrix().pauseEvents();
    const ids = [1, 2].map((n) => Number(bitrix().createDeal({ TITLE: `lote ${n}` }).ID));
    bitrix().failNext(1, 'error', { method: 'batch', status: 401, error: 'ACCESS_DENIED' });
    bitrix().resumeEvents();
    await bitrix().flush();
    await waitFor('queue settled', async () => (await unfinishedJobs(stack)) === 0);
    const list = await asAdmin(request(stack.url).get('/webhook-bitrix24/failed')).expect(200);
    expect(list.body.total).toBe(2);
    const res = await asAdmin(request(stack.url).post('/webhook-bitrix24/failed/replay')).expect(202);
    expect(res.body.replayed).toBe(2);
    for (const id of ids) await waitFor(`deal ${id} mirrored`, async () => (await localDeal(stack, id)) !== undefined);
  });
});
