import request from 'supertest';
import { startTestStack, TestStack } from '../support/test-stack';
import { createUser } from '../support/users';
import {
  BroadcastSpy,
  jobCount,
  localDeal,
  postWebhook,
  spyOnBroadcasts,
  settleEvents,
  unfinishedJobs,
  fastWebhookEnv,
  waitFor,
  webhookForm,
} from './webhook-test-kit';

describe('Webhook from Bitrix24 (e2e: emulator → app → PostgreSQL/S3)', () => {
  let stack: TestStack;
  let spy: BroadcastSpy;
  let token: string;

  beforeAll(async () => {
    stack = await startTestStack({
      bitrix: true,
      env: { ...fastWebhookEnv({ WEBHOOK_RETRY_LIMIT: '4' }), BITRIX_MAX_RETRIES: '1', BITRIX_RETRY_BUDGET_MS: '500' },
    });
    spy = spyOnBroadcasts(stack);
    token = stack.env.BITRIX_APP_TOKEN;
  });
  afterAll(async () => {
    await stack?.close();
  });

  const bitrix = () => stack.bitrix!;
  const settle = () => settleEvents(stack);

  describe('intake', () => {
    it('answers "OK" to a form-encoded event and stores it', async () => {
      const before = await jobCount(stack);
      const res = await postWebhook(stack, webhookForm('ONCRMDEALUPDATE', 999999, token)).expect(200);
      expect(res.body).toBe('OK');
      expect(res.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'cache-control': 'no-store', 'x-request-id': expect.any(String) });
      expect(await jobCount(stack)).toBe(before + 1);
      await settle();
    });

    it('accepts JSON of the same structure, nested or with PHP-style keys, and any case of the event name', async () => {
      const before = await jobCount(stack);
      await request(stack.url)
        .post('/webhook-bitrix24')
        .send({ event: 'onCrmDealUpdate', data: { FIELDS: { ID: '999998' } }, auth: { application_token: token } })
        .expect(200);
      await request(stack.url).post('/webhook-bitrix24').send({ event: 'ONCRMDEALUPDATE', 'data[FIELDS][ID]': '999997', 'auth[application_token]': token }).expect(200);
      expect(await jobCount(stack)).toBe(before + 2);
      await settle();
    });

    it('rejects a wrong or missing token with 401 and stores nothing', async () => {
      const before = await jobCount(stack);
      const wrong = await postWebhook(stack, webhookForm('ONCRMDEALUPDATE', 1001, `${token}x`)).expect(401);
      expect(wrong.body.statusCode).toBe(401);
      const form = webhookForm('ONCRMDEALUPDATE', 1001, token);
      delete form['auth[application_token]'];
      await postWebhook(stack, form).expect(401);
      await postWebhook(stack, webhookForm('SOMETHINGELSE', 1, 'nope')).expect(401);
      expect(await jobCount(stack)).toBe(before);
    });

    it('answers 4xx (never 5xx) to malformed bodies and stores nothing', async () => {
      const before = await jobCount(stack);
      await postWebhook(stack, webhookForm('ONCRMDEALUPDATE', 'abc', token)).expect(400);
      await postWebhook(stack, webhookForm('ONCRMDEALUPDATE', '-5', token)).expect(400);
      await postWebhook(stack, { 'auth[application_token]': token, 'data[FIELDS][ID]': '1' }).expect(400);
      await postWebhook(stack, { ...webhookForm('ONCRMDEALUPDATE', 1, token), 'data[FIELDS]': 'flat' }).expect(400);
      const badJson = await request(stack.url).post('/webhook-bitrix24').set('Content-Type', 'application/json').send('{"event": "ONCRM').expect((r) => {
        expect(r.status).toBeGreaterThanOrEqual(400);
        expect(r.status).toBeLessThan(500);
      });
      expect(badJson.status).toBe(400);
      const text = await request(stack.url).post('/webhook-bitrix24').set('Content-Type', 'text/plain').send('event=ONCRMDEALADD');
      expect(text.status).toBeGreaterThanOrEqual(400);
      expect(text.status).toBeLessThan(500);
      expect(await jobCount(stack)).toBe(before);
    });

    it('documents the webhook and the admin endpoints in Swagger', async () => {
      const doc = await request(stack.url).get('/docs-json').expect(200);
      expect(Object.keys(doc.body.paths)).toEqual(
        expect.arrayContaining(['/webhook-bitrix24', '/webhook-bitrix24/failed', '/webhook-bitrix24/failed/replay', '/webhook-bitrix24/failed/{id}/replay']),
      );
    });

    it('answers a burst of concurrent form posts, each with its own request id, and accounts for every event', async () => {
      const counted = async (): Promise<number> => {
        const rows: { n: string }[] = await stack.dataSource.query(
          `SELECT (SELECT coalesce(sum(coalesce((data->>'events')::int, 1)), 0) FROM pgboss.job WHERE name = 'bitrix-webhook-event')
                + (SELECT count(*) FROM webhook_inbox) AS n`,
        );
        return Number(rows[0].n);
      };
      const before = await counted();
      // 150 events about 3 deals: concurrent inbox writes share INSERTs, the relay folds them into few jobs.
      const responses = await Promise.all(Array.from({ length: 150 }, (_, n) => postWebhook(stack, webhookForm('ONCRMDEALUPDATE', 999_990 + (n % 3), token))));
      expect(responses.map((r) => r.status)).toEqual(Array(150).fill(200));
      expect(new Set(responses.map((r) => r.headers['x-request-id'])).size).toBe(150);
      expect(await counted()).toBe(before + 150);
      await settle();
      expect(await counted()).toBe(before + 150);
    });

    it('answers 415 to a form in another charset and 413 to a form over 1 MB, as JSON errors', async () => {
      const before = await jobCount(stack);
      const latin1 = await request(stack.url)
        .post('/webhook-bitrix24')
        .set('Content-Type', 'application/x-www-form-urlencoded; charset=iso-8859-1')
        .send('event=ONCRMDEALUPDATE')
        .expect(415);
      expect(latin1.body).toMatchObject({ statusCode: 415, request_id: latin1.headers['x-request-id'] });
      const huge = await request(stack.url)
        .post('/webhook-bitrix24')
        .type('form')
        .send(`event=ONCRMDEALUPDATE&padding=${'x'.repeat(1024 * 1024)}`)
        .expect(413);
      expect(huge.body.statusCode).toBe(413);
      expect(await jobCount(stack)).toBe(before);
    });

    it('records form posts in the route latency metric', async () => {
      await postWebhook(stack, webhookForm('ONCRMLEADADD', 5, token)).expect(200);
      const metrics = await request(stack.url).get('/metrics').expect(200);
      expect(metrics.text).toMatch(/http_request_duration_seconds_count\{method="POST",route="\/webhook-bitrix24",status_code="200"\} [1-9]/);
    });

    it('answers 503 without acknowledging when the inbox cannot be written, and accepts again once it can', async () => {
      const before = await jobCount(stack);
      await stack.dataSource.query('ALTER TABLE webhook_inbox RENAME TO webhook_inbox_away');
      try {
        const res = await postWebhook(stack, webhookForm('ONCRMDEALUPDATE', 999_980, token)).expect(503);
        expect(res.body).toMatchObject({ statusCode: 503, detail: expect.stringContaining('tente novamente') });
      } finally {
        await stack.dataSource.query('ALTER TABLE webhook_inbox_away RENAME TO webhook_inbox');
      }
      expect(await jobCount(stack)).toBe(before);
      await postWebhook(stack, webhookForm('ONCRMDEALUPDATE', 999_980, token)).expect(200);
      expect(await jobCount(stack)).toBe(before + 1);
      await settle();
    });

    it('answers 200 to an unknown event and ignores it', async () => {
      const before = await jobCount(stack);
      const res = await postWebhook(stack, webhookForm('ONCRMLEADADD', 5, token)).expect(200);
      expect(res.body).toBe('OK');
      expect(await jobCount(stack)).toBe(before);
    });
  });

  describe('mirroring', () => {
    it('mirrors a new deal with its responsible resolved by e-mail, then only real changes', async () => {
      const staff = await createUser(stack);
      bitrix().seedUser({ ID: 77, NAME: 'Joao', LAST_NAME: 'Tech', EMAIL: staff.email.toUpperCase() });
      spy.reset();
      const deal = bitrix().createDeal({ TITLE: 'Impressora parada', CATEGORY_ID: 19, ASSIGNED_BY_ID: 77, UF_CRM_1701707001: '1557' });
      const id = Number(deal.ID);
      await settle();
      const row = await localDeal(stack, id);
      expect(row).toMatchObject({ title: 'Impressora parada', responsible_id: staff.id, responsible: 'Joao Tech', priority: 'Crítico', deleted_at: null });
      expect(spy.created).toEqual([expect.objectContaining({ event: 'new_ticket', deal_id: id, title: 'Impressora parada', priority: 'Crítico' })]);

      spy.reset();
      bitrix().moveDealStage(id, 'C19:WON');
      await settle();
      expect((await localDeal(stack, id))?.closed).toBe('Y');
      expect(spy.updated).toHaveLength(1);
      expect(spy.updated[0].changes).toMatchObject({ closed: 'Y', stage_id: expect.stringMatching(/WON$/) });
      expect(spy.updated[0].changes).not.toHaveProperty('title');

      // A duplicate delivery re-reads an unchanged deal: nothing is written or broadcast.
      spy.reset();
      bitrix().emitEvent('ONCRMDEALUPDATE', { FIELDS: { ID: String(id) } });
      await settle();
      expect(spy.updated).toHaveLength(0);
      expect(spy.created).toHaveLength(0);
    });

    it('marks a deleted deal with deleted_at, whatever order DELETE and UPDATE arrive in', async () => {
      const id = Number(bitrix().createDeal({ TITLE: 'Para apagar' }).ID);
      await settle();
      bitrix().deleteDeal(id);
      bitrix().emitEvent('ONCRMDEALUPDATE', { FIELDS: { ID: String(id) } });
      await settle();
      expect((await localDeal(stack, id))?.deleted_at).toBeInstanceOf(Date);
    });

    it('mirrors an activity with its files into S3, marks the deal unread and announces it once', async () => {
      const id = Number(bitrix().createDeal({ TITLE: 'Com anexo' }).ID);
      await settle();
      spy.reset();
      const pdf = Buffer.from('%PDF-1.4 conteudo de teste');
      const activity = bitrix().addActivity(id, { SUBJECT: 'Re: chamado', DESCRIPTION: 'segue o log', files: [{ name: 'log.pdf', content: pdf }] });
      await settle();
      const rows: { id: number; subject: string; deal_id: number }[] = await stack.dataSource.query(
        `SELECT id, subject, deal_id FROM activities WHERE bitrix_source = 'activity' AND activity_id = $1`,
        [Number(activity.ID)],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0].subject).toBe('Re: chamado');
      const files: { file_url: string; filename: string }[] = await stack.dataSource.query('SELECT file_url, filename FROM activity_files WHERE activity_id = $1', [rows[0].id]);
      expect(files).toEqual([expect.objectContaining({ filename: 'log.pdf' })]);
      expect(stack.s3.keys()).toContain(files[0].file_url);
      expect((await localDeal(stack, id))?.is_unread).toBe(true);
      expect(spy.activities).toHaveLength(1);
      expect(spy.activities[0]).toMatchObject({ deal_id: id, activity: { activity_id: Number(activity.ID) } });

      // ONCRMACTIVITYUPDATE and the seed's ONIMEMAILMESSAGEADD re-read the same activity: no duplicate row, file or broadcast.
      bitrix().emitEvent('ONCRMACTIVITYUPDATE', { FIELDS: { ID: String(activity.ID) } });
      bitrix().emitEvent('ONIMEMAILMESSAGEADD', { FIELDS: { ID: String(activity.ID) } });
      await settle();
      const again: { n: number }[] = await stack.dataSource.query('SELECT count(*)::int AS n FROM activity_files WHERE activity_id = $1', [rows[0].id]);
      expect(again[0].n).toBe(1);
      expect(spy.activities).toHaveLength(1);
    });

    it('mirrors a timeline comment (data[ID]) with its file', async () => {
      const id = Number(bitrix().createDeal({ TITLE: 'Comentario' }).ID);
      const comment = bitrix().addComment(id, 'Estou analisando', [{ name: 'print.png', content: Buffer.from('PNGDATA') }]);
      await settle();
      const rows: { id: number; description: string; type_id: string }[] = await stack.dataSource.query(
        `SELECT id, description, type_id FROM activities WHERE bitrix_source = 'comment' AND activity_id = $1`,
        [Number(comment.ID)],
      );
      expect(rows).toEqual([expect.objectContaining({ description: 'Estou analisando', type_id: '2' })]);
      const files: { filename: string }[] = await stack.dataSource.query('SELECT filename FROM activity_files WHERE activity_id = $1', [rows[0].id]);
      expect(files.map((f) => f.filename)).toEqual(['print.png']);
    });

    it('mirrors the deal first when an activity arrives before its deal', async () => {
      bitrix().setEventFaults({ dropNext: 1 });
      const id = Number(bitrix().createDeal({ TITLE: 'ADD perdido' }).ID);
      await bitrix().flush();
      expect(await localDeal(stack, id)).toBeUndefined();
      bitrix().addActivity(id, { SUBJECT: 'primeiro contato' });
      await settle();
      expect(await localDeal(stack, id)).toMatchObject({ title: 'ADD perdido' });
    });

    it('ends in the portal state with duplicated and reordered deliveries', async () => {
      const ids = [1, 2, 3].map((n) => Number(bitrix().createDeal({ TITLE: `ordem ${n}` }).ID));
      await settle();
      bitrix().setEventFaults({ duplicate: true, reorder: { window: 12, mode: 'reverse' } });
      for (let round = 1; round <= 4; round++) for (const id of ids) bitrix().updateDeal(id, { TITLE: `ordem ${id} v${round}` });
      await bitrix().flush();
      bitrix().clearEventFaults();
      await settle();
      for (const id of ids) expect((await localDeal(stack, id))?.title).toBe(`ordem ${id} v4`);
    });

    it('keeps events while Bitrix is down and processes them when it is back', async () => {
      const id = Number(bitrix().createDeal({ TITLE: 'antes da queda' }).ID);
      await settle();
      bitrix().failNext(4, 'http500');
      bitrix().updateDeal(id, { TITLE: 'durante a queda' });
      await bitrix().flush();
      await waitFor('deal healed after outage', async () => (await localDeal(stack, id))?.title === 'durante a queda', 20000);
      expect(bitrix().pendingFaults()).toHaveLength(0);
    });
  });
});
