// The SIP ladder of the incident report as SVG markup: the same geometry as the app's ladder
// (shared/layout/ladder_layout.ts) drawn the way renderer/features/call/LadderSvg.tsx draws it,
// but as a string. Colours come from classes in the report's style sheet and geometry from
// SVG presentation attributes — no style="" attributes, so the report's CSP needs no
// 'unsafe-inline'. Each arrow is a link to its raw message, so the raw text is one click
// away even with scripts off. No xmlns: inline SVG in HTML needs none, and the report
// carries no URL of any kind.

import type { LadderArrow, LadderLayout, LadderStreamBar } from '../layout/ladder_layout.ts';
import { html, join, n, type Html } from './html.ts';

export interface LadderSvgOptions {
  /** The fragment id of message `index`'s raw text in the report (the arrow links there). */
  messageId(index: number): string;
}

function arrow(a: LadderArrow, o: LadderSvgOptions): Html {
  const dir = a.x2 >= a.x1 ? 1 : -1;
  const head = 7;
  const dash = a.quoted ? '2 3' : a.retransmission ? '6 4' : null;
  const tags = html`${a.hasSdp ? ' (SDP)' : ''}${a.retransmission ? html`<tspan class="tag"> retrans</tspan>` : ''}${a.quoted ? html`<tspan class="tag"> ✕ ICMP</tspan>` : ''}`;
  const title = `#${a.index} ${a.label}${a.retransmission ? ' (retransmission)' : ''}${a.quoted ? ' (quoted in an ICMP error: it bounced)' : ''} at ${a.time} s`;
  const dashAttr = dash ? html` stroke-dasharray="${dash}"` : '';
  const body = a.self
    ? html`<path class="hit" d="M${n(a.x1)},${n(a.y - 8)} h28 v10 h-28"/><path class="shaft" d="M${n(a.x1)},${n(a.y - 8)} h28 v10 h-${n(28 - head)}"${dashAttr}/><path class="head" d="M${n(a.x1)},${n(a.y + 2)} l${head},-4 v8 z"/><text class="lbl" x="${n(a.x1 + 34)}" y="${n(a.y - 2)}">${a.label}${tags}</text>`
    : html`<line class="hit" x1="${n(a.x1)}" y1="${n(a.y)}" x2="${n(a.x2)}" y2="${n(a.y)}"/><line class="shaft" x1="${n(a.x1)}" y1="${n(a.y)}" x2="${n(a.x2 - dir * head)}" y2="${n(a.y)}"${dashAttr}/><path class="head" d="M${n(a.x2)},${n(a.y)} l${n(-dir * head * 1.4)},-4.5 v9 z"/><text class="lbl" x="${n((a.x1 + a.x2) / 2)}" y="${n(a.y - 5)}" text-anchor="middle">${a.label}${tags}</text>`;
  const cls = `arrow tone-${a.tone}${a.retransmission ? ' retrans' : ''}${a.quoted ? ' quoted' : ''}`;
  return html`<a class="${cls}" href="#${o.messageId(a.index)}" data-testid="ladder-arrow" data-index="${a.index}"><title>${title}</title>${body}<text class="time" x="6" y="${n(a.y + 4)}">${a.time}</text></a>`;
}

function streamBar(s: LadderStreamBar): Html {
  const dir = s.x2 >= s.x1 ? '→' : '←';
  const segments = s.segments.map((g) => html`<rect class="seg" x="${n(s.x - 4)}" y="${n(g.y1)}" width="8" height="${n(Math.max(2, g.y2 - g.y1))}" rx="2"/>`);
  return html`<g class="rtp" data-testid="ladder-stream"><title>RTP ${dir} ${s.label}</title><line class="track" x1="${n(s.x)}" y1="${n(s.y1)}" x2="${n(s.x)}" y2="${n(s.y2)}"/>${segments}<text class="rtp-lbl" x="${n(s.labelX)}" y="${n(s.labelY)}" text-anchor="${s.labelAnchor}">RTP ${dir} ${s.label}</text></g>`;
}

/** The whole ladder (headers and body) as one inline <svg>. */
export function ladderSvg(layout: LadderLayout, o: LadderSvgOptions): Html {
  const { headerHeight } = layout.options;
  const columns = layout.columns.map((c) => html`<line class="col" x1="${n(c.x)}" y1="${headerHeight}" x2="${n(c.x)}" y2="${n(layout.height)}"/>`);
  const pauses = layout.pauses.map((p) => html`<text class="pause" x="6" y="${n(p.y + 4)}">⋮ ${p.label}</text>`);
  const headers = layout.columns.map(
    (c) => html`<g><title>${c.members.join(', ')}</title><text class="col-lbl" x="${n(c.x)}" y="22" text-anchor="middle">${c.label}</text><text class="col-role" x="${n(c.x)}" y="40" text-anchor="middle">${c.role}</text></g>`,
  );
  return html`<svg class="ladder" data-testid="ladder" role="img" aria-label="SIP ladder" width="${n(layout.width)}" height="${n(layout.height)}" viewBox="0 0 ${n(layout.width)} ${n(layout.height)}"><g>${columns}${pauses}${join(layout.streams.map(streamBar))}${join(layout.arrows.map((a) => arrow(a, o)))}</g><g><rect class="hdr" x="0" y="0" width="${n(layout.width)}" height="${headerHeight}"/><line class="col" x1="0" y1="${n(headerHeight - 0.5)}" x2="${n(layout.width)}" y2="${n(headerHeight - 0.5)}"/>${headers}<text class="col-role" x="6" y="40">time (s)</text></g></svg>`;
}
