import { GracefulShutdown } from '../../src/common/graceful-shutdown';
import { startTestStack } from '../support/test-stack';
import { createUser } from '../support/users';
import { connectWithCookie } from './socket-clients';

it('probe: graceful shutdown with a long-polling client', async () => {
  const stack = await startTestStack();
  const user = await createUser(stack);
  const shutdown = new GracefulShutdown(stack.app);
  const socket = await connectWithCookie(stack.url, user, { transports: ['polling'] });
  socket.on('disconnect', (r) => console.log('client disconnect', r));
  await new Promise((r) => setTimeout(r, 300));
  const started = Date.now();
  await shutdown.close();
  console.log('graceful close took', Date.now() - started, 'ms');
  socket.close();
  await stack.close().catch(() => undefined);
}, 60_000);
