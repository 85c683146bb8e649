import type { INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '../../src/app.setup';
import { loadAppConfig } from '../../src/config/config.loader';
import { RealtimeGateway } from '../../src/realtime/realtime.gateway';
import type { TestStack } from '../support/test-stack';

export interface SecondInstance {
  app: NestExpressApplication;
  url: string;
  close: () => Promise<void>;
}

/**
 * Another instance of the app beside `stack`: same env, so the same PostgreSQL database, S3, SMTP
 * and secrets, on its own port — two instances behind one load balancer (SPEC section 3, "Scale-out").
 */
export async function startSecondInstance(stack: TestStack, env: Record<string, string> = {}): Promise<SecondInstance> {
  const app = await createApp(loadAppConfig({ ...stack.env, ...env }));
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

/** Until every instance has heard the others' heartbeats through the adapter, i.e. all listen on the shared channel. */
export async function waitForCluster(apps: INestApplication[], timeoutMs = 10_000): Promise<void> {
  const adapters = apps.map((app) => app.get(RealtimeGateway).server.of('/').adapter);
  const deadline = Date.now() + timeoutMs;
  while ((await Promise.all(adapters.map((adapter) => adapter.serverCount()))).some((count) => count < apps.length)) {
    if (Date.now() > deadline) throw new Error('the instances never saw each other');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
