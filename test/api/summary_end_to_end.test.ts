// The whole-library dashboard summary read from the kept counts (issue 13) counts an
// end-to-end call of several B2BUA legs once (issue 12), exactly as the recount over every
// call does — summarize(oncePerEndToEndCall(all calls)) — on the B2BUA fixtures imported
// through a real back end, after a heuristic link is undone, with calls captured at two
// points that are legs too, and after a source is removed. The adjustment must never need
// the recount on these (its PDDs cancel); when they do not cancel, the recount answers.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endToEndCounting, oncePerEndToEndCall } from '../../electron/node/api/call_legs.ts';
import { oncePerCallId } from '../../electron/node/ingest/diagnose.ts';
import { openIndex } from '../../electron/node/store/index_store.ts';
import { summarize, type Summary } from '../../shared/diagnosis/call_summary.ts';
import type { DiagnosisSettings } from '../../shared/model/verdict.ts';
import { buildLegsCapture, LEG_FIXTURES, type LegSpec } from '../support/b2bua_capture.ts';
import { REPO_ROOT } from '../support/oracle.ts';
import { startBackend, type TestBackend } from './support.ts';

const LEGS = join(REPO_ROOT, 'test/fixtures/legs');

let t: TestBackend;
let settings: DiagnosisSettings;

beforeAll(async () => {
  t = await startBackend();
  await t.backend.handlers.importPaths({ paths: [LEGS] });
  await t.backend.imports.idle();
  settings = (await t.backend.handlers.getSettings()) as DiagnosisSettings;
});
afterAll(async () => {
  await t.cleanup();
});

/**
 * The handler's summary (kept counts) against the recount, on a second connection to the
 * same file; and the kept-count adjustment itself with a recount that fails the test.
 * Returns the recount and the number of call rows.
 */
async function expectKeptEqualsRecount(includeOther = false): Promise<{ recount: Summary; rows: number }> {
  const handler = await t.backend.handlers.getSummary(includeOther ? { filter: { includeOther } } : {});
  const store = openIndex(t.backend.dbPath);
  try {
    const all = store.callQuery.all(includeOther ? { includeOther } : {});
    const recount = summarize(oncePerEndToEndCall(store, all, settings), settings);
    expect(handler).toEqual(recount);
    const counting = endToEndCounting(store, settings, includeOther);
    const kept = store.callQuery.summary(settings, {
      includeOther, keep: oncePerCallId,
      endToEnd: { ...counting, recount: () => { throw new Error('the kept counts fell back to the recount'); } },
    });
    expect(kept).toEqual(recount);
    return { recount, rows: all.filter((c) => c.kind === 'call').length };
  } finally {
    store.close();
  }
}

describe('the whole-library summary from the kept counts, end-to-end calls once', () => {
  it('equals the recount on the B2BUA fixtures (11 dialogs, 6 calls), with and without non-call dialogs', async () => {
    const { recount, rows } = await expectKeptEqualsRecount();
    expect(rows).toBe(11);
    expect(recount.attempts).toBe(6);
    await expectKeptEqualsRecount(true);
  });

  it('after a heuristic link is undone through the handlers (both legs count again)', async () => {
    const rows = (await t.backend.handlers.queryCalls({ offset: 0, limit: 1000 })).rows;
    const [link] = (await t.backend.handlers.getCallLegs({ id: rows.find((r) => r.callId === 'heur-in@10.0.0.10')!.id })).links;
    expect(link.method).toBe('heuristic');
    await t.backend.handlers.setLegLinkUndone({ linkId: link.id, undone: true });
    const { recount } = await expectKeptEqualsRecount();
    expect(recount.attempts).toBe(7);
  });

  it('with calls captured at two points that are legs of an end-to-end call, then after removing a source', async () => {
    // A second capture point 1 ms earlier (so its rows come first and the first capture's
    // linked legs are the ones oncePerCallId drops): both legs of the 503 call, and the
    // inbound leg alone of the session-ID call (a capture at the caller's edge). Each rings
    // (a PDD, other per leg), so an end-to-end call's PDD must cancel one of its legs'.
    const shift = (legs: LegSpec[]): LegSpec[] => legs.map((l, i) => ({ ...l, atUs: l.atUs - 1000, ringAfterUs: 150_000 + 20_000 * i }));
    const edge = join(t.dir, 'edge.pcap');
    writeFileSync(edge, buildLegsCapture([...shift(LEG_FIXTURES.legs_outbound_503), ...shift(LEG_FIXTURES.legs_session_id.slice(0, 1))]));
    await t.backend.handlers.importPaths({ paths: [edge] });
    await t.backend.imports.idle();
    const twice = (await t.backend.handlers.queryCalls({ offset: 0, limit: 1000 })).rows.filter((r) => r.callId === 'f503-in@10.0.0.10');
    expect(twice.length).toBe(2);
    const { recount, rows } = await expectKeptEqualsRecount();
    expect(rows).toBe(14);
    expect(recount.attempts).toBeLessThan(rows - 3);
    expect(recount.pddMs.count).toBeGreaterThan(0);
    await expectKeptEqualsRecount(true);

    const src = (await t.backend.handlers.listSources()).find((s) => s.name === 'legs_outbound_503.pcap')!;
    expect(await t.backend.handlers.removeSource({ id: src.id })).toEqual({ removed: true });
    await t.backend.imports.idle();
    const after = await expectKeptEqualsRecount();
    expect(after.rows).toBe(12);
  });

  it('answers with the recount when an end-to-end call carries a PDD none of the counted calls has', async () => {
    const store = openIndex(t.backend.dbPath);
    try {
      const recounted = summarize([], settings);
      const odd = { startUs: 1.7e15, bucket: 1 as const, cause: 'normal_clearing', q850Cause: null, finalStatus: 200, answered: false, durationMs: 0, pddMs: 123_456.789, peer: 'x', kind: 'call' as const };
      const s = store.callQuery.summary(settings, { keep: oncePerCallId, endToEnd: { adjust: () => ({ remove: [], add: [odd] }), recount: () => recounted } });
      expect(s).toBe(recounted);
      // Without a PDD the same input is added to the counts: no recount.
      const plain = store.callQuery.summary(settings, { keep: oncePerCallId, endToEnd: { adjust: () => ({ remove: [], add: [{ ...odd, pddMs: null }] }), recount: () => recounted } });
      expect(plain).not.toBe(recounted);
      expect(plain.attempts).toBe(store.callQuery.summary(settings, { keep: oncePerCallId }).attempts + 1);
    } finally {
      store.close();
    }
  });
});
