// Which of two equal captures is "the duplicate", made independent of timing. Imported one
// after another, the later one in input order is found already indexed. Imported in parallel
// (import_pool.ts), the one whose import finishes second is — and two equal captures can be
// imported side by side when one of them is inside an archive (the pool keeps equal-size
// files together, but an archive member's size is known only once it is extracted). This
// puts the outcomes back into the sequential order: when a duplicate comes before the
// outcome that imported its source, the two trade places, and the source takes the earlier
// file's path and name. Same bytes give the same source (format, calls, statistics), so only
// the name differed.

import type { IndexStore } from '../store/index_store.ts';
import type { AnyOutcome } from './import_file.ts';

/** One outcome in input order, with where it lives so it can be replaced. */
export interface OutcomeSlot {
  list: AnyOutcome[];
  index: number;
}

/** Returns how many pairs traded places. */
export function restoreDuplicateOrder(store: IndexStore, slots: readonly OutcomeSlot[]): number {
  const at = (i: number): AnyOutcome => slots[i].list[slots[i].index];
  const put = (i: number, o: AnyOutcome): void => void (slots[i].list[slots[i].index] = o);
  const importer = new Map<number, number>();
  const firstDuplicate = new Map<number, number>();
  slots.forEach((_, i) => {
    const o = at(i);
    if (o.sourceId === null || o.kind !== 'capture') return;
    if (o.status === 'duplicate') {
      if (!firstDuplicate.has(o.sourceId)) firstDuplicate.set(o.sourceId, i);
    } else if (o.status !== 'failed') importer.set(o.sourceId, i);
  });
  let swapped = 0;
  for (const [sourceId, d] of firstDuplicate) {
    const q = importer.get(sourceId);
    if (q === undefined || q < d) continue;
    const imp = at(q);
    const dup = at(d);
    store.renameSource(sourceId, dup.path, dup.name);
    // The shape importCapture gives a duplicate: the indexed source's counts, no error or warning.
    put(d, { ...imp, path: dup.path, name: dup.name });
    put(q, { ...imp, status: 'duplicate', error: null, warnings: [] });
    swapped++;
  }
  return swapped;
}
