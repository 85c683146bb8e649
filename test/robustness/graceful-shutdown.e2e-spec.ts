import http from 'node:http';
import { createUser, TestUser } from '../support/users';
import { startTestStack, TestStack } from '../support/test-stack';
import { AppProcess, spawnApp } from '../support/app-process';

interface SlowRequest {
  /** Sends the rest of the body. */
  finish: () => void;
  response: Promise<{ status: number; body: string; connection: string | undefined }>;
}

/** A POST whose body arrives in two parts: the request is in flight (headers received) until finish(). */
function startSlowLogin(url: string, user: TestUser): SlowRequest {
  const body = JSON.stringify({ matricula: user.matricula, password: user.password });
  const half = Math.floor(body.length / 2);
  const req = http.request(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
    agent: new http.Agent({ keepAlive: true }),
  });
  const response = new Promise<{ status: number; body: string; connection: string | undefined }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, connection: res.headers.connection }));
    });
    req.on('error', reject);
  });
  req.write(body.slice(0, half));
  return { finish: () => req.end(body.slice(half)), response };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function refused(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
    return false;
  } catch {
    return true;
  }
}

describe('Graceful shutdown of the real process (node src/main.ts, SIGTERM)', () => {
  let stack: TestStack;
  let user: TestUser;
  let proc: AppProcess | undefined;

  beforeAll(async () => {
    stack = await startTestStack();
    user = await createUser(stack);
  });
  afterEach(async () => {
    await proc?.kill();
    proc = undefined;
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('stops accepting, finishes the in-flight request with 200 and exits 0 well within the bound', async () => {
    proc = await spawnApp({ ...stack.env, LOG_LEVEL: 'warn', SHUTDOWN_TIMEOUT_MS: '10000' });
    // An idle keep-alive connection must not hold the shutdown open.
    const idle = await fetch(`${proc.url}/health`, { keepalive: true });
    expect(idle.status).toBe(200);

    const slow = startSlowLogin(proc.url, user);
    await sleep(300); // the server has the headers: the request is in flight
    const signalledAt = Date.now();
    proc.child.kill('SIGTERM');
    await sleep(500);
    expect(proc.child.exitCode).toBeNull(); // still draining
    expect(await refused(proc.url)).toBe(true); // no longer accepting

    slow.finish();
    const res = await slow.response;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).token.access_token).toEqual(expect.any(String));
    expect(res.connection).toBe('close');

    const exit = await proc.exited;
    const tookMs = Date.now() - signalledAt;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(tookMs).toBeLessThan(10_000);
    expect(proc.stderr()).not.toContain('did not finish');
  });

  it('forces the exit (code 1) when a request never completes within SHUTDOWN_TIMEOUT_MS', async () => {
    proc = await spawnApp({ ...stack.env, LOG_LEVEL: 'warn', SHUTDOWN_TIMEOUT_MS: '1500' });
    const stalled = startSlowLogin(proc.url, user);
    stalled.response.catch(() => undefined); // the socket dies with the process
    await sleep(300);
    const signalledAt = Date.now();
    proc.child.kill('SIGTERM');
    const exit = await proc.exited;
    const tookMs = Date.now() - signalledAt;
    expect(exit.code).toBe(1);
    expect(tookMs).toBeGreaterThanOrEqual(1400);
    expect(tookMs).toBeLessThan(5000);
    expect(proc.stderr()).toContain('did not finish in 1500 ms');
  });
});
