// The hour chart's segments as SVG markup, built once per layout. At a million calls the chart
// has about 2 000 segments (400 hours × up to 8 buckets); made by React, each one was a fiber
// and a dozen setAttribute calls, and the dashboard took 0.5–0.9 s to appear. As one string
// parsed by the browser they cost a few milliseconds, and the string is kept per summary and
// width, so coming back to the dashboard reuses it. The segments hold no handlers: the chart
// reads their data attributes (event delegation), and the figures shown on hover and focus
// come from the layout, by the indexes in data-i / data-j. The alert bands behind the bars and
// their marks under the axis go the same way (as many as the hours, when every hour alerts).
import type { AlertWindow, HourRow } from '../../../shared/diagnosis/call_summary.ts';
import { bucketVar } from '../../lib/bucket_labels.ts';
import { layoutHourChart, type HourChartLayout } from '../../lib/hour_chart.ts';
import type { ChartPos } from './hour_chart_keys.ts';

/** Text for an attribute value: the hour label comes from the library, so it is escaped like any outside text. */
export function escapeAttr(v: string | number): string {
  return String(v).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A coordinate with 2 decimals: shorter markup, and no "1e-7" in an attribute. */
function px(n: number): string {
  return Number.isFinite(n) ? String(Math.round(n * 100) / 100) : '0';
}

/** The id of a segment, for aria-activedescendant and the focus ring. */
export function segmentId(prefix: string, pos: ChartPos): string {
  return `${prefix}-${pos.bar}-${pos.seg}`;
}

/**
 * Behind the bars, a shaded band per alert hour (at a million calls every one of 400 hours can be
 * one): hovering it shows the hour's figures in the chart's tooltip, like a segment's.
 */
export function bandsMarkup(L: HourChartLayout): string {
  const out: string[] = [];
  L.bars.forEach((b, i) => {
    if (b.alert)
      out.push(`<rect class="alert-band" data-testid="alert-band" data-i="${i}" data-hour="${escapeAttr(b.hour)}" x="${px(b.x - 2)}" y="${px(L.plot.top)}" width="${px(b.width + 4)}" height="${px(L.plot.bottom - L.plot.top)}"></rect>`);
  });
  return out.join('');
}

/** One <rect> per (hour, bucket) with the test ids and data attributes e2e and the chart's handlers read; then the alert marks under the axis. */
export function segmentsMarkup(L: HourChartLayout): string {
  const out: string[] = [];
  L.bars.forEach((b, i) => {
    b.segments.forEach((s, j) => {
      out.push(
        `<rect class="hour-bar" data-testid="hour-bar" data-i="${i}" data-j="${j}" data-bucket="${escapeAttr(s.bucket)}" data-hour="${escapeAttr(b.hour)}" data-hour-start-us="${escapeAttr(b.hourStartUs)}" data-count="${escapeAttr(s.count)}" x="${px(b.x)}" y="${px(s.y)}" width="${px(Math.max(1, b.width))}" height="${px(s.height)}" fill="${escapeAttr(bucketVar(s.bucket))}"></rect>`,
      );
    });
  });
  // A mark under the axis too: the shaded band hides behind a tall bar.
  L.bars.forEach((b) => {
    if (b.alert) out.push(`<rect class="alert-mark" x="${px(b.x)}" y="${px(L.plot.bottom + 2)}" width="${px(b.width)}" height="3"></rect>`);
  });
  return out.join('');
}

export interface ChartDrawing {
  layout: HourChartLayout;
  /** The markup of the segments (and alert marks) and of the alert bands, each inside a { __html } kept with it so React sees the same object and leaves the DOM alone. */
  segments: { __html: string };
  bands: { __html: string };
}

// Per summary (its byHour array: the store keeps the same object until the library changes),
// the last drawing and the width and alerts it was made for. A WeakMap: a summary replaced is
// dropped with its drawing.
const drawings = new WeakMap<readonly HourRow[], { width: number; alerts: readonly AlertWindow[]; drawing: ChartDrawing }>();

/** The layout and markup for this summary at this width: made once, then reused (a view switch, a re-render). */
export function chartDrawing(byHour: readonly HourRow[], alerts: readonly AlertWindow[], width: number, height: number): ChartDrawing {
  const kept = drawings.get(byHour);
  if (kept && kept.width === width && kept.alerts === alerts && kept.drawing.layout.height === height) return kept.drawing;
  const layout = layoutHourChart(byHour, alerts, width, height);
  const drawing = { layout, segments: { __html: segmentsMarkup(layout) }, bands: { __html: bandsMarkup(layout) } };
  drawings.set(byHour, { width, alerts, drawing });
  return drawing;
}
