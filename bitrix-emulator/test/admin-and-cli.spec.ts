import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { BitrixEmulator, startBitrixEmulator } from '../src';
import { admin, callJson, resultOf } from './helpers';

type Row = Record<string, unknown>;

describe('admin API', () => {
  let emu: BitrixEmulator;

  beforeAll(async () => {
    emu = await startBitrixEmulator({ rateLimit: 0 });
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.reset());

  it('seeds users that user.get then returns', async () => {
    const seeded = await admin(emu, 'POST', '/admin/users', { ID: 42, NAME: 'Carla', LAST_NAME: 'Mendes', EMAIL: 'carla@carvalima.com.br', UF_DEPARTMENT: [12, 14], PERSONAL_PHOTO: 'https://x/p.png' });
    expect(seeded.status).toBe(200);
    const users = resultOf<Row[]>(await callJson(emu, 'user.get', { ID: 42 }));
    expect(users[0]).toMatchObject({ ID: '42', EMAIL: 'carla@carvalima.com.br', UF_DEPARTMENT: [12, 14], PERSONAL_PHOTO: 'https://x/p.png', ACTIVE: true });
    const auto = await admin(emu, 'POST', '/admin/users', { NAME: 'Next', LAST_NAME: 'One', EMAIL: 'n@x' });
    expect(Number(auto.json.ID)).toBeGreaterThan(42);
  });

  it('creates, reads, patches and deletes deals; unknown deals give 404', async () => {
    const created = await admin(emu, 'POST', '/admin/deals', { fields: { TITLE: 'Admin deal', CATEGORY_ID: 19, DATE_CREATE: '2024-05-01T09:00:00-03:00' } });
    const id = String(created.json.ID);
    expect(created.json.DATE_CREATE).toBe('2024-05-01T09:00:00-03:00');
    const patched = await admin(emu, 'PATCH', `/admin/deals/${id}`, { COMMENTS: 'patched', UF_CRM_1736515084: 'TI' });
    expect(patched.json).toMatchObject({ COMMENTS: 'patched', UF_CRM_1736515084: 'TI', TITLE: 'Admin deal' });
    expect((await admin(emu, 'GET', `/admin/deals/${id}`)).json.COMMENTS).toBe('patched');
    expect((await admin(emu, 'GET', '/admin/deals?CATEGORY_ID=19')).json).toEqual([expect.objectContaining({ ID: id })]);
    expect((await admin(emu, 'POST', `/admin/deals/${id}/stage`, { stageId: 'C7:WON' })).status).toBe(400);
    expect((await admin(emu, 'DELETE', `/admin/deals/${id}`)).status).toBe(200);
    expect((await admin(emu, 'GET', `/admin/deals/${id}`)).status).toBe(404);
    expect((await admin(emu, 'PATCH', '/admin/deals/999', { TITLE: 'x' })).status).toBe(404);
    expect((await admin(emu, 'GET', '/admin/nothing')).status).toBe(404);
  });

  it('exposes stats (REST only, batch = 1) and resets them; options are patchable', async () => {
    await callJson(emu, 'user.current');
    await callJson(emu, 'batch', { cmd: { a: 'user.current', b: 'crm.deal.list' } });
    await admin(emu, 'GET', '/admin/deals');
    const stats = await admin(emu, 'GET', '/admin/stats');
    expect(stats.json).toMatchObject({ httpRequests: 2, byMethod: { 'user.current': 2, batch: 1, 'crm.deal.list': 1 }, rejectedByRateLimit: 0 });
    expect((stats.json.calls as Row[]).map((c) => [c.method, c.viaBatch])).toEqual([
      ['user.current', false],
      ['user.current', true],
      ['crm.deal.list', true],
      ['batch', false],
    ]);
    await admin(emu, 'POST', '/admin/reset-stats');
    expect(emu.stats.httpRequests).toBe(0);

    const patched = await admin(emu, 'PATCH', '/admin/options', { applicationToken: 'new-token', latencyMs: 0, eventHandlerUrl: 'http://127.0.0.1:9/hook' });
    expect(patched.json).toMatchObject({ applicationToken: 'new-token', eventHandlerUrl: 'http://127.0.0.1:9/hook' });
    expect(emu.options.applicationToken).toBe('new-token');
  });
});

describe('CLI entry (main.ts)', () => {
  let child: ChildProcess | null = null;
  afterEach(async () => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  });

  it('starts from env vars, prints the inbound URL and serves seeded demo users', async () => {
    const root = path.resolve(__dirname, '../..');
    child = spawn(process.execPath, [require.resolve('ts-node/dist/bin.js', { paths: [root] }), '--transpile-only', 'bitrix-emulator/src/main.ts'], {
      cwd: root,
      env: { ...process.env, EMULATOR_PORT: '0', EMULATOR_WEBHOOK_CODE: 'clicode000000000', EMULATOR_RATE_LIMIT: '0', EMULATOR_APP_TOKEN: 'cli-token' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const inboundUrl = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`no URL printed: ${out}`)), 20_000);
      child?.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /BITRIX_INBOUND_URL=(\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child?.once('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
    });
    expect(inboundUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/rest\/1\/clicode000000000\/$/);
    const response = await fetch(`${inboundUrl}user.get.json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ FILTER: { ACTIVE: true } }) });
    const body = (await response.json()) as { result: Row[]; total: number };
    expect(body.total).toBeGreaterThanOrEqual(4);
    expect(body.result.every((u) => typeof u.EMAIL === 'string' && String(u.EMAIL).includes('@'))).toBe(true);
  }, 30_000);
});
