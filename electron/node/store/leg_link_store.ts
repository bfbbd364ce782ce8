// The leg links of the index (migration 10): the SQL of the links between the legs of an
// end-to-end call and of the heuristic links the user undid. Computing the links is not done
// here (shared/diagnosis/leg_links.ts, electron/node/ingest/stored_legs.ts): this module only
// reads and writes rows, so index_store.ts does not grow with it.

import type BetterSqlite3 from 'better-sqlite3';
import type { LegLinkMethod } from '../../../shared/diagnosis/leg_links.ts';
import type { CallFacts } from '../../../shared/model/call.ts';
import type { Verdict } from '../../../shared/model/verdict.ts';
import { FACTS_FROM_CDR_ROW } from './call_row.ts';
import { decodeVerdict } from './verdict_codec.ts';
import { writeTransaction } from './write_lock.ts';

type Db = BetterSqlite3.Database;
type Stmt = BetterSqlite3.Statement<unknown[], unknown>;

export interface NewLegLink {
  /** Call row ids: the upstream leg (earlier INVITE) and the downstream one. */
  from: number;
  to: number;
  method: LegLinkMethod;
  confidence: number;
  why: string;
  /** When the user undid it (ms since the epoch); null while it stands. */
  undoneAt: number | null;
}

export interface StoredLegLink extends NewLegLink {
  id: number;
}

interface LinkRow {
  id: number;
  from_row: number;
  to_row: number;
  method: LegLinkMethod;
  confidence: number;
  why: string;
  undone_at: number | null;
}

const toLink = (r: LinkRow): StoredLegLink => ({
  id: r.id, from: r.from_row, to: r.to_row, method: r.method, confidence: r.confidence, why: r.why, undoneAt: r.undone_at,
});

/** The pair's Call-IDs in the order leg_link_undo keeps them (either order means the same pair). */
export function undoPair(a: string, b: string): [string, string] {
  return a < b ? [a, b] : [b, a];
}

/** What the end-to-end verdict of a leg needs, read without its messages (the summary's path). */
export interface LegVerdictRow {
  id: number;
  callId: string;
  facts: Pick<CallFacts, 'inviteUs' | 'startUs' | 'answerUs' | 'endUsAt' | 'endUs'> & { streams: Array<{ packets: number; lastUs: number }> };
  verdict: Verdict | null;
}

/**
 * The links among a set of rows (given as a JSON array: one statement whatever their number).
 * The + keeps to_row out of the index search: with both lists on (from_row, to_row) the
 * planner probes every pair of rows (n² probes: 3.6 s for 4 000 rows) instead of one per row.
 */
export const DELETE_AMONG_SQL = 'DELETE FROM leg_links WHERE from_row IN (SELECT value FROM json_each(@rows)) AND +to_row IN (SELECT value FROM json_each(@rows))';

/** A group of legs is walked link by link; past this many legs it is cut (hostile captures). */
export const MAX_GROUP_LEGS = 64;

export class LegLinkStore {
  private readonly s: {
    touching: Stmt;
    byId: Stmt;
    insert: Stmt;
    deleteAmong: Stmt;
    setUndone: Stmt;
    remember: Stmt;
    forget: Stmt;
    isUndone: Stmt;
    allActive: Stmt;
    count: Stmt;
    legRows: Stmt;
    legStreams: Stmt;
  };

  constructor(private readonly db: Db) {
    const p = (sql: string): Stmt => db.prepare(sql);
    const cols = 'id, from_row, to_row, method, confidence, why, undone_at';
    this.s = {
      touching: p(`SELECT ${cols} FROM leg_links WHERE from_row = ? UNION SELECT ${cols} FROM leg_links WHERE to_row = ?`),
      byId: p(`SELECT ${cols} FROM leg_links WHERE id = ?`),
      insert: p(`INSERT INTO leg_links (from_row, to_row, method, confidence, why, undone_at) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (from_row, to_row) DO UPDATE SET method = excluded.method, confidence = excluded.confidence,
        why = excluded.why, undone_at = excluded.undone_at`),
      deleteAmong: p(DELETE_AMONG_SQL),
      setUndone: p('UPDATE leg_links SET undone_at = ? WHERE id = ?'),
      remember: p(`INSERT INTO leg_link_undo (call_id_a, call_id_b, undone_at) VALUES (?, ?, ?)
        ON CONFLICT (call_id_a, call_id_b) DO UPDATE SET undone_at = excluded.undone_at`),
      forget: p('DELETE FROM leg_link_undo WHERE call_id_a = ? AND call_id_b = ?'),
      isUndone: p('SELECT undone_at FROM leg_link_undo WHERE call_id_a = ? AND call_id_b = ?').pluck(),
      allActive: p(`SELECT ${cols} FROM leg_links WHERE undone_at IS NULL ORDER BY id`),
      count: p('SELECT count(*) FROM leg_links').pluck(),
      legRows: p(`SELECT id, call_id, facts_json, verdict_json, bucket, cause FROM calls WHERE id IN (SELECT value FROM json_each(?))`),
      legStreams: p(`SELECT call_row_id, packets, last_us FROM streams WHERE call_row_id IN (SELECT value FROM json_each(?))`),
    };
  }

  /** Every link with this call at one end (undone ones included). */
  touching(rowId: number): StoredLegLink[] {
    return (this.s.touching.all(rowId, rowId) as LinkRow[]).map(toLink);
  }

  get(linkId: number): StoredLegLink | null {
    const r = this.s.byId.get(linkId) as LinkRow | undefined;
    return r ? toLink(r) : null;
  }

  /** The links that stand (not undone), for grouping a whole list of calls. */
  allActive(): StoredLegLink[] {
    return (this.s.allActive.all() as LinkRow[]).map(toLink);
  }

  count(): number {
    return this.s.count.get() as number;
  }

  /**
   * Replaces the links among these rows (both ends in the set) by the given ones: what a
   * relinking of exactly these rows found. Links to rows outside the set are left alone.
   */
  replaceAmong(rowIds: readonly number[], links: readonly NewLegLink[]): void {
    writeTransaction(this.db, () => {
      this.s.deleteAmong.run({ rows: JSON.stringify(rowIds) });
      for (const l of links) this.s.insert.run(l.from, l.to, l.method, l.confidence, l.why, l.undoneAt);
    }, { what: 'relinking legs' });
  }

  /** Undo (at = ms) or redo (at = null) one link, and remember it by its Call-IDs. */
  setUndone(linkId: number, callIds: [string, string], at: number | null): void {
    writeTransaction(this.db, () => {
      this.s.setUndone.run(at, linkId);
      const [a, b] = undoPair(...callIds);
      if (at === null) this.s.forget.run(a, b);
      else this.s.remember.run(a, b, at);
    }, { what: 'undoing a leg link' });
  }

  /**
   * The legs' facts and verdicts for their end-to-end verdict, in one query each for calls and
   * streams: the summary reads every linked leg, and a whole call (messages, raw text) is far
   * more than it needs. CDR-only rows are never legs and are left out.
   */
  legVerdictRows(rowIds: readonly number[]): LegVerdictRow[] {
    const ids = JSON.stringify(rowIds);
    const streams = new Map<number, Array<{ packets: number; lastUs: number }>>();
    for (const r of this.s.legStreams.all(ids) as Array<{ call_row_id: number; packets: number; last_us: number }>) {
      let list = streams.get(r.call_row_id);
      if (!list) streams.set(r.call_row_id, (list = []));
      list.push({ packets: r.packets, lastUs: r.last_us });
    }
    const out: LegVerdictRow[] = [];
    const rows = this.s.legRows.all(ids) as Array<{ id: number; call_id: string; facts_json: string; verdict_json: string | null; bucket: number | null; cause: string | null }>;
    for (const r of rows) {
      if (r.facts_json === FACTS_FROM_CDR_ROW) continue;
      const f = JSON.parse(r.facts_json) as Omit<CallFacts, 'messages' | 'streams'>;
      out.push({
        id: r.id,
        callId: r.call_id,
        facts: { inviteUs: f.inviteUs, startUs: f.startUs, answerUs: f.answerUs, endUsAt: f.endUsAt, endUs: f.endUs, streams: streams.get(r.id) ?? [] },
        verdict: r.verdict_json === null ? null : decodeVerdict(r.verdict_json, r.bucket, r.cause),
      });
    }
    return out;
  }

  /** When the user undid a link between these two Call-IDs (either order); null if never (or redone). */
  undoneAt(callIdA: string, callIdB: string): number | null {
    const [a, b] = undoPair(callIdA, callIdB);
    return (this.s.isUndone.get(a, b) as number | undefined) ?? null;
  }
}
