import { Injectable } from '@nestjs/common';

/** One observable event of the transport; `/metrics` can subscribe and feed prom-client. */
export type BitrixStatsEvent =
  | { type: 'request'; method: string; status: number | null; durationMs: number }
  | { type: 'error'; method: string; code: string }
  | { type: 'retry'; method: string; code: string; delayMs: number };

export interface BitrixStatsSnapshot {
  totalRequests: number;
  totalErrors: number;
  totalRetries: number;
  /** HTTP requests per REST method (each retry counts). */
  requests: Record<string, number>;
  /** Surfaced and intermediate errors per method and code. */
  errors: Record<string, Record<string, number>>;
  retries: Record<string, number>;
}

/** Counters of HTTP requests, errors and retries per Bitrix method. Cheap, in-process, no secrets. */
@Injectable()
export class BitrixStats {
  private readonly requests = new Map<string, number>();
  private readonly errors = new Map<string, Map<string, number>>();
  private readonly retries = new Map<string, number>();
  private readonly listeners = new Set<(event: BitrixStatsEvent) => void>();

  record(event: BitrixStatsEvent): void {
    if (event.type === 'request') bump(this.requests, event.method);
    else if (event.type === 'retry') bump(this.retries, event.method);
    else {
      const perMethod = this.errors.get(event.method) ?? new Map<string, number>();
      bump(perMethod, event.code || '(empty)');
      this.errors.set(event.method, perMethod);
    }
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A metrics listener must never break a Bitrix call.
      }
    }
  }

  /** Subscribes to every event; returns the unsubscribe function. */
  subscribe(listener: (event: BitrixStatsEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  snapshot(): BitrixStatsSnapshot {
    const errors: Record<string, Record<string, number>> = {};
    let totalErrors = 0;
    for (const [method, codes] of this.errors) {
      errors[method] = Object.fromEntries(codes);
      for (const n of codes.values()) totalErrors += n;
    }
    return {
      totalRequests: sum(this.requests),
      totalErrors,
      totalRetries: sum(this.retries),
      requests: Object.fromEntries(this.requests),
      errors,
      retries: Object.fromEntries(this.retries),
    };
  }

  reset(): void {
    this.requests.clear();
    this.errors.clear();
    this.retries.clear();
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function sum(map: Map<string, number>): number {
  let total = 0;
  for (const n of map.values()) total += n;
  return total;
}
