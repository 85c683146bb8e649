import { BitrixCommand, BitrixCommandResult } from './bitrix-batch';
import { BitrixApiError, BitrixError } from './bitrix.errors';
import { BitrixTime } from './bitrix.types';

export type BitrixCommandMap = Record<string, BitrixCommand<unknown>>;

/**
 * Per-command outcome of one or more `batch` calls. A key is in `results` (success), in `errors`
 * (`result_error`, as a typed BitrixError) or in neither (not executed because `halt` stopped the batch).
 */
export class BitrixBatchResult<C extends BitrixCommandMap> {
  constructor(
    readonly results: { [K in keyof C]?: BitrixCommandResult<C[K]> },
    readonly errors: { [K in keyof C]?: BitrixError },
    /** `result_total` of list commands. */
    readonly totals: { [K in keyof C]?: number },
    /** `result_next` of list commands with another page. */
    readonly next: { [K in keyof C]?: number },
    readonly time?: BitrixTime,
  ) {}

  has<K extends keyof C>(key: K): boolean {
    return Object.prototype.hasOwnProperty.call(this.results, key);
  }

  /** The command's result, or throws its error (or a "not executed" error when `halt` skipped it). */
  get<K extends keyof C & string>(key: K): BitrixCommandResult<C[K]> {
    const error = this.errors[key];
    if (error) throw error;
    if (!this.has(key)) {
      throw new BitrixApiError({ method: 'batch', code: 'BATCH_COMMAND_NOT_EXECUTED', description: `command "${key}" was not executed` });
    }
    return this.results[key] as BitrixCommandResult<C[K]>;
  }

  /** The command's result, or undefined if it failed or was skipped. */
  find<K extends keyof C & string>(key: K): BitrixCommandResult<C[K]> | undefined {
    return this.has(key) ? (this.results[key] as BitrixCommandResult<C[K]>) : undefined;
  }

  get errorCount(): number {
    return Object.keys(this.errors).length;
  }

  /** Throws the first command error, if any (useful when every command must succeed). */
  throwIfAnyError(): this {
    const first = Object.values(this.errors)[0] as BitrixError | undefined;
    if (first) throw first;
    return this;
  }
}
