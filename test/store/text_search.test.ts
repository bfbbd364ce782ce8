// A text search's two plans (text_search.ts) give the same page: the list walk (the list's
// sort index read in order, each row tested with an exact GLOB) and the plan driven from the
// trigram matches, for broad, narrow and absent text, every sort key both ways, from the top
// and from cursors either way. The work is bounded by counts: the rows the walk tests are
// counted by a counting `glob` function on the connection, never by time.

import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallFilter, CallSortKey } from '../../shared/api/contract.ts';
import { SORT_COLUMN } from '../../electron/node/store/call_query.ts';
import { cursorOf } from '../../electron/node/store/call_list_query.ts';
import { openIndex, type IndexStore } from '../../electron/node/store/index_store.ts';
import { rebuildKeptCounts } from '../../electron/node/store/kept_counts.ts';
import { COUNT_CHUNK, FOLDED_TO_ASCII, PAGE_COUNT_CAP, exactGlob } from '../../electron/node/store/text_search.ts';
import type { CallSummary } from '../../electron/node/store/call_summary_row.ts';
import { hash, tempDir } from './fixtures.ts';

const N = 4000;
let tmp: ReturnType<typeof tempDir>;
let store: IndexStore;
let db: Database.Database;
/** Rows the walk tested: calls of `glob` (up to three per row: From, To, Call-ID). */
let globCalls = 0;

/** GLOB as SQLite does it, for the patterns exactGlob writes (`*`, literals, classes, `*`). */
function globRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '*') re += '[^]*';
    else if (ch === '[') {
      const end = pattern.indexOf(']', i + 2);
      re += `[${[...pattern.slice(i + 1, end)].map((c) => `\\u{${c.codePointAt(0)!.toString(16)}}`).join('')}]`;
      i = end;
    } else re += `\\u{${ch.codePointAt(0)!.toString(16)}}`;
  }
  return new RegExp(`^${re}$`, 'u');
}

beforeAll(() => {
  tmp = tempDir();
  const file = join(tmp.dir, 'search.sqlite');
  openIndex(file).close();
  const w = new Database(file);
  w.prepare("INSERT INTO sources (id, path, name, content_hash, size_bytes, format, imported_at, status) VALUES (1, '/x.pcap', 'x.pcap', ?, 1, 'pcap', 0, 'ok')").run(hash(1));
  // Every From holds "1555" (a search matching the whole list); "agent3" matches 8 To values
  // in 37; a Call-ID is one call's. Some Call-IDs hold a KELVIN SIGN or a LONG S, which the
  // trigram index folds to k / s (a search for "kup" or "sip" finds them). Sort columns have
  // NULLs and ties, so both segments and the (value, start, id) ties are exercised.
  w.exec(`
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${N})
    INSERT INTO calls (source_id, call_id, kind, from_user, to_user, from_uri, to_uri, caller_addr, callee_addr, start_us, end_us,
      answered, pdd_ms, final_status, final_reason, end_method, duration_ms, sip_messages, sip_retransmissions, stream_count,
      worst_loss_pct, worst_jitter_ms, min_mos, longest_gap_ms, facts_json, bucket, cause, confidence)
    SELECT 1,
      CASE WHEN i % 97 = 0 THEN 'lin' || char(8490) || 'up-' || i WHEN i % 89 = 0 THEN char(383) || 'ip-' || i WHEN i % 83 = 0 THEN 'SIP-Kup-' || i ELSE 'call-' || i || '@host' END,
      CASE WHEN i % 50 = 0 THEN 'other' ELSE 'call' END, '+1555' || (i % 997), 'agent' || (i % 37),
      '', '', '10.0.' || (i % 7) || '.1:5060', '192.0.2.10:5060', 1.7e15 + (i % 1000) * 1e6, 1.7e15 + i * 1e6 + 3e7,
      i % 5 <> 0, CASE WHEN i % 11 = 0 THEN NULL ELSE i % 300 END, CASE WHEN i % 5 = 0 THEN 486 ELSE 200 END, '', 'BYE',
      (i * 7919) % 6000, 7, 0, 2, CASE WHEN i % 13 = 0 THEN NULL ELSE (i % 10) / 10.0 END, (i % 40) / 10.0,
      CASE WHEN i % 13 = 0 THEN NULL ELSE 1 + (i % 34) / 10.0 END, (i % 90) * 1.0, '{}',
      CASE WHEN i % 23 = 0 THEN NULL ELSE 1 + (i % 7) END,
      CASE WHEN i % 23 = 0 THEN 'capture_ended' WHEN i % 5 = 0 THEN 'sip_486' ELSE 'cause_' || (1 + i % 7) END, 1
    FROM n;
  `);
  rebuildKeptCounts(w);
  w.close();
  store = openIndex(file);
  db = (store as unknown as { db: Database.Database }).db;
  db.function('glob', { deterministic: true }, (pattern: unknown, text: unknown) => {
    globCalls++;
    return text === null ? null : globRegExp(String(pattern)).test(String(text)) ? 1 : 0;
  });
});
afterAll(() => {
  store.close();
  tmp.cleanup();
});

type Q = Parameters<IndexStore['callQuery']['page']>[0];

/** The page by the plan driven from the trigram matches (a walk budget of 0 rows never fills a page). */
function byMatches(q: Q): number[] {
  const before = store.callQuery.walkBudget;
  store.callQuery.walkBudget = 0;
  try {
    return store.callQuery.page(q).rows.map((r) => r.id);
  } finally {
    store.callQuery.walkBudget = before;
  }
}

/**
 * With this walk budget, and with every text that has a match taken as having many (a page's
 * count reads one match): the walk is tried whenever a text matches, as at a million calls.
 */
function withBudget<T>(budget: number, f: () => T): T {
  const [before, cap] = [store.callQuery.walkBudget, store.callQuery.pageCountCap];
  store.callQuery.walkBudget = budget;
  store.callQuery.pageCountCap = 1;
  try {
    return f();
  } finally {
    store.callQuery.walkBudget = before;
    store.callQuery.pageCountCap = cap;
  }
}

const TEXTS = ['1555', '+15551', 'agent3', 'AGENT36', 'call-1234@', 'kup', 'KUP-', 'sip', 'zzzz', '5*5', '[1', 'a?e', '15%', 'up-1'];

describe('text search: the list walk and the trigram plan', () => {
  it('exactGlob: case classes with the folded characters, GLOB specials as classes, non-ASCII refused', () => {
    expect(exactGlob('1555')).toBe('*1555*');
    expect(exactGlob('Kup')).toBe(`*[kK${FOLDED_TO_ASCII.k}][uU][pP]*`);
    expect(exactGlob('a*[?]')).toBe('*[aA][*][[][?]]*');
    expect(exactGlob('caf\u00e9')).toBeUndefined();
    expect(exactGlob('a\tb')).toBeUndefined();
  });

  // The claim FOLDED_TO_ASCII rests on, checked against the tokenizer itself over the Basic
  // Multilingual Plane (the whole Unicode range was checked once: nothing more; code points
  // above U+FFFF that FTS5 folds fold to non-ASCII letters).
  it('the trigram tokenizer folds exactly FOLDED_TO_ASCII of the non-ASCII characters to ASCII', () => {
    const t = new Database(':memory:');
    t.exec("CREATE VIRTUAL TABLE t USING fts5(a, tokenize='trigram')");
    const ins = t.prepare('INSERT INTO t (rowid, a) VALUES (?, ?)');
    t.transaction(() => {
      for (let c = 0x80; c <= 0xffff; c++) {
        if (c >= 0xd800 && c <= 0xdfff) continue;
        const s = String.fromCodePoint(c);
        ins.run(c, s + s + s);
      }
    })();
    const q = t.prepare('SELECT rowid FROM t WHERE t MATCH ?').pluck();
    const found: Record<string, string> = {};
    for (let a = 0x20; a < 0x7f; a++) {
      const ch = String.fromCharCode(a);
      if (ch === '"') continue;
      for (const c of q.all(`"${ch}${ch}${ch}"`) as number[]) found[ch.toLowerCase()] = String.fromCodePoint(c);
    }
    t.close();
    expect(found).toEqual(FOLDED_TO_ASCII);
  });

  it('the walk reads the list index in order, never the trigram index or a sort (EXPLAIN QUERY PLAN)', () => {
    for (const key of Object.keys(SORT_COLUMN) as CallSortKey[]) {
      for (const descending of [false, true]) {
        for (const pos of [{}, { after: { value: 3, id: 500 } }, { before: { value: null, id: 500 } }]) {
          // The other terms as the list without text has them: the same indexes serve the walk.
          for (const other of [{}, { buckets: [3] }, { finalStatuses: [486] }, { groupLegs: true }]) {
            const plan = store.callQuery.explainWalk({ filter: { text: '1555', ...other }, sort: key, descending, ...pos }).join(' | ');
            const what = JSON.stringify({ key, descending, pos, other });
            expect(plan, what).toMatch(/CO-ROUTINE.*SEARCH calls USING (COVERING )?INDEX calls_/);
            expect(plan, what).not.toMatch(/TEMP B-TREE|calls_text|^SCAN calls$/);
          }
        }
      }
    }
  });

  it('gives the rows of the trigram plan for every text, sort key, direction, cursor and offset', () => {
    let pages = 0;
    globCalls = 0;
    // (Broad, medium, one call, none, folded letters, GLOB specials: TEXTS less a few alike.)
    for (const text of ['1555', 'AGENT36', 'call-1234@', 'zzzz', 'kup', 'sip', '5*5', '[1']) {
      for (const key of Object.keys(SORT_COLUMN) as CallSortKey[]) {
        for (const descending of [false, true]) {
          const filter: CallFilter = { text };
          const all = withBudget(20_000, () => store.callQuery.page({ filter, sort: key, descending, limit: N }).rows);
          expect(all.map((r) => r.id)).toEqual(byMatches({ filter, sort: key, descending, limit: N }));
          const at = (i: number): CallSummary | undefined => all[Math.max(0, Math.min(all.length - 1, i))];
          const cursors = [at(7), at(all.length >> 1), at(all.length - 3), all.find((r) => (r as unknown as Record<string, unknown>)[key] === null)].filter((r): r is CallSummary => r !== undefined);
          for (const budget of [20_000, 300]) {
            withBudget(budget, () => {
              const what = JSON.stringify({ text, key, descending, budget });
              expect(store.callQuery.page({ filter, sort: key, descending, limit: 40 }).rows.map((r) => r.id), what).toEqual(all.slice(0, 40).map((r) => r.id));
              // Jumps: within the first segment, across into the nulls, near the end.
              for (const offset of [13, 250, all.length - 5]) {
                expect(store.callQuery.page({ filter, sort: key, descending, offset, limit: 40 }).rows.map((r) => r.id), `${what} offset ${offset}`).toEqual(all.slice(offset, offset + 40).map((r) => r.id));
              }
              for (const c of cursors) {
                const cur = cursorOf(c as unknown as { id: number }, key);
                for (const dir of ['after', 'before'] as const) {
                  const q: Q = { filter, sort: key, descending, limit: 40, [dir]: cur };
                  expect(store.callQuery.page(q).rows.map((r) => r.id), `${what} ${dir} ${JSON.stringify(cur)}`).toEqual(byMatches(q));
                  pages++;
                }
              }
            });
          }
        }
      }
    }
    expect(pages).toBeGreaterThan(500);
    // The walk did run (it is what these pages were compared against the trigram plan for).
    expect(globCalls).toBeGreaterThan(pages * 10);
  });

  it('with the other filter terms too (bucket, final status, hour, grouped legs, non-call dialogs)', () => {
    const filters: CallFilter[] = [
      { text: '1555', buckets: [3] },
      { text: 'agent3', finalStatuses: [486] },
      { text: '1555', fromUs: 1.7e15 + 100e6, toUs: 1.7e15 + 200e6 },
      { text: '1555', groupLegs: true },
      { text: '1555', includeOther: true },
      { text: 'kup', buckets: [0, 2] },
    ];
    for (const filter of filters) {
      for (const budget of [20_000, 300]) {
        for (const key of ['startUs', 'minMos', 'bucket'] as CallSortKey[]) {
          withBudget(budget, () => expect(store.callQuery.page({ filter, sort: key, limit: 60 }).rows.map((r) => r.id), JSON.stringify({ filter, key, budget })).toEqual(byMatches({ filter, sort: key, limit: 60 })));
        }
      }
    }
  });

  it('hostile text: GLOB and LIKE specials, quotes, brackets, non-ASCII — the same rows, no error', () => {
    const texts = [']]]', '[]1', '[!1]', '[^1]', '*?*', '1]5', '\\55', "'55", '"55', '%_5', '555\u0000', 'k\u212aS', '\u017fip', '   ', 'a'.repeat(300), '-@h'];
    for (const text of texts) {
      for (const key of ['startUs', 'pddMs'] as CallSortKey[]) {
        const q: Q = { filter: { text }, sort: key, limit: 50 };
        expect(withBudget(20_000, () => store.callQuery.page(q).rows.map((r) => r.id)), JSON.stringify(text)).toEqual(byMatches(q));
      }
    }
    // A NUL cannot be put in a trigram query (FTS5 ends the query there): such a text matches nothing.
    expect(store.callQuery.page({ filter: { text: '555\u0000' }, limit: 5 })).toMatchObject({ total: 0, totalExact: true, rows: [] });
    expect(store.callQuery.countStep({ text: '555\u0000' })).toEqual({ counted: 0, more: null });
    // Some of them do match (the comparison is not only of empty pages).
    expect(withBudget(20_000, () => store.callQuery.page({ filter: { text: '-@h' }, limit: 5 }).rows)).toHaveLength(0);
    expect(withBudget(20_000, () => store.callQuery.page({ filter: { text: '9@h' }, limit: 5 }).rows)).toHaveLength(5);
  });

  it('a broad search tests only the rows up to its page; a rare one gives up after the budget', () => {
    globCalls = 0;
    const broad = withBudget(20_000, () => store.callQuery.page({ filter: { text: '1555' }, limit: 100 }));
    expect(broad.rows).toHaveLength(100);
    // Every From matches: one test per row (the OR stops at the first), exactly the page's rows.
    expect(globCalls).toBe(100);

    globCalls = 0;
    const rare = withBudget(300, () => store.callQuery.page({ filter: { text: 'call-1234@' }, limit: 100 }));
    expect(rare.rows.map((r) => r.callId)).toEqual(['call-1234@host']);
    // The walk tested at most its budget of rows (three patterns each) before the trigram plan.
    expect(globCalls).toBeGreaterThan(0);
    expect(globCalls).toBeLessThanOrEqual(3 * 300);

    // Text the GLOB cannot match exactly (non-ASCII) is not walked at all.
    globCalls = 0;
    withBudget(20_000, () => store.callQuery.page({ filter: { text: 'caf\u00e9' }, limit: 100 }));
    expect(globCalls).toBe(0);

    // Nor a text with fewer matches than a page's count reads (the trigram plan is cheap then).
    globCalls = 0;
    expect(store.callQuery.page({ filter: { text: '1555' }, limit: 100 }).rows).toHaveLength(100);
    expect(globCalls).toBe(0);
  });

  it('a page carries the exact total under PAGE_COUNT_CAP matches, and countStep the exact one in steps', () => {
    const count = (text: string, where = "kind = 'call'"): number =>
      db.prepare(`SELECT count(*) FROM calls WHERE ${where} AND id IN (SELECT rowid FROM calls_text WHERE calls_text MATCH ?)`).pluck().get(`"${text}"`) as number;
    for (const text of TEXTS) {
      const p = store.callQuery.page({ filter: { text }, limit: 10 });
      expect(p.totalExact).toBe(true); // N < PAGE_COUNT_CAP
      expect(p.total, text).toBe(count(text));
    }
    expect(N).toBeLessThan(PAGE_COUNT_CAP);
    expect(COUNT_CHUNK).toBeGreaterThan(PAGE_COUNT_CAP);
    const s = store.callQuery.countStep({ text: 'agent3', buckets: [2, 3] });
    expect(s).toEqual({ counted: count('agent3', "kind = 'call' AND bucket IN (2, 3)"), more: null });
    // Filters without text: one step, as the page's total.
    expect(store.callQuery.countStep({ buckets: [3] })).toEqual({ counted: store.callQuery.page({ filter: { buckets: [3] }, limit: 1 }).total, more: null });
  });
});

describe('text search totals past the caps', () => {
  it('a lower bound on the page, then the exact count in steps that resume where they stopped', () => {
    const q = store.callQuery;
    const exact = db.prepare("SELECT count(*) FROM calls WHERE kind = 'call' AND from_user LIKE '%1555%'").pluck().get() as number;
    const [cap, chunk] = [q.pageCountCap, q.countChunk];
    // A write moves the data's version: the exact totals counted by the tests above are forgotten.
    db.prepare('UPDATE calls SET to_user = to_user WHERE id = 2').run();
    q.pageCountCap = 100;
    q.countChunk = 700;
    try {
      const p = q.page({ filter: { text: '1555' }, limit: 50 });
      expect(p.totalExact).toBe(false);
      // Counted over the first 100 matches: the calls among them (2 in 100 rows are not calls).
      expect(p.total).toBeGreaterThanOrEqual(50);
      expect(p.total).toBeLessThanOrEqual(100);
      let steps = 0;
      let s = q.countStep({ text: '1555' });
      while (s.more) {
        steps++;
        expect(s.counted).toBeLessThan(exact);
        s = q.countStep({ text: '1555' }, s.more);
      }
      expect(s.counted).toBe(exact);
      expect(steps).toBe(Math.floor(N / 700));
      // Counted: the page's total is now the exact one.
      expect(q.page({ filter: { text: '1555' }, limit: 50 })).toMatchObject({ total: exact, totalExact: true });
      // A rare text is exact on its page at once.
      expect(q.page({ filter: { text: 'agent36' }, limit: 1 }).totalExact).toBe(N / 37 < 100);
      // A step resumed after the data changed starts again (the resume names the data's version).
      const first = q.countStep({ text: '555' });
      expect(first.more).not.toBeNull();
      db.prepare("UPDATE calls SET to_user = to_user WHERE id = 1").run();
      const again = q.countStep({ text: '555' }, { ...first.more!, counted: 1_000_000 });
      expect(again.counted).toBeLessThan(1_000_000);
    } finally {
      q.pageCountCap = cap;
      q.countChunk = chunk;
    }
  });
});
