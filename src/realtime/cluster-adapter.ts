import { Logger } from '@nestjs/common';
import { createAdapter as createPostgresAdapter } from '@socket.io/postgres-adapter';
import { createAdapter as createRedisAdapter } from '@socket.io/redis-adapter';
import { Pool } from 'pg';
import { createClient } from 'redis';
import type { Server } from 'socket.io';
import type { AppConfig } from '../config/app-config';

type AdapterConstructor = Parameters<Server['adapter']>[0] & object;

/** The Socket.IO adapter that carries broadcasts between app instances, and what it holds open. */
export interface ClusterAdapter {
  kind: 'postgres' | 'redis';
  /** Builds the adapter of a namespace; call once per Socket.IO server. */
  create(): AdapterConstructor;
  /** Ends the connections; call after the Socket.IO server (and so its adapters) closed. */
  close(): Promise<void>;
}

const logger = new Logger('RealtimeClusterAdapter');

/** Redis pub/sub when `REDIS_URL` is set, otherwise LISTEN/NOTIFY on the app's own PostgreSQL (SPEC section 3). */
export async function connectClusterAdapter(config: AppConfig): Promise<ClusterAdapter> {
  return config.redisUrl ? connectRedis(config.redisUrl) : connectPostgres(config.database.url);
}

function connectPostgres(databaseUrl: string): ClusterAdapter {
  // One connection LISTENs; the others publish (pg_notify) and hold payloads over 8 kB
  // in `socket_io_attachments` (created by migration SocketIoAttachments*).
  const pool = new Pool({ connectionString: databaseUrl, max: 4, connectionTimeoutMillis: 10_000 });
  const warn = (error: Error) => logger.warn(`PostgreSQL adapter connection error: ${error.message}`);
  pool.on('error', warn);
  // The pool's 'error' covers idle clients only; the adapter keeps one client checked out for LISTEN, and
  // an unhandled error on it (e.g. the server shutting down first) would crash the process.
  pool.on('connect', (client) => client.on('error', warn));
  return {
    kind: 'postgres',
    create: () => createPostgresAdapter(pool, { errorHandler: (error) => logger.warn(`PostgreSQL adapter: ${error.message}`) }),
    close: () => pool.end(),
  };
}

async function connectRedis(redisUrl: string): Promise<ClusterAdapter> {
  const publisher = createClient({ url: redisUrl });
  const subscriber = publisher.duplicate();
  publisher.on('error', (error: Error) => logger.warn(`Redis adapter (publisher): ${error.message}`));
  subscriber.on('error', (error: Error) => logger.warn(`Redis adapter (subscriber): ${error.message}`));
  await Promise.all([publisher.connect(), subscriber.connect()]);
  return {
    kind: 'redis',
    create: () => createRedisAdapter(publisher, subscriber),
    close: async () => {
      await Promise.allSettled([publisher.close(), subscriber.close()]);
    },
  };
}
