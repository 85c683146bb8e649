/** One-shot failures injected into REST calls. */
export type RestFaultKind = 'http500' | 'html503' | 'queryLimit' | 'timeout' | 'error' | 'reset';

export const REST_FAULT_KINDS: readonly RestFaultKind[] = ['http500', 'html503', 'queryLimit', 'timeout', 'error', 'reset'];

export interface RestFaultOptions {
  /** Only requests of this method match (case-insensitive; `batch` matches a batch request as a whole). */
  method?: string;
  /** kind 'error': HTTP status (default 400). */
  status?: number;
  /** kind 'error': the `error` code (default ''). */
  error?: string;
  /** kind 'error': the `error_description` (default 'Injected error'). */
  errorDescription?: string;
  /** kind 'timeout': answer normally after this many ms; omitted = never answer (until the client gives up). */
  hangMs?: number;
}

export interface RestFaultRule {
  remaining: number;
  kind: RestFaultKind;
  options: RestFaultOptions;
}

/** Kinds that can also hit a single command inside a batch (they become a `result_error` entry). */
const INNER_KINDS: readonly RestFaultKind[] = ['http500', 'queryLimit', 'error'];

export class RestFaults {
  private rules: RestFaultRule[] = [];

  add(count: number, kind: RestFaultKind, options: RestFaultOptions = {}): void {
    if (!REST_FAULT_KINDS.includes(kind)) throw new Error(`Unknown fault kind: ${String(kind)}`);
    if (!Number.isInteger(count) || count < 1) throw new Error('Fault count must be a positive integer');
    const method = options.method?.toLowerCase().replace(/\.json$/, '');
    this.rules.push({ remaining: count, kind, options: { ...options, method } });
  }

  /**
   * Consumes one matching rule. HTTP requests match rules without a method or with their method;
   * inner batch commands only match rules naming their method explicitly, of an "answer" kind.
   */
  take(method: string, inner: boolean): RestFaultRule | null {
    const rule = this.rules.find((r) =>
      inner ? r.options.method === method && INNER_KINDS.includes(r.kind) : r.options.method === undefined || r.options.method === method,
    );
    if (!rule) return null;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
    return { ...rule };
  }

  pending(): RestFaultRule[] {
    return this.rules.map((r) => ({ ...r, options: { ...r.options } }));
  }

  clear(): void {
    this.rules = [];
  }
}
