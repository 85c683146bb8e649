/** Call accounting for assertions ("did the client batch?", "how many retries?"). */
export type CallOutcome = 'ok' | 'error' | 'fault' | 'rate-limited' | 'unauthorized';

export interface CallRecord {
  method: string;
  params: Record<string, unknown>;
  viaBatch: boolean;
  at: Date;
  outcome: CallOutcome;
  /** The Bitrix error code when outcome is error/fault/rate-limited. */
  error?: string;
}

export interface EmulatorStats {
  /** REST HTTP requests received (a batch is one), including refused/failed ones. */
  httpRequests: number;
  /** Calls per method (lower case), batch sub-commands included, and `batch` itself. */
  byMethod: Record<string, number>;
  calls: CallRecord[];
  rejectedByRateLimit: number;
}

export class StatsRecorder implements EmulatorStats {
  httpRequests = 0;
  byMethod: Record<string, number> = {};
  calls: CallRecord[] = [];
  rejectedByRateLimit = 0;

  recordCall(record: CallRecord): void {
    this.byMethod[record.method] = (this.byMethod[record.method] ?? 0) + 1;
    this.calls.push(record);
  }

  reset(): void {
    this.httpRequests = 0;
    this.byMethod = {};
    this.calls = [];
    this.rejectedByRateLimit = 0;
  }

  snapshot(): EmulatorStats {
    return {
      httpRequests: this.httpRequests,
      byMethod: { ...this.byMethod },
      calls: this.calls.map((c) => ({ ...c })),
      rejectedByRateLimit: this.rejectedByRateLimit,
    };
  }
}
