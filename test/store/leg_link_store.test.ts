// Leg links kept in the index (migration 10): computed after each import against the library,
// the same links as the pure correlation, relinked on removal, and a heuristic link the user
// undid stays undone through removal, re-import and relinking. On a real SQLite file.

import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { LATEST_VERSION, LEG_LINKS_MIGRATION, SOURCE_COUNTS_MIGRATION } from '../../electron/node/store/migrations.ts';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { collectAnalyzeDocument } from '../../electron/node/cli/call_document.ts';
import { importCapture } from '../../electron/node/ingest/import_capture.ts';
import { LEG_LINKS_PENDING_KEY, relinkPendingLibrary, relinkSource, removeSourceRelinked, setLegLinkUndone, storedLegGroup, storedLegIndex } from '../../electron/node/ingest/stored_legs.ts';
import { openIndex, type IndexStore } from '../../electron/node/store/index_store.ts';
import { DELETE_AMONG_SQL } from '../../electron/node/store/leg_link_store.ts';
import { DEFAULT_SETTINGS } from '../../shared/model/verdict.ts';
import { buildLegsCapture, LEG_FIXTURES } from '../support/b2bua_capture.ts';
import { CORPUS_DIR, corpusPresent, REPO_ROOT } from '../support/oracle.ts';

const LEGS = join(REPO_ROOT, 'test/fixtures/legs');

let dir: string;
let store: IndexStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'calltrace-leglinks-'));
  store = openIndex(join(dir, 'library.db'));
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function add(path: string): Promise<number> {
  const o = await importCapture(store, path);
  expect(o.sourceId, path).not.toBeNull();
  return o.sourceId!;
}

/** The stored links as "from > to method confidence [undone]", by Call-ID. */
function storedLinks(): string[] {
  const rows = store.legLinks.allActive().map((l) => ({ ...l, undone: false }));
  const cid = (id: number): string => store.storedFacts(id)!.callId;
  return rows.map((l) => `${cid(l.from)} > ${cid(l.to)} ${l.method} ${l.confidence}`).sort();
}

const rowOf = (callId: string): number => {
  const rows = store.findCallsByCallId(callId);
  expect(rows.length, callId).toBe(1);
  return rows[0].id;
};

describe('links stored after each import', () => {
  it('every B2BUA fixture: the same links as the correlation computed from the facts', async () => {
    const files = readdirSync(LEGS).filter((f) => f.endsWith('.pcap')).sort();
    expect(files.length).toBe(5);
    const ids: number[] = [];
    for (const f of files) ids.push(await add(join(LEGS, f)));
    const computed = collectAnalyzeDocument(store, ids).doc.calls.flatMap((c) => c.legLinks.map((l) => `${l.from} > ${l.to} ${l.method} ${l.confidence}`));
    expect(storedLinks()).toEqual([...new Set(computed)].sort());
    expect(storedLinks()).toEqual([
      'f503-in@10.0.0.10 > f503-out@10.0.0.1 heuristic 0.6',
      'heur-in@10.0.0.10 > heur-out@10.0.0.1 heuristic 0.7',
      'sid-in@10.0.0.10 > sid-out@10.0.0.1 session_id 1',
      'xcid-in@10.0.0.10 > xcid-out@10.0.0.1 call_id_header 0.95',
      'xfer-a@10.0.0.10 > xfer-b@10.0.0.10 referred_by 0.85',
    ]);
    // The group read back: both legs in leg order, the end-to-end verdict from the 503.
    const g = storedLegGroup(store, rowOf('f503-in@10.0.0.10'))!;
    expect(g.details.map((d) => d.callId)).toEqual(['f503-in@10.0.0.10', 'f503-out@10.0.0.1']);
    expect(g.endToEnd).toMatchObject({ cause: 'sip_503', fromLeg: 'f503-out@10.0.0.1', confidence: 0.6 });
    // The summary's reading (facts and verdicts only, every group at once) gives the same
    // end-to-end calls as reading each call whole.
    const index = storedLegIndex(store);
    expect(index.byRow.size).toBe(10);
    for (const [row, entry] of index.byRow) {
      const whole = storedLegGroup(store, row)!;
      expect(entry.legs).toEqual(whole.legs);
      expect(entry.endToEnd).toEqual(whole.endToEnd);
    }
    // Only the end-to-end calls with a leg among the given rows.
    const one = storedLegIndex(store, new Set([rowOf('f503-out@10.0.0.1')]));
    expect([...one.byRow.keys()].sort()).toEqual([rowOf('f503-in@10.0.0.10'), rowOf('f503-out@10.0.0.1')].sort());
    // A call of one leg is its own group.
    const lone = storedLegGroup(store, rowOf('heur-other@10.0.0.11'))!;
    expect(lone.legs).toEqual([rowOf('heur-other@10.0.0.11')]);
    expect(lone.endToEnd).toBeNull();
  });

  it('links the two sides of a PBX imported one after the other, and links again when one is removed and re-imported', async () => {
    const [inbound, outbound] = LEG_FIXTURES.legs_session_id;
    writeFileSync(join(dir, 'inbound.pcap'), buildLegsCapture([inbound]));
    writeFileSync(join(dir, 'outbound.pcap'), buildLegsCapture([outbound]));
    await add(join(dir, 'inbound.pcap'));
    expect(store.legLinks.count()).toBe(0);
    const out = await add(join(dir, 'outbound.pcap'));
    expect(storedLinks()).toEqual(['sid-in@10.0.0.10 > sid-out@10.0.0.1 session_id 1']);
    expect(removeSourceRelinked(store, out, DEFAULT_SETTINGS)).toBe(true);
    // The link went with its call (cascade), and the surviving leg is a call of one leg.
    expect(store.legLinks.count()).toBe(0);
    expect(storedLegGroup(store, rowOf('sid-in@10.0.0.10'))!.legs.length).toBe(1);
    expect(removeSourceRelinked(store, out, DEFAULT_SETTINGS)).toBe(false);
    await add(join(dir, 'outbound.pcap'));
    expect(storedLinks()).toEqual(['sid-in@10.0.0.10 > sid-out@10.0.0.1 session_id 1']);
  });

  it('links a source chunk by chunk with the same result (the links cross the chunks\' edges)', async () => {
    const sid = await add(join(LEGS, 'legs_heuristic.pcap'));
    await add(join(LEGS, 'legs_outbound_503.pcap'));
    const whole = storedLinks();
    expect(whole.length).toBe(2);
    store.legLinks.replaceAmong(store.inputs.allCallRowIds(), []);
    expect(store.legLinks.count()).toBe(0);
    // One call at a time: each link is found from one side with the other as a neighbour.
    relinkSource(store, sid, 1);
    expect(storedLinks()).toEqual(whole);
  });

  it('relinking twice stores the same rows (no duplicates)', async () => {
    const sid = await add(join(LEGS, 'legs_x_call_id.pcap'));
    const before = store.legLinks.allActive();
    expect(before.length).toBe(1);
    relinkSource(store, sid);
    relinkSource(store, sid);
    expect(store.legLinks.count()).toBe(1);
    expect(store.legLinks.allActive().map(({ id: _, ...l }) => l)).toEqual(before.map(({ id: _, ...l }) => l));
  });
});

describe('undoing a heuristic link', () => {
  it('splits the call, survives relinking, removal and re-import (remembered by Call-IDs), and can be redone', async () => {
    const path = join(LEGS, 'legs_heuristic.pcap');
    let sid = await add(path);
    const [link] = store.legLinks.allActive();
    expect(link.method).toBe('heuristic');
    expect(setLegLinkUndone(store, link.id, true, 1_700_000_000_000)).toMatchObject({ undoneAt: 1_700_000_000_000 });
    const split = storedLegGroup(store, rowOf('heur-in@10.0.0.10'))!;
    expect(split.legs.length).toBe(1);
    expect(split.undone.map((l) => l.id)).toEqual([link.id]);

    relinkSource(store, sid);
    expect(store.legLinks.allActive()).toEqual([]);
    expect(store.legLinks.count()).toBe(1); // kept, as undone, to offer "link again"
    // analyze and report on this index (--db) see the pair as two calls too.
    const doc = collectAnalyzeDocument(store, [sid]).doc;
    expect(doc.calls.find((c) => c.callId === 'heur-in@10.0.0.10')).toMatchObject({ legs: ['heur-in@10.0.0.10'], legLinks: [], endToEnd: null });

    expect(removeSourceRelinked(store, sid, DEFAULT_SETTINGS)).toBe(true);
    expect(store.legLinks.count()).toBe(0);
    sid = await add(path);
    // New row ids, same Call-IDs: still undone, with the time the user undid it.
    expect(store.legLinks.allActive()).toEqual([]);
    const again = storedLegGroup(store, rowOf('heur-out@10.0.0.1'))!;
    expect(again.legs.length).toBe(1);
    expect(again.undone).toMatchObject([{ method: 'heuristic', undoneAt: 1_700_000_000_000 }]);

    // Redo: one call again, and it stays linked through a relinking.
    expect(setLegLinkUndone(store, again.undone[0].id, false)).toMatchObject({ undoneAt: null });
    relinkSource(store, sid);
    expect(storedLinks()).toEqual(['heur-in@10.0.0.10 > heur-out@10.0.0.1 heuristic 0.7']);
    expect(storedLegGroup(store, rowOf('heur-in@10.0.0.10'))!.legs.length).toBe(2);
  });

  it('refuses to undo a link that is not a guess, and an unknown link', async () => {
    await add(join(LEGS, 'legs_session_id.pcap'));
    const [link] = store.legLinks.allActive();
    expect(link.method).toBe('session_id');
    expect(setLegLinkUndone(store, link.id, true)).toBeNull();
    expect(store.legLinks.allActive().length).toBe(1);
    expect(setLegLinkUndone(store, 424242, true)).toBeNull();
  });
});

describe('migration 10 (leg links)', () => {
  it('on an index that already held calls: they are linked once, when asked (the ingest worker asks at start)', async () => {
    const path = join(dir, 'library.db');
    await add(join(LEGS, 'legs_session_id.pcap'));
    expect(relinkPendingLibrary(store)).toBe(0); // a new index: nothing pending
    store.close();
    // The same index as the version before left it: no leg tables.
    const old = new Database(path);
    // Back to before the leg links' migration: its tables go, and those of the one after it.
    old.exec('DROP TABLE leg_links; DROP TABLE leg_link_undo; DROP TABLE summary_sources;');
    expect(LATEST_VERSION).toBe(SOURCE_COUNTS_MIGRATION);
    expect(SOURCE_COUNTS_MIGRATION).toBe(LEG_LINKS_MIGRATION + 1);
    old.pragma(`user_version = ${LEG_LINKS_MIGRATION - 1}`);
    old.close();
    store = openIndex(path);
    expect(store.legLinks.count()).toBe(0);
    expect(store.settings.get(LEG_LINKS_PENDING_KEY)).toBe(true);
    expect(relinkPendingLibrary(store)).toBe(1);
    expect(storedLinks()).toEqual(['sid-in@10.0.0.10 > sid-out@10.0.0.1 session_id 1']);
    expect(store.settings.get(LEG_LINKS_PENDING_KEY)).toBeNull();
    expect(relinkPendingLibrary(store)).toBe(0);
  });

  it('on an empty index: nothing is pending', () => {
    expect(store.settings.get(LEG_LINKS_PENDING_KEY)).toBeNull();
  });

  it('finds a call\'s links through an index at either end', () => {
    const db = new Database(join(dir, 'library.db'), { readonly: true });
    onTestFinished(() => {
      db.close();
    });
    const plan = (sql: string): string => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>).map((r) => r.detail).join('; ');
    expect(plan('SELECT id FROM leg_links WHERE from_row = 1')).toMatch(/USING (COVERING )?INDEX sqlite_autoindex_leg_links_1/);
    expect(plan('SELECT id FROM leg_links WHERE to_row = 1')).toMatch(/USING (COVERING )?INDEX leg_links_to/);
    // Replacing the links among a set of rows: one index probe per row, not one per pair of rows.
    const among = (db.prepare(`EXPLAIN QUERY PLAN ${DELETE_AMONG_SQL}`).all({ rows: '[1,2,3]' }) as Array<{ detail: string }>).map((r) => r.detail).join('; ');
    expect(among).toMatch(/SEARCH leg_links USING COVERING INDEX sqlite_autoindex_leg_links_1 \(from_row=\?\)/);
    expect(among).not.toMatch(/to_row=\?/);
    // The list's "group legs" term: one probe of leg_links_to per call, never a scan of the links.
    expect(plan('SELECT id FROM calls WHERE NOT EXISTS (SELECT 1 FROM leg_links l WHERE l.to_row = calls.id AND l.undone_at IS NULL)')).toMatch(/SEARCH l USING INDEX leg_links_to/);
  });
});

// The corpus is third-party data kept beside the project, never copied into it.
if (!corpusPresent) console.warn(`leg_link_store.test.ts: the corpus is absent (${CORPUS_DIR}): the no-false-links check on it is NOT run`);

describe.runIf(corpusPresent)('no false links stored on the corpus', () => {
  it('only the four PBX calls of the corpus are stored as linked, the Asterisk B2BUA as one call', async () => {
    const files = readdirSync(join(CORPUS_DIR, 'pcap')).sort().map((f) => join(CORPUS_DIR, 'pcap', f));
    for (const f of files) await importCapture(store, f);
    expect(store.countCalls()).toBeGreaterThan(1000);
    expect(storedLinks()).toEqual([
      '153037964 > 6ec6bf8a55eeede74301b30b42cb039f@10.0.2.15:5060 heuristic 0.7',
      '1693155022 > 436cb224018177e63ee194bb7483c496@192.168.1.12:5060 heuristic 0.7',
      'M2Q0ZDc1ZGM1NzIyMTlhZTA3NDU3NTgzMzA5YmJmZWQ. > 37686afc57ce24ac655742b3644a7bb8@172.16.98.101:5060 heuristic 0.7',
      'ZTU2MDY4NTY4YjgwOTQ0ZTExMDZiNjdkZjlmZDYxMzg. > 6C6A28903A6222CE7DD2261F034ED940. heuristic 0.7',
    ]);
    const asterisk = store.listSources().find((s) => s.name === 'sipnab_b2bua_asterisk.pcapng')!;
    const calls = store.listCalls({ sourceId: asterisk.id, limit: 1e9 }).filter((c) => c.kind === 'call');
    const group = storedLegGroup(store, calls[0].id)!;
    expect(group.legs.length).toBe(2);
    expect(new Set(group.legs)).toEqual(new Set(calls.map((c) => c.id)));
    // These calls carry RTP: the summary's light reading agrees with the whole calls.
    const index = storedLegIndex(store);
    expect(index.byRow.size).toBe(8);
    for (const [row, entry] of index.byRow) expect(entry.endToEnd).toEqual(storedLegGroup(store, row)!.endToEnd);
  }, 240_000);
});
