// Across calls (diagnosis.md §6) on a hand-made set: hourly buckets, peers, causes, Q.850,
// ASR / ACD / PDD percentiles and the alert windows.

import { describe, expect, it } from 'vitest';
import { percentile, summarize, type SummaryInput } from '../../shared/diagnosis/call_summary.ts';
import { DEFAULT_SETTINGS } from '../../shared/model/verdict.ts';

const H0 = Date.UTC(2026, 10, 21, 10, 0, 0) * 1000; // 10:00 UTC, µs
const MIN = 60_000_000;

function call(over: Partial<SummaryInput>): SummaryInput {
  return { startUs: H0, bucket: 1, cause: 'normal_clearing', q850Cause: 16, finalStatus: 200, answered: true, durationMs: 60_000, pddMs: 1000, peer: 'trunk-a', ...over };
}

// Hour 10: 4 calls, one of them a problem (25 %). Hour 11: 200 calls, one problem (0.5 %: not above).
// Hour 12: 3 calls, none a problem.
const set: SummaryInput[] = [
  call({ startUs: H0 + 1 * MIN, durationMs: 40_000, pddMs: 800 }),
  call({ startUs: H0 + 2 * MIN, bucket: 2, cause: 'cancel_487', q850Cause: null, finalStatus: 487, answered: false, durationMs: 0, pddMs: 1200, peer: 'trunk-b' }),
  call({ startUs: H0 + 3 * MIN, bucket: 5, cause: 'sip_503', q850Cause: 34, finalStatus: 503, answered: false, durationMs: 0, pddMs: null, peer: 'trunk-b' }),
  call({ startUs: H0 + 59 * MIN, durationMs: 80_000, pddMs: 3000 }),
  ...Array.from({ length: 200 }, (_, i) =>
    i === 0 ? call({ startUs: H0 + 60 * MIN + i, bucket: 4, cause: 'rtp_timeout_oneway', q850Cause: null, durationMs: 60_000, pddMs: 2000 }) : call({ startUs: H0 + 60 * MIN + i, pddMs: 2000 }),
  ),
  call({ startUs: H0 + 120 * MIN, bucket: null, cause: 'capture_ended', q850Cause: null, durationMs: 5000, pddMs: 100 }),
  call({ startUs: H0 + 121 * MIN, bucket: 3, cause: 'agent_bye', q850Cause: null, durationMs: 20_000, pddMs: 150 }),
  call({ startUs: H0 + 122 * MIN, kind: 'other', bucket: null, cause: 'in_progress' }), // an OPTIONS ping: not an attempt
  call({ startUs: H0 + 123 * MIN, bucket: 3, cause: 'agent_bye', q850Cause: null, durationMs: 20_000, pddMs: 150 }),
];

describe('summarize', () => {
  const s = summarize(set, DEFAULT_SETTINGS);

  it('counts attempts (INVITE calls), ASR and ACD', () => {
    expect(s.attempts).toBe(207);
    expect(s.answered).toBe(205);
    expect(s.asrPct).toBeCloseTo((100 * 205) / 207, 9);
    // ACD: mean answered duration.
    const answeredMs = 40_000 + 80_000 + 200 * 60_000 + 5000 + 20_000 + 20_000;
    expect(s.acdMs).toBeCloseTo(answeredMs / 205, 6);
  });

  it('gives PDD percentiles by nearest rank', () => {
    expect(s.pddMs.count).toBe(206);
    expect(s.pddMs.p50).toBe(2000);
    expect(s.pddMs.p99).toBe(2000);
    expect(percentile([100, 200, 300, 400], 50)).toBe(200);
    expect(percentile([100, 200, 300, 400], 90)).toBe(400);
    expect(percentile([5], 99)).toBe(5);
    expect(percentile([], 50)).toBeNull();
    const tenths = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([50, 90, 95, 99].map((p) => percentile(tenths, p))).toEqual([50, 90, 95, 99]);
  });

  it('counts buckets per UTC hour, per peer and per cause', () => {
    expect(s.byHour.map((h) => [h.hour, h.calls, h.problems])).toEqual([
      ['2026-11-21T10:00Z', 4, 1],
      ['2026-11-21T11:00Z', 200, 1],
      ['2026-11-21T12:00Z', 3, 0],
    ]);
    expect(s.byHour[0].buckets).toEqual({ 1: 2, 2: 1, 3: 0, 4: 0, 5: 1, 6: 0, 7: 0, none: 0 });
    expect(s.byHour[2].buckets).toMatchObject({ 3: 2, none: 1 });
    expect(s.buckets).toEqual({ 1: 201, 2: 1, 3: 2, 4: 1, 5: 1, 6: 0, 7: 0, none: 1 });
    expect(s.byPeer.map((p) => [p.peer, p.calls, p.answered, p.problems])).toEqual([
      ['trunk-a', 205, 205, 1],
      ['trunk-b', 2, 0, 1],
    ]);
    expect(s.byPeer[1].asrPct).toBe(0);
    expect(s.byCause[0]).toEqual({ cause: 'normal_clearing', count: 201 });
    expect(s.byCause.find((c) => c.cause === 'sip_503')).toEqual({ cause: 'sip_503', count: 1 });
    expect(s.q850).toEqual([
      { code: 16, name: 'Normal call clearing', count: 201 },
      { code: 34, name: 'No circuit/channel available', count: 1 },
    ]);
  });

  it('raises an alert for hours whose buckets 4–7 exceed the threshold, not those at it', () => {
    expect(s.alerts).toEqual([{ hourStartUs: H0, hour: '2026-11-21T10:00Z', calls: 4, problems: 1, problemPct: 25, thresholdPct: 0.5, buckets: { 4: 0, 5: 1, 6: 0, 7: 0 } }]);
    // Hour 11 is exactly 0.5 %: at the threshold, not above it. Lower the threshold and it alerts.
    expect(summarize(set, { alertThresholdPct: 0.4 }).alerts.map((a) => a.hour)).toEqual(['2026-11-21T10:00Z', '2026-11-21T11:00Z']);
  });

  it('handles an empty set', () => {
    const e = summarize([], DEFAULT_SETTINGS);
    expect(e).toMatchObject({ attempts: 0, answered: 0, asrPct: null, acdMs: null, alerts: [], byHour: [] });
    expect(e.pddMs).toEqual({ count: 0, p50: null, p90: null, p95: null, p99: null });
  });
});
