// Buckets per UTC hour as stacked bars, alert windows shaded behind them. Every segment opens
// the calls behind it (that bucket, that hour). At a million calls there are about 2 000
// segments, so they are drawn as one markup string (hour_chart_markup.ts) with no handler of
// their own: the chart listens once and reads the segment's data attributes. One tooltip is
// positioned on hover instead of a <title> per segment, and the chart is one tab stop whose
// arrow keys move an active segment (hour_chart_keys.ts), announced through
// aria-activedescendant, with Enter / Space opening it.
import { memo, useLayoutEffect, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import type { AlertWindow, HourRow } from '../../../shared/diagnosis/call_summary.ts';
import { hourBucketFilter } from '../../lib/call_filter.ts';
import { bucketFull } from '../../lib/bucket_labels.ts';
import { formatCount, formatHourUs, formatPct } from '../../lib/format.ts';
import type { Bar, Segment } from '../../lib/hour_chart.ts';
import { showCalls } from '../../state/app_store.ts';
import { moveActive, type ChartPos } from './hour_chart_keys.ts';
import { chartDrawing, segmentId } from './hour_chart_markup.ts';

const HEIGHT = 240;
const ID = 'hour-seg';

// The chart's width the last time it was measured: a dashboard shown again draws at once at
// that width instead of drawing at a guess and again once measured.
let lastWidth: number | null = null;

/** The segment an event hit, from its data attributes (hour_chart_markup.ts); null off the segments. */
function segmentOf(target: EventTarget | null): ChartPos | null {
  const el = target instanceof Element ? target.closest('.hour-bar') : null;
  if (!el) return null;
  const bar = Number(el.getAttribute('data-i'));
  const seg = Number(el.getAttribute('data-j'));
  return Number.isInteger(bar) && Number.isInteger(seg) ? { bar, seg } : null;
}

/** The hour (bar index) of the alert band an event hit, or -1. */
function bandOf(target: EventTarget | null): number {
  const el = target instanceof Element ? target.closest('.alert-band') : null;
  const i = el ? Number(el.getAttribute('data-i')) : -1;
  return Number.isInteger(i) ? i : -1;
}

function segmentText(b: Bar, s: Segment): string {
  return `${formatHourUs(b.hourStartUs)} UTC — ${s.bucket === 'none' ? '' : `bucket ${s.bucket}, `}${bucketFull(s.bucket)}: ${formatCount(s.count)} of ${formatCount(b.calls)} calls`;
}

/** The figures of a segment, or of an hour alone (seg null: the pointer on its alert band). */
function Tooltip({ bar, seg, width, top, how }: { bar: Bar; seg: Segment | null; width: number; top: number; how: string }) {
  // Beside the bar, on the side with room; pointer-events none (CSS) so it never takes a click.
  const right = bar.x + bar.width / 2 < width * 0.6;
  const y = seg ? seg.y : top;
  const style = right ? { left: bar.x + bar.width + 8, top: y } : { left: bar.x - 8, top: y, transform: 'translateX(-100%)' };
  return (
    <div className="chart-tooltip" role="tooltip" data-testid="hour-tooltip" style={style}>
      <div>{seg ? segmentText(bar, seg) : `${formatHourUs(bar.hourStartUs)} UTC: ${formatCount(bar.calls)} calls`}</div>
      {bar.alert && (
        <div className="danger">
          Alert window: {formatPct(bar.problemPct)} of the hour's calls in buckets 4–7 ({formatCount(bar.problems)})
        </div>
      )}
      {seg && <div className="muted">{how}</div>}
    </div>
  );
}

function HourChartImpl({ byHour, alerts }: { byHour: HourRow[]; alerts: AlertWindow[] }) {
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState<number | null>(lastWidth);
  // The segment under the pointer; seg -1 on an alert band above the bars (the hour's figures only).
  const [hover, setHover] = useState<ChartPos | null>(null);
  const [active, setActive] = useState<ChartPos | null>(null);
  const [keyboard, setKeyboard] = useState(false);
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const measure = (): void => {
      lastWidth = Math.max(320, el.clientWidth);
      setWidth(lastWidth);
    };
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    measure();
    return () => ro.disconnect();
  }, []);

  const note = <div className="muted small">Hours in UTC. Click a segment to list its calls (or Tab to the chart, arrows, Enter); shaded hours are alert windows.</div>;
  // Not measured yet (the first time only): nothing drawn rather than a chart drawn twice.
  if (width === null)
    return (
      <div ref={box} className="hour-chart" data-testid="hour-chart" style={{ height: HEIGHT }}>
        {note}
      </div>
    );
  const { layout: L, segments, bands } = chartDrawing(byHour, alerts, width, HEIGHT);
  const at = (p: ChartPos | null): { bar: Bar; seg: Segment } | null => {
    const bar = p ? L.bars[p.bar] : undefined;
    const seg = p ? bar?.segments[p.seg] : undefined;
    return bar && seg ? { bar, seg } : null;
  };
  const open = (p: ChartPos | null): void => {
    const hit = at(p);
    if (hit) showCalls(hourBucketFilter(hit.bar.hourStartUs, hit.seg.bucket));
  };
  const onMouseMove = (e: MouseEvent): void => {
    const band = bandOf(e.target);
    const p = segmentOf(e.target) ?? (band >= 0 ? { bar: band, seg: -1 } : null);
    if (p?.bar !== hover?.bar || p?.seg !== hover?.seg) setHover(p);
  };
  const onKeyDown = (e: KeyboardEvent): void => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      open(active);
      return;
    }
    const next = moveActive(L.bars, active, e.key);
    if (!next) return;
    e.preventDefault(); // the arrows and Page keys would scroll the page
    setKeyboard(true);
    setActive(next);
    setHover(null); // the pointer resting on another segment would hide the keyboard's
  };
  const current = at(active);
  const hoverBar = hover ? L.bars[hover.bar] : undefined;
  const shown = hover ? (hoverBar ? { bar: hoverBar, seg: hoverBar.segments[hover.seg] ?? null } : null) : keyboard ? current : null;

  return (
    <div ref={box} className="hour-chart" data-testid="hour-chart">
      <div
        className="hour-plot"
        data-testid="hour-plot"
        tabIndex={0}
        role="application"
        aria-roledescription="chart"
        aria-label="Calls per UTC hour by bucket. Left and right arrows move between hours, up and down between buckets, Page Up and Page Down by a day; Enter lists the calls."
        aria-activedescendant={current ? segmentId(ID, active!) : undefined}
        onKeyDown={onKeyDown}
        onFocus={(e) => {
          // Only a keyboard focus shows a segment: a click goes straight to the calls.
          if (!e.currentTarget.matches(':focus-visible')) return;
          setKeyboard(true);
          if (!current) setActive(moveActive(L.bars, null, 'Home'));
        }}
        onBlur={() => setKeyboard(false)}
      >
        <svg width={L.width} height={L.height} onClick={(e) => open(segmentOf(e.target))} onMouseMove={onMouseMove} onMouseLeave={() => setHover(null)}>
          {L.yTicks.map((t) => (
            <g key={t.value}>
              <line x1={L.plot.left} x2={L.plot.right} y1={t.y} y2={t.y} className="grid-line" />
              <text x={L.plot.left - 6} y={t.y} dy="0.32em" textAnchor="end" className="axis-text">
                {formatCount(t.value)}
              </text>
            </g>
          ))}
          <g className="alert-bands" dangerouslySetInnerHTML={bands} />
          <g className="hour-bars" dangerouslySetInnerHTML={segments} />
          {current && (
            <rect
              id={segmentId(ID, active!)}
              className="hour-focus"
              data-testid="hour-focus"
              data-bucket={current.seg.bucket}
              data-hour={current.bar.hour}
              role="button"
              aria-label={`${segmentText(current.bar, current.seg)}. Enter lists them.`}
              x={current.bar.x - 1}
              y={current.seg.y - 1}
              width={Math.max(1, current.bar.width) + 2}
              height={current.seg.height + 2}
            />
          )}
          <line x1={L.plot.left} x2={L.plot.right} y1={L.plot.bottom} y2={L.plot.bottom} className="axis-line" />
          {L.xLabels.map((l, i) => (
            <text key={i} x={l.x} y={L.plot.bottom + 16} textAnchor="middle" className="axis-text">
              {l.text}
            </text>
          ))}
        </svg>
        {shown && <Tooltip bar={shown.bar} seg={shown.seg} width={L.width} top={L.plot.top} how={hover ? 'Click to list them.' : 'Enter lists them.'} />}
      </div>
      {L.sparse && <div className="muted small">The capture clock spans more than a month: only hours with calls are drawn.</div>}
      {note}
    </div>
  );
}

/** Memoized: the dashboard re-rendering (the store changing elsewhere) leaves the chart as it is. */
export const HourChart = memo(HourChartImpl);
