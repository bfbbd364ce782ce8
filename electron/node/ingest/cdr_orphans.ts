// CDR rows left without a call. A CDR row that joined a captured call points at it; when that
// capture's source goes (removed by the user, a cancelled import, a duplicate dropped, the
// cleanup of a killed import), ON DELETE SET NULL leaves the row pointing nowhere — and a row
// that points nowhere is in no call list, summary or report: the CDR export silently lost a
// call. Here each such row finds another captured call of the library (the same join as on
// import), or else stands as a CDR-only call again, classified as the CDR import would.

import { cdrToFacts } from '../../../shared/engine/calls/cdr_facts.ts';
import type { DiagnosisSettings } from '../../../shared/model/verdict.ts';
import type { IndexStore } from '../store/index_store.ts';
import { findCapturedCall, verdictFor } from './diagnose.ts';

/** Rows handled per read: a removal orphans at most the CDR rows of one capture's calls. */
const BATCH = 500;

export interface OrphansRestored {
  /** Rows joined to another captured call. */
  rejoined: number;
  /** Rows standing as CDR-only calls again. */
  standing: number;
}

/** Gives every orphaned CDR row a call again. Call inside the removal's transaction. */
export function restoreOrphanedCdrRecords(store: IndexStore, settings: DiagnosisSettings): OrphansRestored {
  const out: OrphansRestored = { rejoined: 0, standing: 0 };
  for (;;) {
    const rows = store.inputs.orphanedCdrRecords(BATCH);
    for (const r of rows) {
      const hit = findCapturedCall(store, r);
      if (hit) {
        store.inputs.linkCdr(r.id, hit.call.id, hit.method, hit.deltaMs);
        out.rejoined++;
        continue;
      }
      const facts = cdrToFacts(r, r.sourceName);
      store.inputs.standAlone(r, facts, verdictFor(store, facts, settings));
      out.standing++;
    }
    // Every row read was given a call, so the next read starts past them.
    if (rows.length < BATCH) return out;
  }
}

/**
 * After opening an index whose earlier import was killed (openIndex removed its source): the
 * CDR rows that had joined its calls get a call again. Nothing to do, nothing written, otherwise.
 */
export function restoreAfterRecovery(store: IndexStore, settings: DiagnosisSettings): OrphansRestored {
  if (store.recovered.length === 0) return { rejoined: 0, standing: 0 };
  return store.transaction(() => restoreOrphanedCdrRecords(store, settings));
}

/** Removes a source and everything derived from it, keeping the CDR rows of other sources that had joined its calls. */
export function removeSource(store: IndexStore, sourceId: number, settings: DiagnosisSettings): OrphansRestored {
  return store.transaction(() => {
    store.deleteSource(sourceId);
    return restoreOrphanedCdrRecords(store, settings);
  });
}
