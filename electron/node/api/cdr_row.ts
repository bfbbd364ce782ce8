// A stored CDR row as the API and the CLI show it beside its call (with how it was joined).

import type { CdrRow } from '../../../shared/api/contract.ts';
import type { StoredCdrRecord } from '../store/input_store.ts';

export function cdrRowOf(r: StoredCdrRecord, sourceName: (id: number) => string): CdrRow {
  return {
    source: sourceName(r.sourceId), line: r.line, format: r.format, join: r.joinMethod, joinDeltaMs: r.joinDeltaMs,
    disposition: r.disposition, q850Cause: r.q850Cause, sipCode: r.sipCode, endedBy: r.endedBy,
    durationS: r.durationS, billsecS: r.billsecS, peer: r.peer, raw: r.raw,
  };
}
