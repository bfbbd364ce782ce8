// The RTP gap timeline of the incident report as SVG markup: the app's timeline
// (renderer/features/call/TimelinePane.tsx paints it on a canvas) reduced to what a static
// page needs — one lane per stream with its packet rate from the per-second bins, lost
// packets per second, the gaps as labelled boxes (the trailing silence to the call's end
// marked apart), the SIP moments as vertical lines, and the capture's end. Same geometry
// (shared/layout/timeline_geometry.ts), so the report and the app agree to the pixel's worth.
// Like the ladder: classes for colour, presentation attributes for geometry, no URL.

import type { CallDetail } from '../api/contract.ts';
import { endpoint } from '../diagnosis/evidence_text.ts';
import { relativeTime } from '../layout/ladder_layout.ts';
import {
  densitySeries, formatGapDuration, gapBoxes, laneOrder, missingDirections, sipEvents, stackLabels, timeDomain, timeScale, timeTicks,
} from '../layout/timeline_geometry.ts';
import { streamKey } from '../layout/stream_key.ts';
import { maxOf } from '../util/array_math.ts';
import { html, join, n, type Html } from './html.ts';

const idAttr = (id: string | undefined): Html | string => (id ? html` id="${id}"` : '');

export const TIMELINE = { width: 1040, gutter: 8, axisH: 22, markerRowH: 14, markerRows: 3, laneH: 92, titleH: 16, densityH: 44, lossH: 14 } as const;

type TimelineInput = Pick<CallDetail, 'messages' | 'streams' | 'capture' | 'media'>;

/** Fragment ids for lanes and gaps (by stream key / gap key), so evidence can link to them. */
export interface TimelineIds {
  lane(streamKey: string): string | undefined;
  gap(gapKey: string): string | undefined;
}

const NO_IDS: TimelineIds = { lane: () => undefined, gap: () => undefined };

/** The timeline, or null when the call has nothing to place on a time axis. */
export function timelineSvg(detail: TimelineInput, ids: TimelineIds = NO_IDS, width: number = TIMELINE.width): Html | null {
  const domain = timeDomain(detail);
  if (!domain) return null;
  const T = TIMELINE;
  const scale = timeScale(domain, T.gutter, width - T.gutter);
  const originUs = detail.messages[0]?.tsUs ?? domain.startUs;
  const markersH = T.markerRowH * T.markerRows + 4;
  const lanesTop = T.axisH + markersH;
  const lanes = laneOrder(detail.streams);
  const missing = missingDirections(detail.media, detail.streams);
  const laneCount = Math.max(1, lanes.length + missing.length);
  const height = lanesTop + laneCount * T.laneH + 6;

  const ticks = timeTicks(domain, width - 2 * T.gutter, originUs).map((t) => {
    const x = scale.x(t.us);
    return html`<line class="tick" x1="${n(x)}" y1="${T.axisH - 4}" x2="${n(x)}" y2="${n(height)}"/><text class="tick-lbl" x="${n(x + 3)}" y="14">${t.label}</text>`;
  });

  // SIP moments: a line across every lane, the label stacked in up to three rows (else only in
  // its tooltip). One line per kind and pixel column: a re-INVITE storm of 50 000 transactions
  // draws at most the plot's width in lines, not 100 000 elements nobody can tell apart.
  const seen = new Set<string>();
  const events = sipEvents(detail.messages).filter((e) => {
    const k = `${e.kind}@${Math.round(scale.x(e.tsUs))}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const labelled = events.map((e) => ({ e, x: scale.x(e.tsUs), width: 7 * e.label.length + 8 }));
  const rows = stackLabels(labelled, T.markerRows);
  const markers = labelled.map(({ e, x }, i) => {
    const y = T.axisH + (rows[i] < 0 ? 0 : rows[i]) * T.markerRowH + 11;
    return html`<g class="event ev-${e.kind}" data-testid="timeline-event"><title>${e.label} at ${relativeTime(e.tsUs, originUs)} s</title><line x1="${n(x)}" y1="${T.axisH}" x2="${n(x)}" y2="${n(height)}"/>${rows[i] >= 0 ? html`<text x="${n(x + 3)}" y="${n(y)}">${e.label}</text>` : ''}</g>`;
  });

  const laneTop = (i: number): number => lanesTop + i * T.laneH;
  const laneMarks = lanes.map((s, i) => {
    const top = laneTop(i);
    const base = top + T.titleH + T.densityH;
    const series = densitySeries(s);
    const maxRate = maxOf(series, (b) => b.rate, 0);
    let area = '';
    for (const b of series) {
      const h = maxRate > 0 ? (b.rate / maxRate) * (T.densityH - 4) : 0;
      area += `M${n(scale.x(b.fromUs))},${n(base)}V${n(base - h)}H${n(scale.x(b.toUs))}V${n(base)}Z`;
    }
    const maxLost = maxOf(series, (b) => b.lost, 0);
    const loss = series
      .filter((b) => b.lost > 0)
      .map((b) => html`<rect class="loss" x="${n(scale.x(b.fromUs))}" y="${n(base + 2)}" width="${n(Math.max(1.5, scale.x(b.toUs) - scale.x(b.fromUs)))}" height="${n(Math.max(2, (b.lost / maxLost) * T.lossH))}"><title>${b.lost} lost in this second</title></rect>`);
    const gaps = gapBoxes(s, scale).map(
      (g) =>
        html`<g class="gap${g.trailing ? ' trailing' : ''}"${idAttr(ids.gap(g.key))} data-testid="gap-band" data-duration-ms="${n(g.durationMs)}"><title>${g.title} (from ${relativeTime(g.startUs, originUs)} s)</title><rect x="${n(g.x)}" y="${n(top + T.titleH)}" width="${n(g.width)}" height="${T.densityH}"/>${g.width > 34 ? html`<text x="${n(g.x + g.width / 2)}" y="${n(top + T.titleH + T.densityH / 2 + 4)}" text-anchor="middle">${formatGapDuration(g.durationMs)}</text>` : ''}</g>`,
    );
    const title = `${s.direction === 'caller' ? 'caller → callee' : 'callee → caller'} · ${endpoint(s.src, s.srcPort)} → ${endpoint(s.dst, s.dstPort)} · ${s.encoding || `PT ${s.payloadType}`} · ${s.packets} pkts, lost ${s.lost}${s.mos !== null ? ` · est. MOS ${s.mos.toFixed(2)}` : ''}${s.minWindowMos !== null ? ` (worst 5 s ${s.minWindowMos.toFixed(2)})` : ''}`;
    return html`<g class="lane"${idAttr(ids.lane(streamKey(s)))} data-testid="timeline-lane"><rect class="lane-bg" x="${T.gutter}" y="${n(top + 2)}" width="${n(width - 2 * T.gutter)}" height="${T.laneH - 4}"/><text class="lane-title" x="${T.gutter + 4}" y="${n(top + 13)}">${title}</text><path class="density" d="${area}"/>${loss}${gaps}</g>`;
  });
  const emptyLanes = missing.map((side, k) => {
    const top = laneTop(lanes.length + k);
    return html`<g class="lane missing" data-testid="timeline-missing"><rect class="lane-bg" x="${T.gutter}" y="${n(top + 2)}" width="${n(width - 2 * T.gutter)}" height="${T.laneH - 4}"/><text class="lane-title" x="${T.gutter + 4}" y="${n(top + 13)}">${side === 'caller' ? 'caller → callee' : 'callee → caller'}: no RTP at all, though the SDP expected it</text></g>`;
  });
  const noMedia = lanes.length === 0 && missing.length === 0 ? html`<text class="lane-title" x="${T.gutter + 4}" y="${n(lanesTop + 30)}">No RTP stream was associated with this call.</text>` : '';

  let capture: Html | string = '';
  if (domain.captureEnd) {
    const c = domain.captureEnd;
    capture = c.inDomain
      ? html`<g class="capture-end"><title>The capture ends here</title><line x1="${n(scale.x(c.us))}" y1="${T.axisH}" x2="${n(scale.x(c.us))}" y2="${n(height)}"/><text x="${n(scale.x(c.us) - 3)}" y="${n(height - 8)}" text-anchor="end">capture ends</text></g>`
      : html`<g class="capture-end"><text x="${n(width - T.gutter)}" y="${n(height - 8)}" text-anchor="end">capture ends ${relativeTime(c.us, originUs)} s →</text></g>`;
  }

  return html`<svg class="timeline" data-testid="timeline" role="img" aria-label="RTP gap timeline" width="${n(width)}" height="${n(height)}" viewBox="0 0 ${n(width)} ${n(height)}">${join(ticks)}${join(laneMarks)}${join(emptyLanes)}${noMedia}${join(markers)}${capture}</svg>`;
}
