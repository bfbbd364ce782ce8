// Buckets per UTC hour as stacked bars, alert windows shaded behind them. Every segment is a
// button to the calls behind it (that bucket, that hour), with stable test ids for e2e.
import { useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { AlertWindow, HourRow } from '../../../shared/diagnosis/call_summary.ts';
import { hourBucketFilter, type BucketKey } from '../../lib/call_filter.ts';
import { bucketFull, bucketVar } from '../../lib/bucket_labels.ts';
import { formatCount, formatHourUs, formatPct } from '../../lib/format.ts';
import { layoutHourChart } from '../../lib/hour_chart.ts';
import { showCalls } from '../../state/app_store.ts';

const HEIGHT = 240;

function activate(e: KeyboardEvent, f: () => void): void {
  if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault();
    f();
  }
}

export function HourChart({ byHour, alerts }: { byHour: HourRow[]; alerts: AlertWindow[] }) {
  const box = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);
  useLayoutEffect(() => {
    const el = box.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(Math.max(320, el.clientWidth)));
    ro.observe(el);
    setWidth(Math.max(320, el.clientWidth));
    return () => ro.disconnect();
  }, []);
  const L = layoutHourChart(byHour, alerts, width, HEIGHT);
  const openSegment = (hourStartUs: number, bucket: BucketKey): void => showCalls(hourBucketFilter(hourStartUs, bucket));

  return (
    <div ref={box} className="hour-chart" data-testid="hour-chart">
      <svg width={L.width} height={L.height} role="img" aria-label="Calls per UTC hour by bucket">
        {L.yTicks.map((t) => (
          <g key={t.value}>
            <line x1={L.plot.left} x2={L.plot.right} y1={t.y} y2={t.y} className="grid-line" />
            <text x={L.plot.left - 6} y={t.y} dy="0.32em" textAnchor="end" className="axis-text">
              {formatCount(t.value)}
            </text>
          </g>
        ))}
        {L.bars
          .filter((b) => b.alert)
          .map((b) => (
            <rect key={`a${b.hourStartUs}`} className="alert-band" data-testid="alert-band" data-hour={b.hour} x={b.x - 2} width={b.width + 4} y={L.plot.top} height={L.plot.bottom - L.plot.top}>
              <title>
                Alert window: {formatPct(b.problemPct)} of {formatCount(b.calls)} calls in buckets 4–7
              </title>
            </rect>
          ))}
        {L.bars.map((b) => (
          <g key={b.hourStartUs}>
            {b.segments.map((s) => (
              <rect
                key={s.bucket}
                className="hour-bar"
                data-testid="hour-bar"
                data-bucket={s.bucket}
                data-hour={b.hour}
                data-hour-start-us={b.hourStartUs}
                data-count={s.count}
                x={b.x}
                y={s.y}
                width={Math.max(1, b.width)}
                height={s.height}
                fill={bucketVar(s.bucket)}
                tabIndex={0}
                role="button"
                aria-label={`${formatHourUs(b.hourStartUs)} UTC, bucket ${s.bucket}: ${formatCount(s.count)} calls`}
                onClick={() => openSegment(b.hourStartUs, s.bucket)}
                onKeyDown={(e) => activate(e, () => openSegment(b.hourStartUs, s.bucket))}
              >
                <title>
                  {formatHourUs(b.hourStartUs)} UTC — {s.bucket === 'none' ? '' : `bucket ${s.bucket}, `}
                  {bucketFull(s.bucket)}: {formatCount(s.count)} of {formatCount(b.calls)} calls. Click to list them.
                </title>
              </rect>
            ))}
          </g>
        ))}
        <line x1={L.plot.left} x2={L.plot.right} y1={L.plot.bottom} y2={L.plot.bottom} className="axis-line" />
        {/* A mark under the axis too: the shaded band hides behind a tall bar. */}
        {L.bars
          .filter((b) => b.alert)
          .map((b) => (
            <rect key={`m${b.hourStartUs}`} className="alert-mark" x={b.x} width={b.width} y={L.plot.bottom + 2} height={3} />
          ))}
        {L.xLabels.map((l, i) => (
          <text key={i} x={l.x} y={L.plot.bottom + 16} textAnchor="middle" className="axis-text">
            {l.text}
          </text>
        ))}
      </svg>
      {L.sparse && <div className="muted small">The capture clock spans more than a month: only hours with calls are drawn.</div>}
      <div className="muted small">Hours in UTC. Click a segment to list its calls; shaded hours are alert windows.</div>
    </div>
  );
}
