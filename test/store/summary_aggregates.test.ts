// Issue 13: the counts behind the dashboard summary (summary_aggregates.ts), kept set by set
// (kept_counts.ts; test/store/kept_counts.test.ts covers every import path),
// equal summarize() over every call of a generated library — after the import, after a source
// is removed, after re-classification with other settings and other own addresses — and the
// PDD percentiles are read through the (kind, pdd_ms) index.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarize } from '../../shared/diagnosis/call_summary.ts';
import { classify } from '../../shared/diagnosis/classifier.ts';
import { DEFAULT_SETTINGS, type DiagnosisSettings } from '../../shared/model/verdict.ts';
import { openIndex, type IndexStore } from '../../electron/node/store/index_store.ts';
import { peerOf, summaryInput } from '../../electron/node/ingest/diagnose.ts';
import { syntheticCall } from '../bench/large_index.ts';
import { hash, tempDir } from './fixtures.ts';

let tmp: ReturnType<typeof tempDir>;
let store: IndexStore;
const facts = new Map<number, ReturnType<typeof syntheticCall>>();
const sources: number[] = [];

beforeAll(() => {
  tmp = tempDir();
  store = openIndex(join(tmp.dir, 'lib.sqlite'));
  let s = 12345;
  const r = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  store.transaction(() => {
    for (let k = 0; k < 3; k++) {
      const sourceId = store.beginSource({ path: `/g${k}`, name: `g${k}`, contentHash: hash(100 + k), sizeBytes: 0, format: 'pcap' });
      sources.push(sourceId);
      for (let i = 0; i < 1500; i++) {
        const f = syntheticCall(k * 1500 + i, r, 1.7e15);
        // Spread PDDs (some unknown), callers and kinds, so every count is exercised.
        f.postDialDelayMs = i % 9 === 0 ? null : Math.round(r() * 8000) / 3;
        f.callerAddr = `10.0.${i % 4}.1:5060`;
        if (i % 40 === 0) f.kind = 'other';
        const id = store.insertCall(sourceId, f, () => ({ raw: '' }));
        facts.set(id, f);
        store.inputs.setVerdict(id, classify(f, DEFAULT_SETTINGS, null));
      }
      store.finishSource(sourceId, { status: 'ok', packets: 0, firstUs: 0, lastUs: 0, stats: [], error: null });
    }
  });
});
afterAll(() => {
  store.close();
  tmp.cleanup();
});

function check(settings: DiagnosisSettings): void {
  store.callQuery.setPeerFunction((callerAddr, calleeAddr) => peerOf({ callerAddr, calleeAddr }, settings));
  const recounted = summarize(store.callQuery.all({}).map((c) => summaryInput(c, settings)), settings);
  expect(store.callQuery.summary(settings)).toEqual(recounted);
}

describe('summary counts kept at transaction boundaries', () => {
  it('equal the recount after import, removal and re-classification', () => {
    check(DEFAULT_SETTINGS);
    store.deleteSource(sources[1]);
    check(DEFAULT_SETTINGS);
    const other: DiagnosisSettings = { ...DEFAULT_SETTINGS, successDurationS: 200, rtpTimeoutS: 2, alertThresholdPct: 3, ownAddresses: ['10.0.1.0/24', '10.0.3.0/24'] };
    store.transaction(() => {
      for (const row of store.callQuery.all({ includeOther: true })) store.inputs.setVerdict(row.id, classify(facts.get(row.id)!, other, null));
    });
    check(other);
    const s = store.callQuery.summary(other);
    expect(s.attempts).toBe(2 * 1500 - 2 * 38);
    expect(s.byPeer.length).toBeGreaterThan(2);
    expect(s.pddMs.count).toBeGreaterThan(2000);
  });
});
