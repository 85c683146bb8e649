import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { buildOnce, ROOT } from '../support/build';
import { freePort } from '../support/app-process';
import { Browser } from '../support/oidc-provider';

/**
 * `npm start`'s launcher (scripts/start-embedded.mjs: embedded PostgreSQL, the Bitrix24 emulator, the app)
 * stopped as a terminal stops it: the signal goes to the whole foreground process group. Every stop must end
 * every process and free every port, in order and without an error-level line.
 */
interface Launch {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  ports: number[];
}

const ERROR_LINE = /\b(ERROR|FATAL)\b|Error:|ECONNREFUSED|terminating connection/;

async function launch(dataDir: string): Promise<Launch> {
  const [port, emulatorPort, pgPort, oidcPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const { NODE_ENV: _jest, ...env } = process.env;
  // detached: a process group of its own, like a job started from a shell, so the test can signal the group.
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts/start-embedded.mjs')], {
    cwd: ROOT,
    detached: true,
    env: { ...env, DATA_DIR: dataDir, PORT: String(port), EMULATOR_PORT: String(emulatorPort), EMBEDDED_PG_PORT: String(pgPort), EMBEDDED_OIDC_PORT: String(oidcPort), ADMIN_PASSWORD: 'SenhaDoAdmin123' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const deadline = Date.now() + 60_000;
  while (!out.includes('Carvalima Helpdesk API ready')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      killGroup(child.pid as number, 'SIGKILL');
      throw new Error(`launcher did not start:\n${out.slice(-3000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { child, output: () => out, exited, ports: [port, emulatorPort, pgPort, oidcPort] };
}

/** Signals a process group; `0` only checks that it still has a process. */
function killGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // ESRCH: no process left in the group
  }
}

/** Processes whose command line names the data directory (PostgreSQL runs in a session of its own). */
function processesUsing(dataDir: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dataDir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function expectNothingLeft(launched: Launch, dataDir: string): Promise<void> {
  expect(killGroup(launched.child.pid as number, 0)).toBe(false);
  expect(processesUsing(dataDir)).toEqual([]);
  for (const port of launched.ports) expect({ port, open: await portOpen(port) }).toEqual({ port, open: false });
}

describe('npm start stops cleanly on Ctrl-C and SIGTERM (e2e, the compiled launcher)', () => {
  let dataDir: string;
  const stops: { signal: string; ms: number }[] = [];

  beforeAll(async () => {
    await buildOnce();
    // Under the temp dir, as root PostgreSQL runs as the postgres user: the launcher makes the path walkable.
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-start-stop-'));
  }, 240_000);
  afterAll(() => {
    for (const pid of processesUsing(dataDir)) process.kill(pid, 'SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (stops.length) console.log(`npm start stops: ${stops.map((s) => `${s.signal} ${s.ms} ms`).join(', ')}`);
  });

  it('stops 20 times in a row (SIGINT to the process group, as Ctrl-C, and SIGTERM) with exit 0, nothing left behind, no error line', async () => {
    for (let round = 0; round < 20; round++) {
      const signal: NodeJS.Signals = round % 2 === 0 ? 'SIGINT' : 'SIGTERM';
      const launched = await launch(dataDir);
      // Some work first, so the stop has connections, a session and the job queue to close.
      const [, , pgPort] = launched.ports;
      const base = `http://127.0.0.1:${launched.ports[0]}`;
      expect((await fetch(`${base}/health/ready`)).status).toBe(200);
      const login = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ matricula: '1', password: 'SenhaDoAdmin123' }) });
      expect(login.status).toBe(200);
      expect(await portOpen(pgPort)).toBe(true);

      const stoppedAt = Date.now();
      killGroup(launched.child.pid as number, signal);
      const exit = await launched.exited;
      stops.push({ signal, ms: Date.now() - stoppedAt });
      expect({ round, signal, exit }).toEqual({ round, signal, exit: { code: 0, signal: null } });
      await expectNothingLeft(launched, dataDir);
      const output = launched.output();
      expect(output).toContain('stopping');
      expect({ round, errorLines: output.split('\n').filter((line) => ERROR_LINE.test(line)) }).toEqual({ round, errorLines: [] });
    }
  }, 600_000);

  it('"sign in with SSO" works on the demo: its OpenID Provider\'s login page signs the admin in by e-mail, cookies set, then it stops cleanly', async () => {
    const launched = await launch(dataDir);
    try {
      const [port, , , oidcPort] = launched.ports;
      const base = `http://localhost:${port}`;
      expect(launched.output()).toContain(`${base}/auth/oidc/login`);
      const browser = new Browser();
      // Our login route -> the provider's authorize endpoint -> its development login page.
      const toLogin = await browser.follow(`${base}/auth/oidc/login`);
      expect(toLogin.url.origin).toBe(`http://localhost:${oidcPort}`);
      expect(toLogin.res?.status).toBe(200);
      const loginPage = await browser.request(toLogin.url.href);
      const loginForm = await loginPage.text();
      const loginAction = /<form[^>]*action="([^"]+)"/.exec(loginForm)?.[1];
      expect(loginAction).toBeDefined();
      // The person types the admin's e-mail (any password), then confirms the consent page the same way.
      const submitted = await browser.request(new URL(loginAction!, toLogin.url).href, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ prompt: 'login', login: 'admin@carvalima.local', password: 'anything' }).toString(),
      });
      let at = await browser.follow(new URL(submitted.headers.get('location')!, toLogin.url).href, (u) => u.pathname === '/docs');
      if (at.res?.status === 200 && at.url.origin === `http://localhost:${oidcPort}`) {
        const consentForm = await (await browser.request(at.url.href)).text();
        const consentAction = /<form[^>]*action="([^"]+)"/.exec(consentForm)?.[1];
        expect(consentAction).toBeDefined();
        const confirmed = await browser.request(new URL(consentAction!, at.url).href, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ prompt: 'consent' }).toString(),
        });
        at = await browser.follow(new URL(confirmed.headers.get('location')!, at.url).href, (u) => u.pathname === '/docs');
      }
      // Back at the API's callback, then on to Swagger UI (the demo's "SPA"), signed in.
      expect(at.url.href).toBe(`${base}/docs`);
      expect(at.hops.some((h) => h.pathname === '/auth/oidc/callback')).toBe(true);
      expect(browser.cookie(base, 'access_token')).toBeTruthy();
      const me = await browser.request(`${base}/auth/me`);
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ matricula: '1', email: 'admin@carvalima.local' });
    } finally {
      killGroup(launched.child.pid as number, 'SIGTERM');
    }
    expect((await launched.exited).code).toBe(0);
    await expectNothingLeft(launched, dataDir);
  }, 120_000);

  it('Web Push is on in the demo: a VAPID key pair is added to an older secrets.json, kept across starts and served to browsers', async () => {
    const pushDir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-start-push-'));
    try {
      // A secrets.json as the launcher wrote it before Web Push existed.
      const older = { JWT_SECRET: 'j'.repeat(64), JWT_REFRESH_SECRET: 'r'.repeat(64), CPF_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'), CPF_HMAC_KEY: 'h'.repeat(64), BITRIX_APP_TOKEN: 'a'.repeat(32), EMULATOR_WEBHOOK_CODE: 'c'.repeat(16), POSTGRES_PASSWORD: 'p'.repeat(24) };
      fs.writeFileSync(path.join(pushDir, 'secrets.json'), JSON.stringify(older), { mode: 0o600 });
      const publicKeys: string[] = [];
      for (let start = 0; start < 2; start++) {
        const launched = await launch(pushDir);
        try {
          const secrets = JSON.parse(fs.readFileSync(path.join(pushDir, 'secrets.json'), 'utf8')) as Record<string, string>;
          expect(secrets).toMatchObject(older);
          expect(secrets.VAPID_PUBLIC_KEY).toMatch(/^[A-Za-z0-9_-]{87}$/);
          expect(secrets.VAPID_PRIVATE_KEY).toMatch(/^[A-Za-z0-9_-]{43}$/);
          expect(fs.statSync(path.join(pushDir, 'secrets.json')).mode & 0o777).toBe(0o600);
          expect(launched.output()).toContain('Web Push:        on');
          expect(launched.output()).not.toContain(secrets.VAPID_PRIVATE_KEY);
          const base = `http://127.0.0.1:${launched.ports[0]}`;
          const login = await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ matricula: '1', password: 'SenhaDoAdmin123' }) });
          const { token } = (await login.json()) as { token: { access_token: string } };
          const key = await fetch(`${base}/notifications/vapid-public-key`, { headers: { Authorization: `Bearer ${token.access_token}` } });
          expect(key.status).toBe(200);
          expect(await key.json()).toEqual({ public_key: secrets.VAPID_PUBLIC_KEY });
          publicKeys.push(secrets.VAPID_PUBLIC_KEY);
        } finally {
          killGroup(launched.child.pid as number, 'SIGTERM');
        }
        expect((await launched.exited).code).toBe(0);
        await expectNothingLeft(launched, pushDir);
      }
      expect(publicKeys[1]).toBe(publicKeys[0]);
    } finally {
      for (const pid of processesUsing(pushDir)) process.kill(pid, 'SIGKILL');
      fs.rmSync(pushDir, { recursive: true, force: true });
    }
  }, 240_000);

  it('a second Ctrl-C forces the stop (exit 130), still leaving nothing behind', async () => {
    const launched = await launch(dataDir);
    killGroup(launched.child.pid as number, 'SIGINT');
    killGroup(launched.child.pid as number, 'SIGINT');
    const exit = await launched.exited;
    expect(exit.code === 130 || exit.code === 0).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await expectNothingLeft(launched, dataDir);
  }, 120_000);

  it('a launcher killed with SIGKILL leaves PostgreSQL running in its own session; the next start stops it first', async () => {
    const first = await launch(dataDir);
    killGroup(first.child.pid as number, 'SIGKILL');
    await first.exited;
    expect(processesUsing(dataDir).length).toBeGreaterThan(0); // the orphan
    const second = await launch(dataDir);
    expect(second.output()).toContain('left running by an earlier start');
    killGroup(second.child.pid as number, 'SIGTERM');
    expect((await second.exited).code).toBe(0);
    await expectNothingLeft(second, dataDir);
    for (const port of first.ports) expect(await portOpen(port)).toBe(false);
  }, 180_000);
});
