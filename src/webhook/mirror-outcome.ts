import type { Attributes } from '@opentelemetry/api';
import { inSpan, SPAN_ATTRIBUTES } from '../common/spans';

/** What mirroring one Bitrix object did to the local copy. */
export type MirrorOutcome = 'created' | 'updated' | 'unchanged' | 'deleted' | 'ignored';

export interface MirrorCounts {
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  ignored: number;
  failed: number;
}

export function emptyCounts(): MirrorCounts {
  return { created: 0, updated: 0, unchanged: 0, deleted: 0, ignored: 0, failed: 0 };
}

/** One `mirror.write` span around mirroring one object (webhook workers and reconciliation), with its outcome. */
export function inMirrorSpan<T extends MirrorOutcome | { outcome: MirrorOutcome }>(attributes: Attributes, write: () => Promise<T>): Promise<T> {
  return inSpan('mirror.write', { attributes }, async (span) => {
    const result = await write();
    span.setAttribute(SPAN_ATTRIBUTES.mirrorOutcome, typeof result === 'string' ? result : result.outcome);
    return result;
  });
}
