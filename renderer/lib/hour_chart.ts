// Layout of the dashboard's stacked bars (bucket counts per UTC hour, diagnosis.md §6), as
// numbers: the component only draws rects. d3 supplies the scales; there are at most a few
// hundred hours, so SVG with one rect per (hour, bucket) stays cheap.

import { scaleBand, scaleLinear } from 'd3';
import type { AlertWindow, BucketCounts, HourRow } from '../../shared/diagnosis/call_summary.ts';
import { HOUR_US, type BucketKey } from './call_filter.ts';
import { INVALID_TIME, isoFromUs } from '../../shared/model/time.ts';
import { maxOf } from '../../shared/util/array_math.ts';

/** Bottom to top: problems (4–7) sit on the axis, where heights compare best. */
export const STACK_ORDER: readonly BucketKey[] = ['7', '6', '5', '4', '3', '2', '1', 'none'];

/** Wider bars stop carrying information and read as a wall: a lone hour stays a bar. */
export const MAX_BAR_PX = 56;

/** Empty hours are drawn (a gap in traffic is information) unless the span is absurd, e.g. a corpus file whose clock jumps by years. */
export const MAX_FILLED_HOURS = 24 * 31;

export interface Segment {
  bucket: BucketKey;
  count: number;
  y: number;
  height: number;
}

export interface Bar {
  hourStartUs: number;
  hour: string;
  calls: number;
  problems: number;
  problemPct: number;
  x: number;
  width: number;
  segments: Segment[];
  alert: boolean;
}

export interface HourChartLayout {
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  bars: Bar[];
  yTicks: Array<{ value: number; y: number }>;
  /** A subset of bars gets a label, so labels never overlap. */
  xLabels: Array<{ x: number; text: string }>;
  /** True when empty hours between the first and last were not filled in (span too long). */
  sparse: boolean;
}

function emptyCounts(): BucketCounts {
  return { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0, none: 0 };
}

function hourLabel(us: number): string {
  const iso = isoFromUs(us, (ms) => ms);
  return iso === INVALID_TIME ? iso : `${iso.slice(0, 13)}:00Z`;
}

/** The hours to draw: every hour of the span when it is reasonable, else only those with calls. */
export function hourSeries(byHour: readonly HourRow[]): { rows: HourRow[]; sparse: boolean } {
  if (byHour.length === 0) return { rows: [], sparse: false };
  const sorted = [...byHour].sort((a, b) => a.hourStartUs - b.hourStartUs);
  const first = sorted[0].hourStartUs;
  const last = sorted[sorted.length - 1].hourStartUs;
  const span = Math.round((last - first) / HOUR_US) + 1;
  if (span > MAX_FILLED_HOURS) return { rows: sorted, sparse: true };
  const have = new Map(sorted.map((h) => [h.hourStartUs, h]));
  const rows: HourRow[] = [];
  for (let i = 0; i < span; i++) {
    const t = first + i * HOUR_US;
    rows.push(have.get(t) ?? { hourStartUs: t, hour: hourLabel(t), calls: 0, buckets: emptyCounts(), problems: 0, problemPct: 0 });
  }
  return { rows, sparse: false };
}

export function layoutHourChart(byHour: readonly HourRow[], alerts: readonly AlertWindow[], width: number, height: number): HourChartLayout {
  const plot = { left: 44, top: 8, right: width - 8, bottom: height - 28 };
  const { rows, sparse } = hourSeries(byHour);
  const alertHours = new Set(alerts.map((a) => a.hourStartUs));
  const x = scaleBand<number>()
    .domain(rows.map((r) => r.hourStartUs))
    .range([plot.left, plot.right])
    .paddingInner(rows.length > 60 ? 0.08 : 0.2)
    .paddingOuter(0.1);
  const maxCalls = Math.max(1, maxOf(rows, (r) => r.calls, 1));
  const y = scaleLinear().domain([0, maxCalls]).nice(5).range([plot.bottom, plot.top]);

  const bars: Bar[] = rows.map((r) => {
    let acc = 0;
    const segments: Segment[] = [];
    for (const b of STACK_ORDER) {
      const n = r.buckets[b];
      if (n <= 0) continue;
      const y0 = y(acc);
      const y1 = y(acc + n);
      segments.push({ bucket: b, count: n, y: y1, height: Math.max(1, y0 - y1) });
      acc += n;
    }
    const band = x.bandwidth();
    const w = Math.min(band, MAX_BAR_PX);
    return { hourStartUs: r.hourStartUs, hour: r.hour, calls: r.calls, problems: r.problems, problemPct: r.problemPct, x: (x(r.hourStartUs) ?? 0) + (band - w) / 2, width: w, segments, alert: alertHours.has(r.hourStartUs) };
  });

  const yTicks = y.ticks(5).filter((v) => Number.isInteger(v)).map((value) => ({ value, y: y(value) }));
  // About one label per 70 px; the first of each UTC day carries the date.
  const every = Math.max(1, Math.ceil(70 / Math.max(1, x.step())));
  const xLabels = bars
    .filter((_, i) => i % every === 0)
    .map((b) => {
      const iso = isoFromUs(b.hourStartUs, (ms) => ms);
      if (iso === INVALID_TIME) return { x: b.x + b.width / 2, text: '?' };
      return { x: b.x + b.width / 2, text: sparse || iso.slice(11, 13) === '00' || b === bars[0] ? `${iso.slice(5, 10)} ${iso.slice(11, 13)}h` : `${iso.slice(11, 13)}h` };
    });
  return { width, height, plot, bars, yTicks, xLabels, sparse };
}
