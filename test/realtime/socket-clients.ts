import { io, ManagerOptions, Socket, SocketOptions } from 'socket.io-client';
import type { TestUser } from '../support/users';

export type ClientOptions = Partial<ManagerOptions & SocketOptions>;

/** Open sockets of a test file, closed in afterAll/afterEach. */
const openSockets = new Set<Socket>();

/** Connects a real socket.io-client; resolves once connected, rejects with the `connect_error`. */
export function connectSocket(url: string, options: ClientOptions = {}): Promise<Socket> {
  const socket = io(url, {
    path: '/socket.io',
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: 5_000,
    ...options,
  });
  openSockets.add(socket);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error: Error) => {
      socket.close();
      reject(error);
    });
  });
}

/** As a browser does it: the `access_token` cookie sent with the handshake. */
export function connectWithCookie(url: string, user: TestUser, options: ClientOptions = {}): Promise<Socket> {
  return connectSocket(url, { extraHeaders: { cookie: user.cookies.join('; ') }, ...options });
}

/** The message of the `connect_error` a refused connection gets. */
export async function refusalOf(promise: Promise<Socket>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the connection was accepted');
}

/** The first `event` the socket receives. */
export function nextEvent<T = unknown>(socket: Socket, event: string, timeoutMs = 5_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, onEvent);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onEvent = (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    };
    socket.once(event, onEvent);
  });
}

/** Resolves with the reason when the server disconnects the socket. */
export function nextDisconnect(socket: Socket, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not disconnected within ${timeoutMs} ms`)), timeoutMs);
    socket.once('disconnect', (reason: string) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

/** Every payload of `event` the socket receives from now on. */
export function recordEvents<T = unknown>(socket: Socket, event: string): T[] {
  const received: T[] = [];
  socket.on(event, (payload: T) => received.push(payload));
  return received;
}

/** Emits with an acknowledgement and resolves with the ack. */
export function emitWithAck<T = unknown>(socket: Socket, event: string, payload: unknown): Promise<T> {
  return socket.timeout(5_000).emitWithAck(event, payload) as Promise<T>;
}

/** The payloads of `event` the socket receives after `broadcast`: waits for the first, then a little longer for duplicates. */
export async function deliveriesOf<T = unknown>(socket: Socket, event: string, broadcast: () => Promise<void>, timeoutMs = 3_000): Promise<T[]> {
  const received: T[] = [];
  const onEvent = (payload: T) => received.push(payload);
  socket.on(event, onEvent);
  await broadcast();
  const deadline = Date.now() + timeoutMs;
  while (!received.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  await new Promise((resolve) => setTimeout(resolve, 200));
  socket.off(event, onEvent);
  return received;
}

export function closeAllSockets(): void {
  for (const socket of openSockets) socket.close();
  openSockets.clear();
}
