// The dashboard's hour chart at scale: the keys that move its one active segment, and the
// markup string its segments are drawn from (every segment, with the attributes the chart's
// one click handler, the tooltip and e2e read; outside text escaped; made once per summary).
import { describe, expect, it } from 'vitest';
import type { HourRow } from '../../shared/diagnosis/call_summary.ts';
import { HOUR_US } from '../../renderer/lib/call_filter.ts';
import { layoutHourChart } from '../../renderer/lib/hour_chart.ts';
import { moveActive, PAGE_HOURS, type ChartPos } from '../../renderer/features/dashboard/hour_chart_keys.ts';
import { bandsMarkup, chartDrawing, escapeAttr, segmentsMarkup } from '../../renderer/features/dashboard/hour_chart_markup.ts';

function hour(i: number, buckets: Partial<HourRow['buckets']>): HourRow {
  const b = { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0, none: 0, ...buckets };
  const calls = Object.values(b).reduce((a, n) => a + n, 0);
  const problems = b[4] + b[5] + b[6] + b[7];
  const t = Date.UTC(2026, 10, 21) * 1000 + i * HOUR_US;
  return { hourStartUs: t, hour: new Date(t / 1000).toISOString().slice(0, 13) + ':00Z', calls, buckets: b, problems, problemPct: calls ? (100 * problems) / calls : 0 };
}

// Hour 0: 4, 1, none (bottom to top); hours 1–2 empty; hour 3: 1 only; hour 4: 5, 1.
const ROWS = [hour(0, { 1: 6, 4: 2, none: 1 }), hour(3, { 1: 4 }), hour(4, { 5: 3, 1: 1 })];
const L = layoutHourChart(ROWS, [], 800, 240);
const bucketAt = (p: ChartPos | null): string | undefined => (p ? L.bars[p.bar].segments[p.seg].bucket : undefined);

describe('hour chart keys', () => {
  it('the first move lands on the first segment (End on the last hour); other keys do nothing', () => {
    expect(moveActive(L.bars, null, 'ArrowRight')).toEqual({ bar: 0, seg: 0 });
    expect(moveActive(L.bars, null, 'End')).toEqual({ bar: 4, seg: 0 });
    expect(moveActive(L.bars, null, 'Enter')).toBeNull();
    expect(moveActive(L.bars, { bar: 0, seg: 0 }, 'a')).toBeNull();
  });

  it('left and right skip the empty hours and keep the bucket when the hour has it', () => {
    const one = { bar: 0, seg: 1 }; // bucket 1 of hour 0
    expect(bucketAt(one)).toBe('1');
    const r = moveActive(L.bars, one, 'ArrowRight');
    expect(r).toEqual({ bar: 3, seg: 0 });
    expect(bucketAt(r)).toBe('1');
    const r2 = moveActive(L.bars, r, 'ArrowRight');
    expect(r2?.bar).toBe(4);
    expect(bucketAt(r2)).toBe('1');
    // The last hour stays put; the first likewise going left.
    expect(moveActive(L.bars, r2, 'ArrowRight')).toEqual(r2);
    expect(moveActive(L.bars, { bar: 0, seg: 2 }, 'ArrowLeft')).toEqual({ bar: 0, seg: 2 });
    // Bucket 'none' is only in hour 0: the next hour keeps the height, clamped to its stack.
    expect(moveActive(L.bars, { bar: 0, seg: 2 }, 'ArrowRight')).toEqual({ bar: 3, seg: 0 });
  });

  it('up and down walk the stack and stop at its ends', () => {
    expect(bucketAt(moveActive(L.bars, { bar: 0, seg: 0 }, 'ArrowUp'))).toBe('1');
    expect(moveActive(L.bars, { bar: 0, seg: 2 }, 'ArrowUp')).toEqual({ bar: 0, seg: 2 });
    expect(moveActive(L.bars, { bar: 0, seg: 0 }, 'ArrowDown')).toEqual({ bar: 0, seg: 0 });
  });

  it('Home, End and the Page keys (a day) reach every end', () => {
    expect(moveActive(L.bars, { bar: 3, seg: 0 }, 'End')?.bar).toBe(4);
    expect(moveActive(L.bars, { bar: 4, seg: 0 }, 'Home')).toEqual({ bar: 0, seg: 0 });
    const day = layoutHourChart([hour(0, { 1: 1 }), hour(PAGE_HOURS, { 2: 1 }), hour(PAGE_HOURS + 30, { 1: 1 })], [], 800, 240);
    expect(moveActive(day.bars, { bar: 0, seg: 0 }, 'PageDown')?.bar).toBe(PAGE_HOURS);
    expect(moveActive(day.bars, { bar: PAGE_HOURS, seg: 0 }, 'PageDown')?.bar).toBe(PAGE_HOURS + 30);
    expect(moveActive(day.bars, { bar: PAGE_HOURS + 30, seg: 0 }, 'PageUp')?.bar).toBe(PAGE_HOURS);
    expect(moveActive(day.bars, { bar: 0, seg: 0 }, 'PageUp')?.bar).toBe(0);
  });

  it('a chart without a call has nothing to move to', () => {
    expect(moveActive([], null, 'ArrowRight')).toBeNull();
  });
});

describe('hour chart markup', () => {
  it('draws one rect per segment with the attributes read on click, hover and in e2e', () => {
    const html = segmentsMarkup(L);
    const rects = html.match(/<rect [^>]*>/g) ?? [];
    expect(rects).toHaveLength(L.bars.reduce((n, b) => n + b.segments.length, 0));
    const attrs = (r: string): Record<string, string> => Object.fromEntries([...r.matchAll(/([\w-]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const last = attrs(rects[rects.length - 1]);
    const bar = L.bars[Number(last['data-i'])];
    const seg = bar.segments[Number(last['data-j'])];
    expect(last).toMatchObject({ 'data-testid': 'hour-bar', class: 'hour-bar', 'data-bucket': seg.bucket, 'data-hour': bar.hour, 'data-hour-start-us': String(bar.hourStartUs), 'data-count': String(seg.count) });
    expect(Number(last.height)).toBeCloseTo(seg.height, 1);
    // No handler, title or tab stop per segment: that is what made 2 000 of them slow.
    expect(html).not.toMatch(/tabindex|<title|onclick/i);
  });

  it('shades every alert hour behind the bars and marks it under the axis, in markup too', () => {
    const h = ROWS[2];
    const A = layoutHourChart(ROWS, [{ hourStartUs: h.hourStartUs, hour: h.hour, calls: 4, problems: 3, problemPct: 75, thresholdPct: 0.5, buckets: { 4: 0, 5: 3, 6: 0, 7: 0 } }], 800, 240);
    const bands = bandsMarkup(A).match(/<rect [^>]*>/g) ?? [];
    expect(bands).toHaveLength(1);
    expect(bands[0]).toContain(`data-testid="alert-band" data-i="4" data-hour="${h.hour}"`);
    expect(segmentsMarkup(A).match(/class="alert-mark"/g)).toHaveLength(1);
    expect(bandsMarkup(L)).toBe('');
    expect(segmentsMarkup(L)).not.toContain('alert-mark');
  });

  it('escapes the hour label, which comes from the library', () => {
    expect(escapeAttr('"><script>&')).toBe('&quot;&gt;&lt;script&gt;&amp;');
    const hostile = { ...hour(0, { 1: 1 }), hour: '"><img src=x onerror=alert(1)>' };
    const html = segmentsMarkup(layoutHourChart([hostile], [], 600, 240));
    expect(html).not.toContain('<img');
    expect(html.match(/<rect /g)).toHaveLength(1);
  });

  it('is made once per summary and width, again for another width or summary', () => {
    // The summary's arrays: the same objects on every render until the library changes.
    const rows = [...ROWS];
    const alerts: never[] = [];
    const a = chartDrawing(rows, alerts, 700, 240);
    expect(chartDrawing(rows, alerts, 700, 240)).toBe(a);
    const b = chartDrawing(rows, alerts, 900, 240);
    expect(b).not.toBe(a);
    expect(b.layout.width).toBe(900);
    expect(chartDrawing([...ROWS], alerts, 900, 240)).not.toBe(b);
    expect(chartDrawing(rows, [], 900, 240)).not.toBe(b);
  });
});
