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
