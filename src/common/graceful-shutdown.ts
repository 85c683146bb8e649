import type { INestApplication } from '@nestjs/common';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { shutdownTracing } from '../tracing';

/**
 * Graceful shutdown of the HTTP side: stop accepting, let in-flight requests finish, drop idle
 * keep-alive connections, then close the Nest app (module hooks: jobs, Bitrix limiter, Socket.IO,
 * database) and flush the traces. Nest's own `enableShutdownHooks` runs the module hooks first, while the server still
 * accepts requests, and re-raises the signal; this runs them after the last response instead.
 */
export class GracefulShutdown {
  private readonly inFlight = new Set<ServerResponse>();
  private closing: Promise<void> | undefined;
  private drained: (() => void) | undefined;

  constructor(private readonly app: INestApplication) {
    this.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      // Socket.IO long-polling requests stay open up to 25 s by design; app.close() ends them, so they
      // must not hold the drain.
      if (req.url?.startsWith('/socket.io/')) return;
      this.inFlight.add(res);
      if (this.closing) closeAfterResponse(res);
      res.once('close', () => {
        this.inFlight.delete(res);
        if (this.inFlight.size === 0) this.drained?.();
      });
    });
  }

  private get server(): Server {
    return this.app.getHttpServer() as Server;
  }

  /** Requests being handled right now. */
  get inFlightRequests(): number {
    return this.inFlight.size;
  }

  /** Idempotent: the first call starts the shutdown, every call gets the same promise. */
  close(): Promise<void> {
    this.closing ??= this.run();
    return this.closing;
  }

  private async run(): Promise<void> {
    const server = this.server;
    // Stop accepting; Node also closes the connections that are idle right now.
    if (server.listening) server.close();
    this.inFlight.forEach(closeAfterResponse);
    // Connections that finish their last response become idle: close them as they do.
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    try {
      if (this.inFlight.size > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    } finally {
      clearInterval(sweep);
    }
    try {
      await this.app.close();
    } finally {
      // Last, so the spans of the final requests and jobs are exported too.
      await shutdownTracing();
    }
  }
}

/** Keep-alive clients are told to reconnect (elsewhere) instead of reusing a connection we are closing. */
function closeAfterResponse(res: ServerResponse): void {
  if (!res.headersSent) res.setHeader('Connection', 'close');
}

/**
 * Wires SIGTERM/SIGINT to a graceful shutdown bounded by `timeoutMs`: exit 0 when everything closed,
 * exit 1 when the bound passed or closing failed.
 */
export function exitGracefullyOnSignals(close: (signal: string) => Promise<void>, timeoutMs: number): void {
  const onSignal = (signal: NodeJS.Signals): void => {
    const force = setTimeout(() => {
      process.stderr.write(`Shutdown (${signal}) did not finish in ${timeoutMs} ms: forcing exit\n`);
      process.exit(1);
    }, timeoutMs);
    force.unref();
    close(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`Shutdown (${signal}) failed: ${(error as Error)?.stack ?? String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
