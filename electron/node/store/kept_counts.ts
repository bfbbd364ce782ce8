// Keeps the library's derived tables — the dashboard counts (summary_*, summary_aggregates.ts),
// the calls per source (summary_sources, migrations.ts) and the trigram text index (calls_text) — equal to the calls, set by set instead of row by
// row (issue 13). Per-row triggers did the same work but cost a CDR import three quarters of
// its speed (22 000 → 5 700 rows/s): a dozen statements per inserted row. Here a batch of
// calls costs one statement per table, run over the batch's rows:
//
// - a write transaction notes the highest call id when it begins (the mark); the calls it
//   inserts have larger ids (INTEGER PRIMARY KEY: max + 1) and are added together when it
//   ends (flush: one INSERT … SELECT … GROUP BY … ON CONFLICT upsert per table, one INSERT
//   into calls_text, one search for twins). Until then they are pending: neither counted nor
//   indexed, so removing or re-classifying one of them needs nothing more;
// - removing calls (a source, one CDR-only call) first flushes, then takes the rows' counts
//   away and deletes their text entries (the same upserts with -count(*)), then deletes;
// - re-classifying a set of calls (a source's, the rows with agent events) takes the set away,
//   rewrites the verdicts and adds the set back; re-classifying every call rebuilds the counts
//   in one pass (it rewrites every row anyway). A single verdict written outside those scopes
//   takes its own row away and back.
//
// Every write path of `calls` goes through here (IndexStore, InputStore, removal of a killed
// import); a write outside a transaction becomes its own. Rolled back with the writer's
// transaction, since all of it runs inside it.

import type BetterSqlite3 from 'better-sqlite3';
import { writeTransaction } from './write_lock.ts';

type Db = BetterSqlite3.Database;

/** Which calls a set-based step covers: a WHERE term over `calls` and its parameters. */
export interface CallSet {
  where: string;
  params: unknown[];
}

export const callsAfter = (id: number): CallSet => ({ where: 'id > ?', params: [id] });
export const callsOfSource = (sourceId: number): CallSet => ({ where: 'source_id = ?', params: [sourceId] });
export const callById = (id: number): CallSet => ({ where: 'id = ?', params: [id] });
export const callsByIds = (ids: readonly number[]): CallSet => ({ where: 'id IN (SELECT value FROM json_each(?))', params: [JSON.stringify(ids)] });

const HOUR = 'floor(start_us / 3600000000.0) * 3600000000.0';
const ANSWERED_US = 'CAST(round(duration_ms * 1000) AS INTEGER)';

/** The statements that add (sign 1) or take away (sign -1) the counts of a set of calls. */
function countSql(where: string, sign: 1 | -1, sources = true): string[] {
  const n = sign === 1 ? 'count(*)' : '-count(*)';
  // Unary + on every column but the set's own: the set (a row-id range, a source, a list of
  // ids) must drive the statement. Without it the planner, which has no statistics, walked a
  // (kind, …) index over every call of the library to count a slice of a few hundred.
  const calls = `FROM calls WHERE +kind = 'call' AND (${where})`;
  const up = (table: string, cols: string, values: string, extra = ''): string =>
    `INSERT INTO ${table} (${cols}, calls) SELECT ${values}, ${n} ${calls}${extra} GROUP BY ${values} ON CONFLICT (${cols}) DO UPDATE SET calls = calls + excluded.calls`;
  const bySource = `INSERT INTO summary_sources (source_id, kind, calls) SELECT +source_id, +kind, ${n} FROM calls WHERE (${where}) GROUP BY 1, 2
      ON CONFLICT (source_id, kind) DO UPDATE SET calls = calls + excluded.calls`;
  return [
    up('summary_hours', 'hour_us, bucket', `${HOUR}, coalesce(bucket, 0)`),
    up('summary_pairs', 'caller_addr, callee_addr, bucket, answered', 'caller_addr, callee_addr, coalesce(bucket, 0), answered'),
    up('summary_causes', 'cause', 'cause', " AND +cause <> ''"),
    up('summary_q850', 'code', 'q850_cause', ' AND +q850_cause IS NOT NULL'),
    // Every kind (the library panel counts a source's dialogs of any kind). Grouped by
    // expressions, not columns: no (kind, source_id, …) index may drive the set's statement.
    // Not before migration 11 has made the table (migration 9 fills the others).
    ...(sources ? [bySource] : []),
    `UPDATE summary_totals SET (answered_us, pdd_count) = (SELECT answered_us + ${sign} * coalesce(sum(CASE WHEN answered THEN ${ANSWERED_US} ELSE 0 END), 0),
      pdd_count + ${sign} * count(pdd_ms) ${calls})`,
  ];
}

const TEXT_ADD = (where: string): string => `INSERT INTO calls_text (rowid, from_user, to_user, call_id) SELECT id, from_user, to_user, call_id FROM calls WHERE ${where}`;
const TEXT_REMOVE = (where: string): string =>
  `INSERT INTO calls_text (calls_text, rowid, from_user, to_user, call_id) SELECT 'delete', id, from_user, to_user, call_id FROM calls WHERE ${where}`;
// A new row whose (Call-ID, From, To) has a row in another source: two probes of
// calls_call_id (call_id, from_user, to_user, source_id) per new row, a source below and one
// above, each ended by its first entry — so many rows sharing one key (a test tool reusing a
// Call-ID) cost no more than one. Keys are candidates, a superset: oncePerCallId decides when
// read (same key, another source, within 10 minutes), and keys are not removed when rows go.
const twinIn = (side: '<' | '>'): string => `EXISTS (SELECT 1 FROM calls o
    WHERE o.call_id = n.call_id AND o.from_user = n.from_user AND o.to_user = n.to_user AND o.source_id ${side} n.source_id)`;
export const TWINS_ADD = (where: string): string => `INSERT OR IGNORE INTO summary_twins (call_id, from_user, to_user)
  SELECT n.call_id, n.from_user, n.to_user FROM calls n WHERE (${where.replace(/\b(id|source_id)\b/g, 'n.$1')}) AND (${twinIn('<')} OR ${twinIn('>')})`;

/** The statements of a flush over `where` (for the bench that prices each step). */
export function flushSql(where: string): { counts: string[]; text: string; twins: string } {
  return { counts: countSql(where, 1), text: TEXT_ADD(where), twins: TWINS_ADD(where) };
}

/** Fills the counts, the twins and calls_text from every call (migration 9: summary_sources comes with 11). */
export function fillKeptCounts(db: Db, opts: { sources?: boolean } = {}): void {
  rebuildCounts(db, opts.sources ?? true);
  db.prepare(TWINS_ADD('id > ?')).run(-1);
}

/**
 * Rebuilds every derived table from the calls: for rows written straight in SQL, past the
 * store (tests and benches that generate a library), and for a check of the kept counts.
 */
export function rebuildKeptCounts(db: Db): void {
  writeTransaction(db, () => {
    db.exec("DELETE FROM summary_twins; INSERT INTO calls_text (calls_text) VALUES ('rebuild')");
    fillKeptCounts(db);
  }, { what: 'rebuilding the kept counts' });
}

/** Recounts summary_* from every call (the twins and calls_text do not depend on verdicts). */
function rebuildCounts(db: Db, sources = true): void {
  db.exec(`DELETE FROM summary_hours; DELETE FROM summary_pairs; DELETE FROM summary_causes; DELETE FROM summary_q850;${sources ? ' DELETE FROM summary_sources;' : ''}
    UPDATE summary_totals SET answered_us = 0, pdd_count = 0`);
  for (const sql of countSql('1', 1, sources)) db.prepare(sql).run();
}

export class KeptCounts {
  /** Highest call id counted when the running transaction began; null outside one. */
  private mark: number | null = null;
  /** Inside a re-classification scope: its set is already taken away, verdicts write plainly. */
  private reclassifying = 0;
  private readonly stmts = new Map<string, BetterSqlite3.Statement>();
  private readonly maxId: BetterSqlite3.Statement;
  private readonly totalChanges: BetterSqlite3.Statement;
  /**
   * Rows these steps wrote (SQLite's total_changes, calls_text's own shadow rows included):
   * the derived tables' share of an import's writes, which the import's tests set apart.
   */
  rowsWritten = 0;

  constructor(private readonly db: Db) {
    this.maxId = db.prepare('SELECT coalesce(max(id), 0) FROM calls').pluck();
    this.totalChanges = db.prepare('SELECT total_changes()').pluck();
  }

  /**
   * Runs a step and adds what it wrote to rowsWritten. As a savepoint: FTS5 keeps new entries
   * in memory and writes them when a savepoint or the transaction ends, so that its writes fall
   * inside the count (and not at the caller's commit).
   */
  private counting(step: () => void): void {
    const before = this.totalChanges.get() as number;
    this.db.transaction(step)();
    this.rowsWritten += (this.totalChanges.get() as number) - before;
  }

  private run(sql: string, params: unknown[]): void {
    let s = this.stmts.get(sql);
    if (!s) this.stmts.set(sql, (s = this.db.prepare(sql)));
    s.run(...params);
  }

  private add(set: CallSet): void {
    for (const sql of countSql(set.where, 1)) this.run(sql, set.params);
  }

  private takeAway(set: CallSet): void {
    for (const sql of countSql(set.where, -1)) this.run(sql, set.params);
  }

  /**
   * Runs fn in a transaction (a savepoint inside one) whose new calls are counted at its end.
   * IMMEDIATE: the write lock is held from BEGIN, so the mark read first is still the highest id
   * when the calls are inserted — another connection (a parallel import) cannot add calls between.
   * The lock is waited for against real time (write_lock.ts).
   */
  transaction<T>(fn: () => T): T {
    if (this.mark !== null) return this.db.transaction(fn)();
    return writeTransaction(this.db, () => {
      this.mark = this.maxId.get() as number;
      try {
        const out = fn();
        this.flush();
        return out;
      } finally {
        this.mark = null;
      }
    });
  }

  /** For a transaction begun by hand (BEGIN … COMMIT around awaits): begin and end it here. */
  begin(): void {
    this.mark = this.maxId.get() as number;
  }

  end(commit: boolean): void {
    try {
      if (commit) this.flush();
    } finally {
      this.mark = null;
    }
  }

  /** Inside a transaction begun through here (its new calls are counted at its end). */
  get active(): boolean {
    return this.mark !== null;
  }

  /** Runs a write: as is inside a transaction of this connection's store, else in one of its own. */
  write<T>(fn: () => T): T {
    return this.mark !== null ? fn() : this.transaction(fn);
  }

  /** Counts and indexes the calls inserted since the mark: one statement per table. */
  flush(): void {
    if (this.mark === null) return;
    const top = this.maxId.get() as number;
    if (top <= this.mark) return;
    const set = callsAfter(this.mark);
    this.counting(() => {
      this.add(set);
      this.run(TEXT_ADD(set.where), set.params);
      this.run(TWINS_ADD(set.where), set.params);
    });
    this.mark = top;
  }

  /** Takes the calls of `set` out of the counts and the text index; the caller deletes them next. */
  beforeDelete(set: CallSet): void {
    this.flush();
    this.counting(() => {
      this.takeAway(set);
      this.run(TEXT_REMOVE(set.where), set.params);
    });
  }

  /**
   * After a delete that beforeDelete prepared: the mark moves to the highest id left. A new row
   * takes max(id) + 1, so once the highest rows are gone the next insert can reuse an id at or
   * below the old mark (removing the newest source, then a CDR row of it standing alone again)
   * — and `id > mark` would miss it. Every row is counted at this point (beforeDelete flushed).
   */
  afterDelete(): void {
    if (this.mark !== null) this.mark = this.maxId.get() as number;
  }

  /** Writes one verdict: its row's counts go out and back in unless pending or in a scope. */
  verdict(callRowId: number, write: () => void): void {
    this.write(() => {
      if (this.reclassifying > 0 || callRowId > (this.mark ?? Infinity)) return write();
      const one = callById(callRowId);
      this.takeAway(one);
      write();
      this.add(one);
    });
  }

  /** Runs fn with verdict() writing straight through: the caller takes the set out and adds it back. */
  private whileReclassifying<T>(fn: () => T): T {
    this.reclassifying++;
    try {
      return fn();
    } finally {
      this.reclassifying--;
    }
  }

  /** Re-classifies the calls of `set` (fn rewrites their verdicts only): out, rewrite, back in. */
  reclassify<T>(set: CallSet, fn: () => T): T {
    // A savepoint: a throw inside fn takes the counts back with the verdicts.
    return this.write(() =>
      this.db.transaction(() => {
        this.flush();
        this.takeAway(set);
        const out = this.whileReclassifying(fn);
        this.add(set);
        return out;
      })(),
    );
  }

  /** Re-classifies every call: the counts are rebuilt in one pass afterwards. */
  reclassifyAll<T>(fn: () => T): T {
    return this.write(() =>
      this.db.transaction(() => {
        this.flush();
        const out = this.whileReclassifying(fn);
        rebuildCounts(this.db);
        return out;
      })(),
    );
  }
}
