import { startTestStack, TestStack } from '../support/test-stack';
import { createUser, TestUser } from '../support/users';
import { as, countRows, PNG_1PX, ticketBody } from './ticket-test-kit';

/**
 * Upstream failures (SPEC §5, issue "Bad input and faults"): Bitrix timeout → 504, other Bitrix errors and
 * S3 failures → 502, each with a `detail`; nothing half-written locally, and stored attachments removed.
 * Also the EMAIL_DELIVERY=bitrix mode (Bitrix sends the e-mail, we do not).
 */
describe('Tickets upstream failures (e2e)', () => {
  let stack: TestStack;
  let requester: TestUser;
  let staff: TestUser;
  let staffBitrixId: number;

  beforeAll(async () => {
    stack = await startTestStack({
      bitrix: true,
      env: { BITRIX_TIMEOUT_MS: '400', BITRIX_RETRY_BUDGET_MS: '500', BITRIX_MAX_RETRIES: '0', EMAIL_DELIVERY: 'bitrix' },
    });
    [requester, staff] = await Promise.all([createUser(stack), createUser(stack, { overrides: { department: 'TI' } })]);
    staffBitrixId = Number(stack.bitrix!.seedUser({ NAME: 'Ana', LAST_NAME: 'Suporte', EMAIL: staff.email }).ID);
    stack.bitrix!.pauseEvents();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const bitrix = () => stack.bitrix!;
  const attachment = () => [{ filename: 'evidencia.png', content: PNG_1PX.toString('base64') }];

  async function snapshot() {
    return {
      deals: await countRows(stack.dataSource, 'deals'),
      dealFiles: await countRows(stack.dataSource, 'deal_files'),
      activities: await countRows(stack.dataSource, 'activities'),
      activityFiles: await countRows(stack.dataSource, 'activity_files'),
      s3: stack.s3.keys().length,
      bitrixDeals: bitrix().listDeals().length,
      bitrixDiskFiles: bitrix().files.filter((f) => f.origin === 'disk').length,
    };
  }

  it('Bitrix timeout on creation → 504 with a detail, nothing stored', async () => {
    const before = await snapshot();
    bitrix().failNext(1, 'timeout');
    const res = await as(stack, requester).post('/ticket', ticketBody({ attachments: attachment() })).expect(504);
    expect(res.body.detail).toMatch(/Timeout ao comunicar com o Bitrix24/);
    expect(await snapshot()).toEqual(before);
  });

  it('Bitrix 5xx → 502', async () => {
    const before = await snapshot();
    bitrix().failNext(1, 'http500');
    const res = await as(stack, requester).post('/ticket', ticketBody()).expect(502);
    expect(res.body.detail).toMatch(/Bitrix24/);
    expect(await snapshot()).toEqual(before);
  });

  it('Bitrix refuses the deal after the uploads → 502, S3 objects removed, Disk files to the trash, no local row', async () => {
    const before = await snapshot();
    bitrix().failNext(1, 'error', { method: 'crm.deal.add', errorDescription: 'Campo obrigatório ausente' });
    const res = await as(stack, requester).post('/ticket', ticketBody({ resp_id: String(staffBitrixId), attachments: attachment() })).expect(502);
    expect(res.body.detail).toContain('Campo obrigatório ausente');
    expect(res.body.orphaned_bitrix_file_ids).toBeUndefined();
    expect(await snapshot()).toEqual(before);
    expect(bitrix().stats.byMethod['disk.file.markdeleted']).toBeGreaterThanOrEqual(1);
    // The same request works once Bitrix accepts it.
    await as(stack, requester).post('/ticket', ticketBody({ resp_id: String(staffBitrixId), attachments: attachment() })).expect(201);
  });

  it('Disk files that cannot be trashed either are reported with their IDs', async () => {
    bitrix().failNext(1, 'error', { method: 'crm.deal.add', errorDescription: 'Campo obrigatório ausente' });
    bitrix().failNext(1, 'error', { method: 'disk.file.markdeleted', errorDescription: 'Acesso negado' });
    const res = await as(stack, requester).post('/ticket', ticketBody({ attachments: attachment() })).expect(502);
    expect(res.body.orphaned_bitrix_file_ids).toHaveLength(1);
    expect(res.body.detail).toContain(`IDs ${res.body.orphaned_bitrix_file_ids[0]}`);
    expect(bitrix().getFile(res.body.orphaned_bitrix_file_ids[0])).toBeDefined();
  });

  it('Bitrix error when closing → 502 and the local ticket stays open', async () => {
    const { body: ticket } = await as(stack, requester).post('/ticket', ticketBody({ resp_id: String(staffBitrixId) })).expect(201);
    bitrix().failNext(1, 'error', { method: 'crm.deal.update', errorDescription: 'Etapa inválida' });
    const res = await as(stack, requester).post('/close-ticket', { deal_id: ticket.deal_id, rating: 4 }).expect(502);
    expect(res.body.detail).toContain('Etapa inválida');
    const [row] = await stack.dataSource.query('SELECT closed, rating FROM deals WHERE deal_id = $1', [ticket.deal_id]);
    expect(row).toEqual({ closed: 'N', rating: null });
    expect(bitrix().getDeal(ticket.deal_id)!.STAGE_ID).toBe('C19:NEW');
  });

  it('Bitrix timeout on a comment with a file → 504, the S3 object removed, no activity', async () => {
    const { body: ticket } = await as(stack, requester).post('/ticket', ticketBody()).expect(201);
    const before = await snapshot();
    bitrix().failNext(1, 'timeout');
    const res = await as(stack, requester).post('/ticket/comment', { deal_id: ticket.deal_id, message: 'segue print', attachments: attachment() }).expect(504);
    expect(res.body.detail).toBeTruthy();
    expect(await snapshot()).toEqual(before);
  });

  it('database full after Bitrix accepted the deal → 503, the Bitrix deal and the S3 objects are removed, no row left', async () => {
    await stack.dataSource.query(
      `CREATE FUNCTION fail_deal_files() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'could not extend file' USING ERRCODE = 'disk_full'; END $$ LANGUAGE plpgsql`,
    );
    await stack.dataSource.query('CREATE TRIGGER fail_deal_files BEFORE INSERT ON deal_files FOR EACH ROW EXECUTE FUNCTION fail_deal_files()');
    try {
      const before = await snapshot();
      const res = await as(stack, requester).post('/ticket', ticketBody({ attachments: attachment() }), { 'Idempotency-Key': 'db-failure' }).expect(503);
      expect(res.body.request_id).toBeDefined();
      expect(res.body.detail).toContain('Banco de dados indisponível');
      expect(res.body.orphaned_bitrix_file_ids).toBeUndefined();
      expect(await snapshot()).toEqual(before);
      // The key was released: the retry runs again once the database accepts the rows.
      await stack.dataSource.query('DROP TRIGGER fail_deal_files ON deal_files');
      await as(stack, requester).post('/ticket', ticketBody({ attachments: attachment() }), { 'Idempotency-Key': 'db-failure' }).expect(201);
    } finally {
      await stack.dataSource.query('DROP TRIGGER IF EXISTS fail_deal_files ON deal_files');
      await stack.dataSource.query('DROP FUNCTION IF EXISTS fail_deal_files()');
    }
  });

  it('EMAIL_DELIVERY=bitrix: Bitrix sends the e-mail (completed outgoing activity) and SMTP sends nothing', async () => {
    const { body: ticket } = await as(stack, requester).post('/ticket', ticketBody({ resp_id: String(staffBitrixId) })).expect(201);
    const subject = `Chamado #${ticket.deal_id} resolvido`;
    await as(stack, staff).post('/send-email', { deal_id: ticket.deal_id, to_email: requester.email, subject, message: 'Pode testar.' }).expect(200);
    const sent = bitrix().sentEmails.filter((e) => e.subject === subject);
    expect(sent).toHaveLength(1);
    expect(sent[0].to).toEqual([requester.email]);
    await new Promise((r) => setTimeout(r, 300));
    expect(stack.mailbox.messages.filter((m) => m.subject === subject)).toHaveLength(0);
    const [row] = await stack.dataSource.query("SELECT type_id, direction FROM activities WHERE activity_id = $1 AND bitrix_source = 'activity'", [sent[0].activityId]);
    expect(row).toEqual({ type_id: '4', direction: 'outgoing' });
  });

  it('S3 down → 502 with a detail; no deal in Bitrix or locally', async () => {
    await stack.s3.stop();
    // Already stopped: the stack's own clean-up must not stop it twice.
    stack.s3.stop = () => Promise.resolve();
    const before = await snapshot();
    const res = await as(stack, requester).post('/ticket', ticketBody({ attachments: attachment() })).expect(502);
    expect(res.body.detail).toMatch(/armazenamento/i);
    expect({ ...(await snapshot()), s3: before.s3 }).toEqual(before);
  });
});
