import { describe, expect, it } from 'vitest';
import type { ImportProgress } from '../../shared/api/contract.ts';
import type { HourRow } from '../../shared/diagnosis/call_summary.ts';
import { HOUR_US } from '../../renderer/lib/call_filter.ts';
import { layoutHourChart, hourSeries, MAX_FILLED_HOURS, STACK_ORDER } from '../../renderer/lib/hour_chart.ts';
import { applyProgress, dismissJob, jobFraction, jobTotals, pruneJobs, type JobsState } from '../../renderer/lib/import_jobs.ts';

function prog(p: Partial<ImportProgress>): ImportProgress {
  return { jobId: 'j1', file: 'a.pcap', fileIndex: 0, fileCount: 2, bytesRead: 0, totalBytes: 100, packets: 0, callsFound: 0, rate: 0, state: 'running', message: null, sourceId: null, ...p };
}

describe('import jobs', () => {
  it('folds progress per file and finishes when every file is terminal', () => {
    let s: JobsState = {};
    s = applyProgress(s, prog({ bytesRead: 50, packets: 10 }), 1);
    expect(jobFraction(s.j1)).toBeCloseTo(0.25);
    s = applyProgress(s, prog({ bytesRead: 100, packets: 20, callsFound: 3, state: 'done' }), 2);
    expect(s.j1.finished).toBe(false);
    s = applyProgress(s, prog({ file: 'b.csv', fileIndex: 1, state: 'failed', message: 'b.csv: not a known CDR layout' }), 3);
    expect(s.j1.finished).toBe(true);
    expect(s.j1.failures.map((f) => f.message)).toEqual(['b.csv: not a known CDR layout']);
    expect(jobTotals(s.j1)).toEqual({ packets: 20, calls: 3, bytes: 100 });
    // Failed jobs stay until dismissed.
    expect(pruneJobs(s, 1e9, 1000)).toBe(s);
    expect(dismissJob(s, 'j1')).toEqual({});
  });

  it('ignores a stale running event after the terminal one', () => {
    let s: JobsState = {};
    s = applyProgress(s, prog({ fileCount: 1, state: 'done', callsFound: 5 }), 1);
    const before = s;
    s = applyProgress(s, prog({ fileCount: 1, state: 'running', bytesRead: 10 }), 2);
    expect(s).toBe(before);
    expect(pruneJobs(s, 10_000, 1000)).toEqual({});
  });

  it('a cancel finishes the job at once', () => {
    const s = applyProgress({}, prog({ state: 'cancelled' }), 1);
    expect(s.j1.finished).toBe(true);
  });
});

function hour(i: number, buckets: Partial<HourRow['buckets']>): HourRow {
  const b = { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0, none: 0, ...buckets };
  const calls = Object.values(b).reduce((a, n) => a + n, 0);
  const problems = b[4] + b[5] + b[6] + b[7];
  const t = Date.UTC(2026, 10, 21) * 1000 + i * HOUR_US;
  return { hourStartUs: t, hour: new Date(t / 1000).toISOString().slice(0, 13) + ':00Z', calls, buckets: b, problems, problemPct: calls ? (100 * problems) / calls : 0 };
}

describe('hour chart layout', () => {
  it('fills empty hours in a reasonable span, not in an absurd one', () => {
    expect(hourSeries([hour(0, { 1: 1 }), hour(3, { 1: 1 })]).rows).toHaveLength(4);
    const far = { ...hour(0, { 1: 1 }), hourStartUs: hour(0, {}).hourStartUs + (MAX_FILLED_HOURS + 5) * HOUR_US };
    const r = hourSeries([hour(0, { 1: 1 }), far]);
    expect(r.sparse).toBe(true);
    expect(r.rows).toHaveLength(2);
  });

  it('stacks segments without gaps, problems at the bottom, zero counts omitted', () => {
    const L = layoutHourChart([hour(0, { 1: 6, 4: 2, none: 1 }), hour(1, { 5: 3 })], [], 600, 240);
    const bar = L.bars[0];
    expect(bar.segments.map((s) => s.bucket)).toEqual(['4', '1', 'none']);
    expect(STACK_ORDER.indexOf('4')).toBeLessThan(STACK_ORDER.indexOf('1'));
    // Segments touch: each top is the next one's bottom.
    for (let i = 1; i < bar.segments.length; i++) expect(bar.segments[i].y + bar.segments[i].height).toBeCloseTo(bar.segments[i - 1].y, 5);
    expect(bar.segments[0].y + bar.segments[0].height).toBeCloseTo(L.plot.bottom, 5);
    expect(L.bars[1].x).toBeGreaterThan(bar.x + bar.width);
  });

  it('marks alert hours', () => {
    const h = hour(2, { 4: 5, 1: 5 });
    const L = layoutHourChart([hour(0, { 1: 1 }), h], [{ hourStartUs: h.hourStartUs, hour: h.hour, calls: 10, problems: 5, problemPct: 50, thresholdPct: 0.5, buckets: { 4: 5, 5: 0, 6: 0, 7: 0 } }], 600, 240);
    expect(L.bars.map((b) => b.alert)).toEqual([false, false, true]);
  });
});
