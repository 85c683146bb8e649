import type { INestApplication } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import type { AppConfig } from '../config/app-config';
import { ClusterAdapter, connectClusterAdapter } from './cluster-adapter';

export const REALTIME_PATH = '/socket.io';

/**
 * The app's Socket.IO server factory: fixed path, CORS with credentials for the configured origins,
 * and the cross-instance adapter (PostgreSQL or Redis). Installed by createApp:
 * `app.useWebSocketAdapter(await RealtimeIoAdapter.connect(app, config))`. Nest closes the Socket.IO
 * server (sockets, then adapters) and then calls `dispose`, which ends the adapter's connections.
 */
export class RealtimeIoAdapter extends IoAdapter {
  private constructor(
    app: INestApplication,
    private readonly config: AppConfig,
    private readonly cluster: ClusterAdapter,
  ) {
    super(app);
  }

  static async connect(app: INestApplication, config: AppConfig): Promise<RealtimeIoAdapter> {
    return new RealtimeIoAdapter(app, config, await connectClusterAdapter(config));
  }

  override createIOServer(port: number, options?: Partial<ServerOptions>): Server {
    const server: Server = super.createIOServer(port, {
      ...options,
      path: REALTIME_PATH,
      serveClient: false,
      cors: { origin: this.config.cors.origins, credentials: true },
      // Clients only send small room requests.
      maxHttpBufferSize: 64 * 1024,
    });
    server.adapter(this.cluster.create());
    return server;
  }

  override async dispose(): Promise<void> {
    await super.dispose();
    await this.cluster.close();
  }
}
