// Pane 2: the RTP gap timeline. One canvas paints the axis, SIP event lines, and per stream
// lane the packet rate (from per-second bins), gaps, loss / jitter per second and the windowed
// MOS estimate. The few things people click or tests query (gap bands, event labels, the
// cursor) are DOM overlays above the canvas: gaps per call are few, packets never are.

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { CallDetail, MeasuredStream } from '../../../shared/api/contract.ts';
import { endpoint } from '../../../shared/diagnosis/evidence_text.ts';
import { formatMos, formatPct } from '../../lib/format.ts';
import { useCallStore, useCallStoreApi } from './call_store.ts';
import { relativeTime } from '../../../shared/layout/ladder_layout.ts';
import { streamKey } from '../../../shared/layout/stream_key.ts';
import { legColor, legOf, ownStreams } from './leg_merge.ts';
import { maxOf, minOf } from '../../../shared/util/array_math.ts';
import {
  densitySeries,
  formatGapDuration,
  gapBoxes,
  laneOrder,
  missingDirections,
  MOS_WINDOW_S,
  sipEvents,
  stackLabels,
  timeDomain,
  timeScale,
  timeTicks,
  windowMos,
  type GapBox,
  type SipEvent,
  type SipEventKind,
  type TimeScale,
} from '../../../shared/layout/timeline_geometry.ts';

/** Vertical layout of the plot, in CSS pixels. */
export const TL = { axisH: 20, markerRowH: 16, markerRows: 3, laneH: 96, densityH: 42, chartH: 24, mosH: 20, lanePad: 5 } as const;
const MARKERS_H = TL.markerRowH * TL.markerRows + 4;
const lanesTop = TL.axisH + MARKERS_H;
const laneTop = (i: number): number => lanesTop + i * TL.laneH;
/** MOS below this is flagged (Twilio's low_mos default, metrics.md). */
const LOW_MOS = 3.5;

const EVENT_COLOR: Record<SipEventKind, string> = {
  invite: '--accent',
  reinvite: '--accent',
  provisional: '--fg-muted',
  answer: '--ok',
  failure: '--danger',
  bye: '--warn',
  cancel: '--warn',
};

interface Lane {
  stream: MeasuredStream;
  key: string;
  gaps: GapBox[];
  mos: Array<{ second: number; mos: number; lossPct: number }> | null;
}

/** Redraw when the theme changes (header toggle or system dark mode): the canvas holds resolved colours. */
function useThemeVersion(): number {
  const [v, setV] = useState(0);
  useEffect(() => {
    const bump = () => setV((x) => x + 1);
    const mo = new MutationObserver(bump);
    mo.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme', 'class', 'style'] });
    const mq = window.matchMedia('(prefers-color-scheme: dark)');
    mq.addEventListener('change', bump);
    return () => {
      mo.disconnect();
      mq.removeEventListener('change', bump);
    };
  }, []);
  return v;
}

function useWidth(ref: React.RefObject<HTMLElement | null>): number {
  const [w, setW] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setW(Math.floor(el.clientWidth)));
    ro.observe(el);
    setW(Math.floor(el.clientWidth));
    return () => ro.disconnect();
  }, [ref]);
  return w;
}

export function TimelinePane({ detail }: { detail: CallDetail }) {
  const store = useCallStoreApi();
  const highlight = useCallStore((s) => s.highlight);
  const revealSeq = useCallStore((s) => s.revealSeq);
  const plotRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const sectionRef = useRef<HTMLElement>(null);
  const width = useWidth(plotRef);
  const theme = useThemeVersion();

  const domain = useMemo(() => timeDomain(detail), [detail]);
  const originUs = detail.messages[0]?.tsUs ?? domain?.startUs ?? 0;
  const scale = useMemo(() => (domain && width > 0 ? timeScale(domain, 0, width) : null), [domain, width]);
  const events = useMemo(() => sipEvents(detail.messages), [detail.messages]);
  const lanes: Lane[] = useMemo(
    () =>
      laneOrder(detail.streams).map((s) => ({
        stream: s,
        key: streamKey(s),
        gaps: scale ? gapBoxes(s, scale) : [],
        mos: windowMos(s),
      })),
    [detail.streams, scale],
  );
  // The SDP expectation is the opened call's: with legs, only its own streams answer it.
  const missing = useMemo(() => missingDirections(detail.media, ownStreams(detail, detail.streams)), [detail]);
  const height = lanesTop + Math.max(1, lanes.length + missing.length) * TL.laneH + 6;

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || !scale || !domain) return;
    drawTimeline(canvas, scale, { width, height, lanes, events, domainStart: domain.startUs, domainEnd: domain.endUs, originUs, captureEnd: domain.captureEnd });
  }, [scale, domain, width, height, lanes, events, originUs, theme]);

  // Reveal: bring the highlighted lane into view when an evidence item points at it.
  useEffect(() => {
    if (revealSeq === 0) return;
    const h = store.getState().highlight;
    const key = h?.kind === 'gap' ? h.streamKey : h?.kind === 'stream' ? h.key : null;
    if (!key) return;
    const el = sectionRef.current?.querySelector(`[data-lane="${CSS.escape(key)}"]`);
    el?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }, [revealSeq, store]);

  const onMove = useCallback(
    (e: React.MouseEvent) => {
      if (!scale || !plotRef.current) return;
      const x = e.clientX - plotRef.current.getBoundingClientRect().left;
      store.getState().setCursor(scale.t(x));
    },
    [scale, store],
  );

  const onPlotClick = (e: React.MouseEvent) => {
    if (!scale || !plotRef.current) return;
    const x = e.clientX - plotRef.current.getBoundingClientRect().left;
    let best: SipEvent | null = null;
    for (const ev of events) if (Math.abs(scale.x(ev.tsUs) - x) <= 5 && (!best || Math.abs(scale.x(ev.tsUs) - x) < Math.abs(scale.x(best.tsUs) - x))) best = ev;
    if (best) store.getState().reveal({ kind: 'arrow', index: best.index, tsUs: best.tsUs });
  };

  if (!domain) {
    return (
      <section className="cv-pane cv-timeline" data-testid="timeline" ref={sectionRef}>
        <div className="cv-toolbar">
          <h3>RTP timeline</h3>
        </div>
        <p className="cv-empty">Nothing to draw on a time axis: the call has no SIP message and no RTP stream.</p>
      </section>
    );
  }

  const markerLabels = scale ? placeMarkerLabels(events, scale) : [];
  const tail = domain.captureEnd && !domain.captureEnd.inDomain ? domain.captureEnd : null;

  return (
    <section className="cv-pane cv-timeline" data-testid="timeline" ref={sectionRef} aria-label="RTP timeline">
      <div className="cv-toolbar">
        <h3>RTP timeline</h3>
        <span className="cv-muted">
          {lanes.length === 0 ? 'no RTP stream in this call: SIP events only' : `${lanes.length} stream${lanes.length === 1 ? '' : 's'} · packets/s from 1 s bins · gaps > threshold`}
        </span>
        <span className="cv-spacer" />
        <span className="cv-legend">
          <i className="cv-sw cv-sw-density" /> packets/s <i className="cv-sw cv-sw-gap" /> gap <i className="cv-sw cv-sw-trail" /> silence to end <i className="cv-sw cv-sw-loss" /> lost/s <i className="cv-sw cv-sw-jitter" /> max jitter/s <i className="cv-sw cv-sw-mos" /> est. MOS (E-model, {MOS_WINDOW_S} s window)
        </span>
      </div>
      <div className="cv-tl-body">
        <div className="cv-tl-gutter" style={{ height }}>
          <div style={{ height: lanesTop }} className="cv-tl-gutter-head">
            {tail && <span className="cv-small cv-muted">capture ends {formatGapDuration((tail.us - domain.endUs) / 1000)} after the right edge</span>}
          </div>
          {lanes.length === 0 && missing.length === 0 && (
            <div className="cv-tl-lane-label cv-muted" style={{ height: TL.laneH }}>
              No RTP stream was seen for this call.
            </div>
          )}
          {lanes.map((l) => (
            <LaneLabel key={l.key} lane={l} flash={(highlight?.kind === 'stream' && highlight.key === l.key) || (highlight?.kind === 'gap' && highlight.streamKey === l.key)} />
          ))}
          {missing.map((dir) => (
            <div key={dir} className="cv-tl-lane-label" style={{ height: TL.laneH }} data-testid="missing-lane" data-direction={dir}>
              <strong>{dir === 'caller' ? 'caller → callee' : 'callee → caller'}</strong>
              <span className="cv-small cv-muted">expected by the SDP: not one RTP packet</span>
            </div>
          ))}
        </div>
        <div className="cv-tl-plot" ref={plotRef} style={{ height }} onMouseMove={onMove} onMouseLeave={() => store.getState().setCursor(null)} onClick={onPlotClick}>
          <canvas ref={canvasRef} className="cv-tl-canvas" />
          {missing.map((dir, i) => (
            <div
              key={dir}
              className="cv-tl-missing"
              style={{ top: lanesTop + (lanes.length + i) * TL.laneH, height: TL.laneH - 4 }}
              title="The SDP offer/answer expected media in this direction; none was captured"
            >
              no RTP in this direction
            </div>
          ))}
          {scale &&
            markerLabels.map((m) =>
              m.row < 0 ? null : (
                <button
                  type="button"
                  key={m.ev.index}
                  className={`cv-tl-marker cv-ev-${m.ev.kind}`}
                  style={{ left: m.left, top: TL.axisH + m.row * TL.markerRowH }}
                  title={`${m.ev.label} at ${relativeTime(m.ev.tsUs, originUs)} s (message #${m.ev.index})`}
                  onClick={(e) => {
                    e.stopPropagation();
                    store.getState().reveal({ kind: 'arrow', index: m.ev.index, tsUs: m.ev.tsUs });
                  }}
                >
                  {m.ev.label}
                </button>
              ),
            )}
          {scale && domain.captureEnd?.inDomain && (
            <span
              className={`cv-tl-capture-end${scale.x(domain.captureEnd.us) > scale.x1 - 90 ? ' cv-left' : ''}`}
              style={{ left: scale.x(domain.captureEnd.us) }}
              title="The capture ends here: nothing after this moment was recorded"
            >
              capture end
            </span>
          )}
          {lanes.map((l, i) =>
            l.gaps.map((g) => (
              <div
                key={g.key}
                data-testid="gap-band"
                data-duration-ms={Math.round(g.durationMs)}
                data-trailing={g.trailing ? 'true' : undefined}
                className={`cv-gap${g.trailing ? ' cv-gap-trailing' : ''}${highlight?.kind === 'gap' && highlight.key === g.key ? ' cv-flash cv-gap-hl' : ''}`}
                style={{ left: g.x, width: g.width, top: laneTop(i) + TL.lanePad, height: TL.densityH }}
                title={`${g.title} (${relativeTime(g.startUs, originUs)} s → ${relativeTime(g.endUs, originUs)} s)`}
                onClick={(e) => {
                  e.stopPropagation();
                  store.getState().reveal({ kind: 'gap', streamKey: l.key, gapKey: g.key, tsUs: g.startUs });
                }}
              >
                <span className="cv-gap-label">{g.label}</span>
              </div>
            )),
          )}
          {scale && <TimelineCursor scale={scale} originUs={originUs} height={height} />}
        </div>
      </div>
    </section>
  );
}

function LaneLabel({ lane, flash }: { lane: Lane; flash: boolean }) {
  const s = lane.stream;
  const lossPct = s.expected > 0 ? (100 * Math.max(0, s.lost)) / s.expected : 0;
  const worstWindow = lane.mos && lane.mos.length > 0 ? minOf(lane.mos, (m) => m.mos, NaN) : null;
  const leg = legOf(s);
  return (
    <div className={`cv-tl-lane-label${flash ? ' cv-flash cv-lane-hl' : ''}`} style={{ height: TL.laneH }} data-lane={lane.key} data-testid="timeline-lane" data-leg={leg ?? undefined}>
      <div>
        {leg !== null && (
          <span className="cv-leg-tag" style={{ borderColor: legColor(leg), color: legColor(leg) }} title="The leg of the end-to-end call this stream belongs to">
            leg {leg + 1}
          </span>
        )}
        <strong>{s.direction === 'caller' ? 'caller → callee' : s.direction === 'callee' ? 'callee → caller' : 'stream'}</strong> <span className="cv-muted">{s.encoding || `PT ${s.payloadType}`}</span>
      </div>
      <div className="cv-mono cv-small" title={`SSRC 0x${(s.ssrc >>> 0).toString(16).toUpperCase()}`}>
        {endpoint(s.src, s.srcPort)} → {endpoint(s.dst, s.dstPort)}
      </div>
      <div className="cv-small">
        {s.packets} pkts · loss {formatPct(lossPct)} · jitter max {s.maxJitterMs.toFixed(1)} ms
      </div>
      <div className="cv-small" title="Estimated MOS (E-model, ITU-T G.107): whole stream / worst 5 s window. Inputs: codec impairment and packet loss; delay unknown.">
        est. MOS {formatMos(s.mos)} · worst {MOS_WINDOW_S} s {formatMos(s.minWindowMos ?? worstWindow)}
        {lane.mos === null && <span className="cv-muted"> (no per-second curve for this codec)</span>}
      </div>
      <MeasuredAt stream={s} />
    </div>
  );
}

const WHY: Record<NonNullable<MeasuredStream['measuredWhy']>, string> = {
  only_point: 'the only capture that saw it',
  nearer_receiver: 'the capture nearer its receiver',
  more_packets: 'the capture that saw more of its packets',
  reference: 'the captures agree; the reference one',
};

/**
 * Which capture the figures come from. A merged call's lane has no room for the other
 * captures' figures: they are in the tooltip, with why this capture's measurement is kept.
 */
function MeasuredAt({ stream: s }: { stream: MeasuredStream }) {
  const others = s.otherViews ?? [];
  const why = s.measuredWhy ? `Measured at ${WHY[s.measuredWhy]}.` : '';
  const title = [why, ...others.map((o) => `At ${o.measuredAt}: ${o.packets} pkts, lost ${o.lost}, jitter max ${o.maxJitterMs.toFixed(1)} ms.`)].filter((x) => x !== '').join('\n');
  return (
    <div className="cv-small cv-muted" data-testid="measured-at" data-measured-at={s.measuredAt} title={title || undefined}>
      measured at {s.measuredAt}
      {/* The lane is narrow: the count only, the figures in the tooltip. */}
      {others.length > 0 && ` (+${others.length})`}
    </div>
  );
}

function TimelineCursor({ scale, originUs, height }: { scale: TimeScale; originUs: number; height: number }) {
  const cursorUs = useCallStore((s) => s.cursorUs);
  if (cursorUs === null) return null;
  const x = scale.x(cursorUs);
  if (x < scale.x0 - 1 || x > scale.x1 + 1) return null;
  return (
    <div className="cv-tl-cursor" style={{ left: x, height }} aria-hidden="true">
      <span>{relativeTime(cursorUs, originUs)} s</span>
    </div>
  );
}

/** Event labels stacked into the marker rows; a label that finds no room keeps its line and tooltip. */
function placeMarkerLabels(events: readonly SipEvent[], scale: TimeScale): Array<{ ev: SipEvent; left: number; row: number }> {
  // Centred on the line, but kept inside the plot (the first INVITE sits on the left edge).
  const items = events
    .map((ev) => {
      const width = 8 + ev.label.length * 6;
      const left = Math.max(scale.x0, Math.min(scale.x1 - width, scale.x(ev.tsUs) - width / 2));
      return { ev, x: left, width };
    })
    .sort((a, b) => a.x - b.x);
  const rows = stackLabels(items, TL.markerRows);
  return items.map((it, i) => ({ ev: it.ev, left: it.x, row: rows[i] }));
}

interface DrawInput {
  width: number;
  height: number;
  lanes: readonly Lane[];
  events: readonly SipEvent[];
  domainStart: number;
  domainEnd: number;
  originUs: number;
  captureEnd: { us: number; inDomain: boolean } | null;
}

/**
 * Small text on an opaque box at the left edge, so scale notes stay legible over the curves.
 * Left, because a call's first moments are signalling only: RTP starts after the answer, and
 * the right edge is where the BYE and the capture-end marker crowd.
 */
function labelBox(ctx: CanvasRenderingContext2D, text: string, left: number, y: number, fg: string, bg: string): void {
  ctx.save();
  ctx.font = ctx.font.replace(/^\d+px/, '10px');
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  const w = ctx.measureText(text).width;
  ctx.globalAlpha = 0.85;
  ctx.fillStyle = bg;
  ctx.fillRect(left - 2, y - 6, w + 6, 12);
  ctx.globalAlpha = 1;
  ctx.fillStyle = fg;
  ctx.fillText(text, left, y);
  ctx.restore();
}

function drawTimeline(canvas: HTMLCanvasElement, scale: TimeScale, d: DrawInput): void {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.max(1, Math.round(d.width * dpr));
  canvas.height = Math.max(1, Math.round(d.height * dpr));
  canvas.style.width = `${d.width}px`;
  canvas.style.height = `${d.height}px`;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, d.width, d.height);
  const cs = getComputedStyle(canvas);
  const color = (v: string): string => cs.getPropertyValue(v).trim() || '#888';
  const fg = color('--fg');
  const muted = color('--fg-muted');
  const border = color('--border');
  const accent = color('--accent');
  const danger = color('--danger');
  const warn = color('--warn');
  const ok = color('--ok');
  ctx.font = `11px ${cs.getPropertyValue('--font-sans') || 'sans-serif'}`;

  // Axis and grid.
  const ticks = timeTicks({ startUs: d.domainStart, endUs: d.domainEnd }, d.width, d.originUs);
  ctx.fillStyle = muted;
  ctx.textBaseline = 'middle';
  for (const t of ticks) {
    const x = Math.round(scale.x(t.us)) + 0.5;
    ctx.strokeStyle = border;
    ctx.globalAlpha = 0.6;
    ctx.beginPath();
    ctx.moveTo(x, TL.axisH - 4);
    ctx.lineTo(x, d.height);
    ctx.stroke();
    ctx.globalAlpha = 1;
    ctx.textAlign = x < 20 ? 'left' : x > d.width - 30 ? 'right' : 'center';
    ctx.fillText(t.label, x, TL.axisH / 2);
  }

  // Lanes.
  d.lanes.forEach((lane, i) => {
    const top = laneTop(i);
    ctx.fillStyle = i % 2 === 0 ? color('--bg') : color('--bg-elev');
    ctx.fillRect(0, top, d.width, TL.laneH);
    ctx.strokeStyle = border;
    ctx.beginPath();
    ctx.moveTo(0, top + 0.5);
    ctx.lineTo(d.width, top + 0.5);
    ctx.stroke();
    const s = lane.stream;
    const dTop = top + TL.lanePad;
    const dBase = dTop + TL.densityH;
    // Packets per second, scaled to the stream's own peak (a 20 ms codec peaks near 50/s).
    const series = densitySeries(s);
    const peak = Math.max(1, maxOf(series, (p) => p.rate, 1));
    ctx.fillStyle = accent;
    ctx.globalAlpha = 0.55;
    for (const p of series) {
      const x0 = scale.x(p.fromUs);
      const x1 = Math.max(x0 + 1, scale.x(p.toUs));
      const h = (p.rate / peak) * (TL.densityH - 4);
      ctx.fillRect(x0, dBase - h, x1 - x0, h);
    }
    ctx.globalAlpha = 1;
    // The active span, so a stream with sparse bins still reads as one line.
    ctx.strokeStyle = accent;
    ctx.beginPath();
    ctx.moveTo(scale.x(s.firstUs), dBase + 0.5);
    ctx.lineTo(scale.x(s.lastUs), dBase + 0.5);
    ctx.stroke();
    // Gaps: red bands; the trailing silence in the warning colour with hatching.
    for (const g of lane.gaps) {
      ctx.fillStyle = g.trailing ? warn : danger;
      ctx.globalAlpha = 0.18;
      ctx.fillRect(g.x, dTop, g.width, TL.densityH);
      ctx.globalAlpha = 0.8;
      ctx.strokeStyle = g.trailing ? warn : danger;
      ctx.strokeRect(g.x + 0.5, dTop + 0.5, Math.max(1, g.width - 1), TL.densityH - 1);
      if (g.trailing) {
        ctx.save();
        ctx.beginPath();
        ctx.rect(g.x, dTop, g.width, TL.densityH);
        ctx.clip();
        ctx.globalAlpha = 0.35;
        for (let x = g.x - TL.densityH; x < g.x + g.width; x += 8) {
          ctx.beginPath();
          ctx.moveTo(x, dBase);
          ctx.lineTo(x + TL.densityH, dTop);
          ctx.stroke();
        }
        ctx.restore();
      }
      ctx.globalAlpha = 1;
    }
    // Loss (bars) and max jitter (line) per second.
    const cTop = dBase + 4;
    const cBase = cTop + TL.chartH;
    const maxLost = Math.max(1, maxOf(series, (p) => p.lost, 1));
    const maxJit = Math.max(1, maxOf(series, (p) => p.jitterMs, 1));
    ctx.fillStyle = danger;
    for (const p of series) {
      if (p.lost <= 0) continue;
      const x0 = scale.x(p.fromUs);
      const h = Math.max(2, (p.lost / maxLost) * (TL.chartH - 2));
      ctx.fillRect(x0, cBase - h, Math.max(2, scale.x(p.toUs) - x0 - 1), h);
    }
    ctx.strokeStyle = warn;
    ctx.lineWidth = 1.25;
    ctx.beginPath();
    series.forEach((p, k) => {
      const x = (scale.x(p.fromUs) + scale.x(p.toUs)) / 2;
      const y = cBase - (p.jitterMs / maxJit) * (TL.chartH - 2);
      if (k === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.stroke();
    ctx.lineWidth = 1;
    labelBox(ctx, `jitter ≤ ${maxJit.toFixed(1)} ms · lost ≤ ${maxLost}/s`, 4, cTop + 6, muted, color('--bg-elev'));
    // Windowed MOS on a fixed 1–4.5 scale, with the low-MOS threshold dashed.
    const mTop = cBase + 3;
    const yMos = (m: number): number => mTop + TL.mosH - ((Math.max(1, Math.min(4.5, m)) - 1) / 3.5) * TL.mosH;
    ctx.strokeStyle = border;
    ctx.setLineDash([3, 3]);
    ctx.beginPath();
    ctx.moveTo(0, yMos(LOW_MOS) + 0.5);
    ctx.lineTo(d.width, yMos(LOW_MOS) + 0.5);
    ctx.stroke();
    ctx.setLineDash([]);
    if (lane.mos && lane.mos.length > 0) {
      ctx.lineWidth = 1.5;
      // One flat step per second: a missing second (a gap) leaves a hole, never a bridge.
      for (const m of lane.mos) {
        const x0 = scale.x(Math.max(m.second * 1e6, s.firstUs));
        const x1 = scale.x(Math.min((m.second + 1) * 1e6, s.lastUs));
        ctx.strokeStyle = m.mos >= 4 ? ok : m.mos >= LOW_MOS ? warn : danger;
        ctx.beginPath();
        ctx.moveTo(x0, yMos(m.mos));
        ctx.lineTo(Math.max(x0 + 1, x1), yMos(m.mos));
        ctx.stroke();
      }
      ctx.lineWidth = 1;
      const worst = lane.mos.reduce((a, m) => Math.min(a, m.mos), 4.5);
      labelBox(ctx, `est. MOS ≥ ${worst.toFixed(2)}`, 4, mTop + 8, muted, color('--bg-elev'));
    }
  });

  // SIP event lines across everything, then the capture end.
  const evTop = TL.axisH;
  for (const ev of d.events) {
    const x = Math.round(scale.x(ev.tsUs)) + 0.5;
    ctx.strokeStyle = color(EVENT_COLOR[ev.kind]);
    ctx.setLineDash(ev.kind === 'provisional' ? [2, 3] : [5, 3]);
    ctx.globalAlpha = 0.9;
    ctx.beginPath();
    ctx.moveTo(x, evTop);
    ctx.lineTo(x, d.height);
    ctx.stroke();
  }
  ctx.setLineDash([]);
  ctx.globalAlpha = 1;
  if (d.captureEnd?.inDomain) {
    const x = Math.round(scale.x(d.captureEnd.us)) + 0.5;
    ctx.strokeStyle = fg;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(x, evTop);
    ctx.lineTo(x, d.height);
    ctx.stroke();
    ctx.lineWidth = 1;
    ctx.fillStyle = muted;
    ctx.globalAlpha = 0.12;
    ctx.fillRect(x, evTop, d.width - x, d.height - evTop);
    ctx.globalAlpha = 1;
  }
}
