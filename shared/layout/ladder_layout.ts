// The SIP ladder as plain geometry (no DOM, tested in Node): columns per endpoint, one row per
// message in message order, arrows between columns, RTP streams as bars spanning their first
// to last packet. Rows are spaced by index, not by time (bursts of 100 Trying / 180 / 200
// within a millisecond must stay readable), plus a little extra room, growing with the
// logarithm of the pause, where time passes between two messages, so a 30 s silence before a
// BYE is visible without a linear axis. Time → y is piecewise linear between the rows: that
// is what the shared cursor and the RTP bars use.
//
// Everything is O(messages + streams): a 2 000-message call lays out in well under a frame.

import type { LadderMessage } from '../api/contract.ts';
import type { CallStream } from '../model/call.ts';
import { endpoint } from '../diagnosis/evidence_text.ts';
import { streamKey } from './stream_key.ts';
import { minOf } from '../util/array_math.ts';

export interface LadderOptions {
  /** One column per host instead of per ip:port (SIP on 5060 and RTP on 6000 of one box read as one). */
  mergePorts: boolean;
  rowHeight: number;
  columnWidth: number;
  /** Space above the first row for column headers. */
  headerHeight: number;
  /** Left gutter for the relative-time labels. */
  gutter: number;
}

export const DEFAULT_LADDER_OPTIONS: LadderOptions = { mergePorts: false, rowHeight: 30, columnWidth: 190, headerHeight: 56, gutter: 78 };

export interface LadderColumn {
  /** ip:port, or the host alone when ports are merged. */
  key: string;
  /** Header line 1: the endpoint or host. */
  label: string;
  /** Header line 2: the role ("caller", "callee", "media") and, when merged, the ports. */
  role: string;
  x: number;
  /** Endpoints (ip:port) folded into this column. */
  members: string[];
}

export type ArrowTone = 'request' | 'provisional' | 'success' | 'redirect' | 'failure';

export interface LadderArrow {
  /** The message index (what verdict evidence refers to). */
  index: number;
  y: number;
  x1: number;
  x2: number;
  /** Source and destination in the same column (ports merged on one host): drawn as a loop. */
  self: boolean;
  label: string;
  /** '+1.234' seconds since the first message. */
  time: string;
  retransmission: boolean;
  /** Seen only quoted inside an ICMP error (the datagram bounced): drawn dotted, marked. */
  quoted: boolean;
  tone: ArrowTone;
  hasSdp: boolean;
  /** The leg the message belongs to, in leg order, when the ladder shows an end-to-end call's legs. */
  leg?: number;
  /** A call merged from several captures: the points that saw this message (null otherwise). */
  points: string[] | null;
  /** Merged call, a message not every point saw: the one point that did (the arrow is tagged with it). */
  onlyAt: string | null;
}

export interface LadderStreamBar {
  key: string;
  /** Bar centre and the two columns it joins (x1 = sender). */
  x: number;
  x1: number;
  x2: number;
  /** Packet-carrying spans (the stream split at its gaps). */
  segments: Array<{ y1: number; y2: number }>;
  y1: number;
  y2: number;
  /** Where the label sits: of two bars in one column pair, the first labels to its left and the
   * second to its right; more than two stagger downwards. */
  labelX: number;
  labelY: number;
  labelAnchor: 'start' | 'end';
  label: string;
}

/** A pause between two messages, shown in the gutter ("⋮ 7.50 s"). */
export interface LadderPause {
  y: number;
  label: string;
}

export interface LadderLayout {
  columns: LadderColumn[];
  arrows: LadderArrow[];
  pauses: LadderPause[];
  streams: LadderStreamBar[];
  width: number;
  height: number;
  /** Time of the first message, the origin of every "+s.ms" label. */
  originUs: number;
  /** (tsUs, y) anchors, increasing in both: time → y and back interpolate between them. */
  anchors: Array<{ t: number; y: number }>;
  options: LadderOptions;
}

/**
 * Extra rows of space for a pause of dtMs between two messages: none up to 250 ms, then half
 * a row per doubling, at most 3 rows (a minute and an hour look alike; the label tells).
 */
export function pauseRows(dtMs: number): number {
  if (!(dtMs > 250)) return 0;
  return Math.min(3, 0.5 * Math.log2(dtMs / 250));
}

/** 7.50 s, 320 ms, 2 min 05 s: the pause label. */
export function pauseLabel(dtMs: number): string {
  if (dtMs < 1000) return `${Math.round(dtMs)} ms`;
  if (dtMs < 60_000) return `${(dtMs / 1000).toFixed(2)} s`;
  const s = Math.round(dtMs / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** The host part of 'ip:port' / '[v6]:port'. */
export function hostOf(ep: string): string {
  if (ep.startsWith('[')) {
    const close = ep.indexOf(']');
    return close > 0 ? ep.slice(1, close) : ep;
  }
  const colon = ep.lastIndexOf(':');
  // A bare IPv6 address has several colons and no port to strip.
  if (colon < 0 || ep.indexOf(':') !== colon) return ep;
  return ep.slice(0, colon);
}

export function portOf(ep: string): string {
  const h = hostOf(ep);
  const rest = ep.startsWith('[') ? ep.slice(h.length + 2) : ep.slice(h.length);
  return rest.startsWith(':') ? rest.slice(1) : '';
}

/** '+1.234' for a time relative to the origin (seconds with milliseconds). */
export function relativeTime(tsUs: number, originUs: number): string {
  const s = (tsUs - originUs) / 1e6;
  return `${s < 0 ? '−' : '+'}${Math.abs(s).toFixed(3)}`;
}

export function arrowTone(label: string): ArrowTone {
  const m = /^(\d{3})\b/.exec(label);
  if (!m) return 'request';
  const code = Number(m[1]);
  if (code < 200) return 'provisional';
  if (code < 300) return 'success';
  if (code < 400) return 'redirect';
  return 'failure';
}

/** Whether a raw SIP message carries SDP (the ladder marks offers and answers). */
export function carriesSdp(raw: string | null): boolean {
  if (!raw) return false;
  const head = raw.slice(0, Math.max(0, raw.search(/\r?\n\r?\n/)) || raw.length);
  return /^(content-type|c)\s*:\s*application\/sdp/im.test(head) || /\r?\n\r?\nv=0/.test(raw);
}

/**
 * Columns in order of first appearance: the first message's sender (normally the caller)
 * on the left, then everyone else as they first send or receive. RTP endpoints join the
 * column of their host when one exists; a media-only host gets its own column at the right.
 */
export function ladderColumns(messages: readonly LadderMessage[], streams: readonly CallStream[], opts: Pick<LadderOptions, 'mergePorts' | 'columnWidth' | 'gutter'>, roles: { caller?: string; callee?: string } = {}): LadderColumn[] {
  const order: string[] = [];
  const byKey = new Map<string, LadderColumn>();
  const keyOf = (ep: string): string => (opts.mergePorts ? hostOf(ep) : ep);
  const add = (ep: string, role: string): void => {
    const key = keyOf(ep);
    let c = byKey.get(key);
    if (!c) {
      c = { key, label: key, role, x: 0, members: [] };
      byKey.set(key, c);
      order.push(key);
    }
    if (!c.role && role) c.role = role;
    if (!c.members.includes(ep)) c.members.push(ep);
  };
  const roleOf = (ep: string): string => (ep === roles.caller ? 'caller' : ep === roles.callee ? 'callee' : '');
  for (const m of messages) {
    add(m.src, roleOf(m.src));
    add(m.dst, roleOf(m.dst));
  }
  // Media endpoints: fold into an existing column of the same host (the usual case: SIP and
  // RTP on one box), else a column of their own.
  for (const s of streams) {
    for (const ep of [endpoint(s.src, s.srcPort), endpoint(s.dst, s.dstPort)]) {
      if (byKey.has(keyOf(ep))) {
        const c = byKey.get(keyOf(ep))!;
        if (opts.mergePorts && !c.members.includes(ep)) c.members.push(ep);
        continue;
      }
      if (!opts.mergePorts && hostColumn(byKey, order, ep)) continue;
      add(ep, 'media');
    }
  }
  return order.map((key, i) => {
    const c = byKey.get(key)!;
    const role = c.role;
    const ports = opts.mergePorts ? c.members.map(portOf).filter(Boolean) : [];
    return { ...c, role: [role, ports.length ? `ports ${ports.join(', ')}` : ''].filter(Boolean).join(' · '), x: opts.gutter + opts.columnWidth / 2 + i * opts.columnWidth };
  });
}

function hostColumn(byKey: Map<string, LadderColumn>, order: readonly string[], ep: string): LadderColumn | null {
  const host = hostOf(ep);
  for (const k of order) if (hostOf(k) === host) return byKey.get(k)!;
  return null;
}

/** The column an endpoint is drawn in (exact, else the same host, else null). */
export function columnOf(columns: readonly LadderColumn[], ep: string): LadderColumn | null {
  for (const c of columns) if (c.members.includes(ep) || c.key === ep) return c;
  const host = hostOf(ep);
  for (const c of columns) if (hostOf(c.key) === host || c.key === host) return c;
  return null;
}

export function layoutLadder(messages: readonly (LadderMessage & { leg?: number })[], streams: readonly CallStream[], options: Partial<LadderOptions> = {}, roles: { caller?: string; callee?: string } = {}): LadderLayout {
  const opts = { ...DEFAULT_LADDER_OPTIONS, ...options };
  const columns = ladderColumns(messages, streams, opts, roles);
  const colIndex = new Map<string, LadderColumn>();
  for (const c of columns) for (const m of c.members) colIndex.set(m, c);
  const xOf = (ep: string): number => (colIndex.get(ep) ?? columnOf(columns, ep))?.x ?? opts.gutter;

  const originUs = messages.length > 0 ? messages[0].tsUs : streams.length > 0 ? minOf(streams, (s) => s.firstUs, 0) : 0;
  const arrows: LadderArrow[] = [];
  // Every capture point of a merged call: a message one of several saw is tagged with it.
  const allPoints = new Set<string>();
  for (const m of messages) for (const x of m.seenAt ?? []) allPoints.add(x.point);
  const pauses: LadderPause[] = [];
  const anchors: Array<{ t: number; y: number }> = [];
  let lastT = -Infinity;
  let y = opts.headerHeight + opts.rowHeight * 0.75;
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    if (i > 0) {
      const dtMs = (m.tsUs - messages[i - 1].tsUs) / 1000;
      const extra = pauseRows(dtMs) * opts.rowHeight;
      if (extra > 0) pauses.push({ y: y + (opts.rowHeight + extra) / 2, label: pauseLabel(dtMs) });
      y += opts.rowHeight + extra;
    }
    const x1 = xOf(m.src);
    const x2 = xOf(m.dst);
    arrows.push({
      index: m.index,
      y,
      x1,
      x2,
      self: x1 === x2,
      label: m.label,
      time: relativeTime(m.tsUs, originUs),
      retransmission: m.retransmission,
      quoted: m.quoted === true,
      tone: arrowTone(m.label),
      // A quoted body is cut and announces nothing.
      hasSdp: m.quoted !== true && carriesSdp(m.raw),
      ...(m.leg !== undefined ? { leg: m.leg } : {}),
      points: m.seenAt ? m.seenAt.map((x) => x.point) : null,
      onlyAt: m.seenAt?.length === 1 && allPoints.size > 1 ? m.seenAt[0].point : null,
    });
    // Capture order is not strictly time order (TCP, several interfaces): keep the anchors
    // monotonic so time → y stays a function.
    const t = Math.max(lastT, m.tsUs);
    anchors.push({ t, y });
    lastT = t;
  }

  // RTP often outlives the last SIP message (no BYE, capture tail): give it room below.
  const mediaEnd = streams.reduce((a, s) => Math.max(a, s.lastUs, s.trailingGap ? s.trailingGap.startUs + s.trailingGap.durationMs * 1000 : 0), -Infinity);
  const mediaStart = streams.reduce((a, s) => Math.min(a, s.firstUs), Infinity);
  let bodyEnd = messages.length > 0 ? y + opts.rowHeight * 0.25 : opts.headerHeight + opts.rowHeight;
  if (anchors.length === 0 && streams.length > 0) {
    anchors.push({ t: mediaStart, y: opts.headerHeight + opts.rowHeight * 0.75 });
    lastT = mediaStart;
  }
  if (mediaEnd > lastT && anchors.length > 0) {
    const dtMs = (mediaEnd - lastT) / 1000;
    const extra = opts.rowHeight * (1 + pauseRows(dtMs));
    if (messages.length > 0) pauses.push({ y: anchors[anchors.length - 1].y + extra / 2, label: pauseLabel(dtMs) });
    bodyEnd += extra;
    anchors.push({ t: mediaEnd, y: bodyEnd - opts.rowHeight * 0.25 });
  }
  if (mediaStart < (anchors[0]?.t ?? Infinity)) anchors.unshift({ t: mediaStart, y: opts.headerHeight + 4 });

  const layout: LadderLayout = {
    columns,
    arrows,
    pauses,
    streams: [],
    width: opts.gutter + Math.max(1, columns.length) * opts.columnWidth + 16,
    height: bodyEnd + opts.rowHeight * 0.5,
    originUs,
    anchors,
    options: opts,
  };
  layout.streams = streamBars(layout, streams, xOf);
  return layout;
}

/** Bars for RTP streams: between the sender and receiver columns, several in a pair side by side. */
function streamBars(layout: LadderLayout, streams: readonly CallStream[], xOf: (ep: string) => number): LadderStreamBar[] {
  const pairCount = new Map<string, number>();
  const pairSeen = new Map<string, number>();
  const pairKey = (a: number, b: number): string => `${Math.min(a, b)}|${Math.max(a, b)}`;
  const ends = streams.map((s) => [xOf(endpoint(s.src, s.srcPort)), xOf(endpoint(s.dst, s.dstPort))] as const);
  for (const [a, b] of ends) pairCount.set(pairKey(a, b), (pairCount.get(pairKey(a, b)) ?? 0) + 1);
  return streams.map((s, i) => {
    const [x1, x2] = ends[i];
    const pk = pairKey(x1, x2);
    const n = pairCount.get(pk) ?? 1;
    const k = pairSeen.get(pk) ?? 0;
    pairSeen.set(pk, k + 1);
    const lo = Math.min(x1, x2);
    const span = Math.abs(x2 - x1) || layout.options.columnWidth * 0.6;
    // Spread the bars of one column pair over the middle 40 % of the space between columns.
    const x = (x1 === x2 ? x1 + layout.options.columnWidth * 0.2 : lo) + span * (n === 1 ? 0.5 : 0.3 + (0.4 * k) / (n - 1));
    const y1 = yForTime(layout, s.firstUs);
    const y2 = Math.max(y1 + 2, yForTime(layout, s.lastUs));
    const segments: Array<{ y1: number; y2: number }> = [];
    let from = s.firstUs;
    for (const g of [...s.gaps].sort((a, b) => a.startUs - b.startUs)) {
      if (g.startUs < from || g.startUs > s.lastUs) continue;
      segments.push({ y1: yForTime(layout, from), y2: yForTime(layout, g.startUs) });
      from = g.startUs + g.durationMs * 1000;
    }
    segments.push({ y1: yForTime(layout, Math.min(from, s.lastUs)), y2: yForTime(layout, s.lastUs) });
    return {
      key: streamKey(s),
      x,
      x1,
      x2,
      y1,
      y2,
      labelX: n === 2 && k === 0 ? x - 7 : x + 7,
      labelY: y1 + 11 + (n > 2 ? k * 14 : 0),
      labelAnchor: n === 2 && k === 0 ? 'end' : 'start',
      segments: segments.map((g) => ({ y1: g.y1, y2: Math.max(g.y1 + 2, g.y2) })),
      label: `${s.encoding || `PT ${s.payloadType}`} · ${s.packets} pkts`,
    };
  });
}

/** Binary search for the anchor interval holding t. */
function anchorIndex(anchors: ReadonlyArray<{ t: number }>, t: number): number {
  let lo = 0;
  let hi = anchors.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (anchors[mid].t <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The y of a moment: interpolated between the rows around it, clamped to the first/last row. */
export function yForTime(layout: Pick<LadderLayout, 'anchors' | 'options'>, tsUs: number): number {
  const a = layout.anchors;
  if (a.length === 0) return layout.options.headerHeight;
  if (tsUs <= a[0].t) return a[0].y;
  if (tsUs >= a[a.length - 1].t) return a[a.length - 1].y;
  const i = anchorIndex(a, tsUs);
  const p = a[i];
  const q = a[Math.min(i + 1, a.length - 1)];
  if (q.t === p.t) return p.y;
  return p.y + ((tsUs - p.t) / (q.t - p.t)) * (q.y - p.y);
}

/** The inverse of yForTime (the cursor under the mouse). */
export function timeAtY(layout: Pick<LadderLayout, 'anchors'>, y: number): number | null {
  const a = layout.anchors;
  if (a.length === 0) return null;
  if (y <= a[0].y) return a[0].t;
  if (y >= a[a.length - 1].y) return a[a.length - 1].t;
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (a[mid].y <= y) lo = mid;
    else hi = mid - 1;
  }
  const p = a[lo];
  const q = a[Math.min(lo + 1, a.length - 1)];
  if (q.y === p.y) return p.t;
  return p.t + ((y - p.y) / (q.y - p.y)) * (q.t - p.t);
}

/** Calls up to this size render every arrow; larger ones render only the visible rows. */
export const FULL_RENDER_LIMIT = 500;

/** First arrow whose y is ≥ y (arrows are sorted by y). */
function firstArrowAtOrBelow(arrows: readonly LadderArrow[], y: number): number {
  let lo = 0;
  let hi = arrows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (arrows[mid].y < y) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Arrows [start, end) to render for a viewport given in layout units (zoom already divided
 * out): two binary searches over the sorted row positions, whatever the call's size.
 */
export function visibleArrows(layout: Pick<LadderLayout, 'arrows' | 'options'>, top: number, viewportHeight: number, overscan = 20): { start: number; end: number } {
  const n = layout.arrows.length;
  if (n <= FULL_RENDER_LIMIT) return { start: 0, end: n };
  const first = firstArrowAtOrBelow(layout.arrows, top);
  const last = firstArrowAtOrBelow(layout.arrows, top + viewportHeight);
  const start = Math.max(0, Math.min(n, first - overscan));
  const end = Math.max(start, Math.min(n, last + overscan));
  return { start, end };
}

/** Next/previous message index for keyboard stepping (clamped; from nothing selected, the first). */
export function stepSelection(current: number | null, delta: number, count: number): number | null {
  if (count <= 0) return null;
  if (current === null) return delta >= 0 ? 0 : count - 1;
  return Math.max(0, Math.min(count - 1, current + delta));
}
