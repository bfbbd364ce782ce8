// The UI bench's million-call library is mostly copies made in SQL (copied_library.ts). If a
// copy drifted from what the store would have written — a shifted time missed, a kept count
// or text entry not made, a verdict's evidence left at the seed's time — the bench would time
// a library no import can produce. Here a small library built that way is checked against
// the same calls written one by one through the store (copyOfCall, each classified), on real
// index files: every list row, every call's detail (facts, ladder, streams with their bins,
// verdict), the summary, searches by number and Call-ID, and kept = recount.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify } from '../../shared/diagnosis/classifier.ts';
import { DEFAULT_SETTINGS } from '../../shared/model/verdict.ts';
import { oncePerCallId, peerOf } from '../../electron/node/ingest/diagnose.ts';
import { openIndex, type IndexStore } from '../../electron/node/store/index_store.ts';
import { expectKeptEqualsRecount } from '../support/kept_check.ts';
import { buildCopiedLibrary, copyOfCall, rawSip, seedCalls, T0_US } from './copied_library.ts';

const SEED = 60;
// Not a whole number of copies: the last one is partial.
const CALLS = SEED * 4 + 25;

const dir = mkdtempSync(join(tmpdir(), 'calltrace-copied-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FAST = join(dir, 'copied.db');
const SLOW = join(dir, 'one_by_one.db');

let fast: IndexStore;
let slow: IndexStore;
let bigCallId = '';

beforeAll(() => {
  bigCallId = buildCopiedLibrary(FAST, CALLS, { seedCalls: SEED }).bigCallId;
  fast = openIndex(FAST);
  slow = openIndex(SLOW);
  const seed = [...seedCalls(SEED)];
  slow.transaction(() => {
    const source = slow.beginSource({ path: '(generated)', name: `generated-${CALLS}-calls`, contentHash: 'ab'.repeat(32), sizeBytes: 0, format: 'pcap' });
    for (let j = 0; j < CALLS; j++) {
      const facts = copyOfCall(seed[j % SEED], j % SEED, Math.floor(j / SEED), SEED);
      slow.insertCall(source, facts, (ref) => ({ raw: rawSip(ref.label, facts.callId, ref.cseq, ref.cseqMethod) }), classify(facts, DEFAULT_SETTINGS, null));
    }
    slow.finishSource(source, { status: 'ok', packets: 0, firstUs: T0_US, lastUs: T0_US, stats: [], error: null });
  });
  for (const s of [fast, slow]) s.callQuery.setPeerFunction((callerAddr, calleeAddr) => peerOf({ callerAddr, calleeAddr }, DEFAULT_SETTINGS));
});
afterAll(() => {
  fast?.close();
  slow?.close();
});

describe('a library copied in SQL equals the same calls written one by one', () => {
  it('has every call, with distinct Call-IDs and numbers, the copies whole days apart', () => {
    const rows = fast.callQuery.all({});
    expect(rows).toHaveLength(CALLS);
    expect(new Set(rows.map((r) => r.callId)).size).toBe(CALLS);
    expect(new Set(rows.map((r) => r.fromUser)).size).toBe(CALLS);
    const first = rows.find((r) => r.id === 1)!;
    const copy = rows.find((r) => r.id === 1 + 2 * SEED)!;
    expect(copy.startUs - first.startUs).toBe(2 * 86_400_000_000);
    expect(copy.callId).toBe(`${2 * SEED}${first.callId.slice(first.callId.indexOf('-'))}`);
    expect(fast.getCall(1)!.messages).toHaveLength(2000);
    expect(first.callId).toBe(bigCallId);
  });

  it('lists the same rows (ids, times, verdict columns, stream figures), in every sort order', () => {
    expect(fast.callQuery.all({})).toEqual(slow.callQuery.all({}));
    for (const sort of ['startUs', 'durationMs', 'minMos', 'pddMs', 'bucket'] as const) {
      const page = { filter: {}, sort, descending: true, offset: 0, limit: 50 };
      expect(fast.callQuery.page(page), sort).toEqual(slow.callQuery.page(page));
    }
  });

  it('holds the same details: facts, ladder with raw text, streams with bins and gaps, verdict with its evidence times', () => {
    for (let id = 1; id <= CALLS; id++) {
      const a = fast.getCall(id);
      const b = slow.getCall(id);
      expect(a, `call #${id}`).toEqual(b);
    }
    // Not vacuous: the copies' evidence carries times, a day after the seed's.
    const ev = (id: number) => (fast.getCall(id)!.verdict as { evidence: Array<{ tsUs: number | null }> }).evidence.map((e) => e.tsUs).filter((t) => t !== null);
    expect(ev(2).length).toBeGreaterThan(0);
    expect(ev(2 + SEED)).toEqual(ev(2).map((t) => t! + 86_400_000_000));
  });

  it('finds the same calls by number and Call-ID fragment (the trigram index)', () => {
    const seedRow = fast.callQuery.all({}).find((r) => r.id === 3 + SEED)!;
    for (const text of [seedRow.fromUser, seedRow.callId.slice(seedRow.callId.indexOf('-'), seedRow.callId.indexOf('-') + 5), '+1555100']) {
      const a = fast.callQuery.page({ filter: { text }, offset: 0, limit: 500 });
      expect(a.total, text).toBeGreaterThan(0);
      expect(a, text).toEqual(slow.callQuery.page({ filter: { text }, offset: 0, limit: 500 }));
    }
  });

  it('has the same summary and kept = recount', () => {
    const summary = fast.callQuery.summary(DEFAULT_SETTINGS, { keep: oncePerCallId });
    expect(summary.attempts).toBe(CALLS);
    expect(summary).toEqual(slow.callQuery.summary(DEFAULT_SETTINGS, { keep: oncePerCallId }));
    expectKeptEqualsRecount(fast, FAST);
    expectKeptEqualsRecount(slow, SLOW);
  });
});
