// The ladder drawing itself: a pure function of the layout, the rows to draw and what is
// selected. Styling is inline (style={{ stroke: 'var(--x)' }}) rather than in the stylesheet
// so that the exported SVG carries it; export_image.ts resolves the variables. The cursor is
// not drawn here: it moves on every mouse move and lives in an overlay, so this stays memoized.

import { memo } from 'react';
import type { ArrowTone, LadderArrow, LadderLayout, LadderStreamBar } from '../../../shared/layout/ladder_layout.ts';
import type { Highlight } from './call_store.ts';
import { legColor } from './leg_merge.ts';

export const TONE_COLOR: Record<ArrowTone, string> = {
  request: 'var(--accent)',
  provisional: 'var(--fg-muted)',
  success: 'var(--ok)',
  redirect: 'var(--warn)',
  failure: 'var(--danger)',
};

export interface LadderSvgProps {
  layout: LadderLayout;
  /** Which part: the column headers (sticky on screen), the body, or both (export). */
  part: 'header' | 'body' | 'all';
  zoom: number;
  /** Arrows [start, end) to draw (virtualized for big calls). */
  start: number;
  end: number;
  selectedIndex: number | null;
  highlight: Highlight | null;
  onArrowClick?: (index: number) => void;
  onStreamClick?: (key: string) => void;
}

const FONT = { fontFamily: 'var(--font-sans)' };
const MONO = { fontFamily: 'var(--font-mono)' };
/** A background-coloured outline under text, so labels stay legible where they cross lines. */
const HALO = { stroke: 'var(--bg-elev)', strokeWidth: 3, strokeLinejoin: 'round', paintOrder: 'stroke' } as const;

function Arrow({ a, selected, flash, onClick }: { a: LadderArrow; selected: boolean; flash: boolean; onClick?: (index: number) => void }) {
  const color = TONE_COLOR[a.tone];
  const dir = a.x2 >= a.x1 ? 1 : -1;
  const head = 7;
  const label = `${a.label}${a.hasSdp ? ' (SDP)' : ''}`;
  const mid = (a.x1 + a.x2) / 2;
  const dash = a.quoted ? '2 3' : a.retransmission ? '6 4' : undefined;
  const quotedTag = a.quoted && <tspan style={{ fill: 'var(--warn)', fontWeight: 600 }}> ✕ ICMP</tspan>;
  const legStroke = a.leg !== undefined ? legColor(a.leg) : null;
  // A call merged from several captures: a message only one point saw says which.
  const pointTag = a.onlyAt !== null && <tspan style={{ fill: 'var(--fg-muted)', fontStyle: 'italic' }}>{` @ ${a.onlyAt}`}</tspan>;
  const seen = a.points ? ` — seen at ${a.points.join(' and ')}` : '';
  return (
    <g
      data-testid="ladder-arrow"
      data-index={a.index}
      data-leg={a.leg}
      data-retransmission={a.retransmission ? 'true' : undefined}
      data-quoted={a.quoted ? 'true' : undefined}
      data-points={a.points ? a.points.join('+') : undefined}
      className={`cv-arrow${selected ? ' cv-selected' : ''}${flash ? ' cv-flash' : ''}`}
      onClick={onClick ? () => onClick(a.index) : undefined}
      style={{ cursor: onClick ? 'pointer' : undefined }}
    >
      <title>{`#${a.index} ${a.label}${a.retransmission ? ' (retransmission)' : ''}${a.quoted ? ' (quoted in an ICMP error: it bounced)' : ''} at ${a.time} s${seen}`}</title>
      {selected && <rect x={Math.min(a.x1, a.x2) - 40} y={a.y - 18} width={Math.abs(a.x2 - a.x1) + 80 + (a.self ? 40 : 0)} height={26} rx={4} style={{ fill: 'var(--accent)', fillOpacity: 0.14 }} />}
      {/* A wide transparent stroke: the 1.5 px line alone is too thin to hit. */}
      {a.self ? (
        <>
          <path d={`M${a.x1},${a.y - 8} h28 v10 h-28`} style={{ fill: 'none', stroke: 'transparent', strokeWidth: 12 }} />
          <path d={`M${a.x1},${a.y - 8} h28 v10 h-${28 - head}`} style={{ fill: 'none', stroke: color, strokeWidth: 1.5, strokeDasharray: dash }} />
          <path d={`M${a.x1},${a.y + 2} l${head},-4 v8 z`} style={{ fill: color }} />
          <text x={a.x1 + 34} y={a.y - 2} style={{ ...FONT, ...HALO, fontSize: 12, fill: 'var(--fg)' }}>
            {label}
            {a.retransmission && <tspan style={{ fill: 'var(--warn)', fontWeight: 600 }}> retrans</tspan>}
            {quotedTag}
            {pointTag}
          </text>
        </>
      ) : (
        <>
          <line x1={a.x1} y1={a.y} x2={a.x2} y2={a.y} style={{ stroke: 'transparent', strokeWidth: 14 }} />
          {/* A leg's colour as a wide pale band under the line: the tone (request, 2xx, failure) stays readable on top. */}
          {legStroke && <line x1={a.x1} y1={a.y} x2={a.x2 - dir * head} y2={a.y} style={{ stroke: legStroke, strokeOpacity: 0.35, strokeWidth: 6 }} />}
          <line x1={a.x1} y1={a.y} x2={a.x2 - dir * head} y2={a.y} style={{ stroke: color, strokeWidth: selected ? 2.5 : 1.5, strokeDasharray: dash }} />
          <path d={`M${a.x2},${a.y} l${-dir * head * 1.4},-4.5 v9 z`} style={{ fill: color }} />
          <text x={mid} y={a.y - 5} textAnchor="middle" style={{ ...FONT, ...HALO, fontSize: 12, fill: 'var(--fg)', fontWeight: selected ? 600 : 400 }}>
            {label}
            {a.retransmission && <tspan style={{ fill: 'var(--warn)', fontWeight: 600 }}> retrans</tspan>}
            {quotedTag}
            {pointTag}
          </text>
        </>
      )}
      {legStroke && <rect x={0} y={a.y - 7} width={3} height={14} style={{ fill: legStroke }} />}
      <text x={6} y={a.y + 4} style={{ ...MONO, fontSize: 11, fill: legStroke ?? 'var(--fg-muted)' }}>
        {a.time}
      </text>
    </g>
  );
}

function StreamBar({ s, flash, onClick }: { s: LadderStreamBar; flash: boolean; onClick?: (key: string) => void }) {
  const arrow = s.x2 >= s.x1 ? '→' : '←';
  return (
    <g data-testid="ladder-stream" data-stream={s.key} className={flash ? 'cv-flash' : undefined} onClick={onClick ? () => onClick(s.key) : undefined} style={{ cursor: onClick ? 'pointer' : undefined }}>
      <title>{`RTP ${arrow} ${s.label}`}</title>
      <line x1={s.x} y1={s.y1} x2={s.x} y2={s.y2} style={{ stroke: 'var(--accent)', strokeOpacity: 0.12, strokeWidth: 10 }} />
      {s.segments.map((g, i) => (
        <rect key={i} x={s.x - 4} y={g.y1} width={8} height={Math.max(2, g.y2 - g.y1)} rx={2} style={{ fill: 'var(--accent)', fillOpacity: 0.45 }} />
      ))}
      <text x={s.labelX} y={s.labelY} textAnchor={s.labelAnchor} style={{ ...FONT, ...HALO, fontSize: 10.5, fill: 'var(--accent)' }}>
        {`RTP ${arrow} ${s.label}`}
      </text>
    </g>
  );
}

function LadderSvgImpl(p: LadderSvgProps) {
  const { layout, part, zoom } = p;
  const { headerHeight } = layout.options;
  const y0 = part === 'body' ? headerHeight : 0;
  const y1 = part === 'header' ? headerHeight : layout.height;
  const h = y1 - y0;
  const flashArrow = p.highlight?.kind === 'arrow' ? p.highlight.index : null;
  const flashStream = p.highlight?.kind === 'stream' ? p.highlight.key : p.highlight?.kind === 'gap' ? p.highlight.streamKey : null;
  return (
    <svg
      xmlns="http://www.w3.org/2000/svg"
      className={`cv-ladder-svg cv-ladder-${part}`}
      width={layout.width * zoom}
      height={h * zoom}
      viewBox={`0 ${y0} ${layout.width} ${h}`}
      style={{ display: 'block', ...FONT }}
    >
      {part !== 'header' && (
        <g>
          {layout.columns.map((c) => (
            <line key={c.key} x1={c.x} y1={headerHeight} x2={c.x} y2={layout.height} style={{ stroke: 'var(--border)', strokeWidth: 1.5 }} />
          ))}
          {layout.pauses.map((p, i) => (
            <text key={`p${i}`} x={6} y={p.y + 4} style={{ ...MONO, fontSize: 10.5, fill: 'var(--fg-muted)', fontStyle: 'italic' }}>
              {`⋮ ${p.label}`}
            </text>
          ))}
          {layout.streams.map((s) => (
            <StreamBar key={s.key} s={s} flash={flashStream === s.key} onClick={p.onStreamClick} />
          ))}
          {layout.arrows.slice(p.start, p.end).map((a) => (
            <Arrow key={a.index} a={a} selected={p.selectedIndex === a.index} flash={flashArrow === a.index} onClick={p.onArrowClick} />
          ))}
        </g>
      )}
      {part !== 'body' && (
        <g>
          <rect x={0} y={0} width={layout.width} height={headerHeight} style={{ fill: 'var(--bg-elev)' }} />
          <line x1={0} y1={headerHeight - 0.5} x2={layout.width} y2={headerHeight - 0.5} style={{ stroke: 'var(--border)' }} />
          {layout.columns.map((c) => (
            <g key={c.key}>
              <title>{c.members.join(', ')}</title>
              <text x={c.x} y={22} textAnchor="middle" style={{ ...MONO, fontSize: 12, fontWeight: 600, fill: 'var(--fg)' }}>
                {c.label}
              </text>
              <text x={c.x} y={40} textAnchor="middle" style={{ ...FONT, fontSize: 11, fill: 'var(--fg-muted)' }}>
                {c.role}
              </text>
            </g>
          ))}
          <text x={6} y={40} style={{ ...FONT, fontSize: 10, fill: 'var(--fg-muted)' }}>
            time (s)
          </text>
        </g>
      )}
    </svg>
  );
}

export const LadderSvg = memo(LadderSvgImpl);
