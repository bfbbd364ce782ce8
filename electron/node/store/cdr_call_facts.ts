// The facts of a CDR-only call written from schema v8 on (facts_json = FACTS_FROM_CDR_ROW):
// cdrToFacts() of the CDR row that stands as the call, with its source's name — exactly what
// the importer classified, rebuilt on read instead of stored as a second copy of the row.

import type BetterSqlite3 from 'better-sqlite3';
import { cdrToFacts } from '../../../shared/engine/calls/cdr_facts.ts';
import type { CallFacts } from '../../../shared/model/call.ts';
import { toCdr, type CdrRow } from './input_store.ts';

type Db = BetterSqlite3.Database;
type Stmt = BetterSqlite3.Statement<unknown[], unknown>;

export class CdrCallFacts {
  private readonly rowOf: Stmt;

  constructor(db: Db) {
    this.rowOf = db.prepare(`SELECT r.*, s.name AS source_name FROM cdr_records r JOIN sources s ON s.id = r.source_id
      WHERE r.call_row_id = ? AND r.join_method = 'cdr_only' ORDER BY r.id LIMIT 1`);
  }

  /** The facts of CDR-only call `callRowId`, null when its CDR row is gone. */
  factsOf(callRowId: number): CallFacts | null {
    const r = this.rowOf.get(callRowId) as (CdrRow & { source_name: string }) | undefined;
    return r ? cdrToFacts(toCdr(r), r.source_name) : null;
  }
}
