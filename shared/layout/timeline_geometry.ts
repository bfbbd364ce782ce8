// The RTP gap timeline as plain arithmetic (tested in Node): the call's time domain, a linear
// scale, ticks, gap boxes, SIP event markers, label stacking, and the per-window MOS estimate.
// The canvas component only paints what these return; the numbers come from the per-second
// bins and the gap lists, never from packets (architecture convention 7).

import type { CallDetail, LadderMessage } from '../api/contract.ts';
import type { CallStream, MediaExpectation } from '../model/call.ts';
import { codecForEncoding, eModel } from '../engine/rtp/mos.ts';
import { gapKey, streamKey } from './stream_key.ts';

export interface TimeDomain {
  startUs: number;
  endUs: number;
  /** The capture's end when it falls after the call: drawn as a marker, or noted off-scale. */
  captureEnd: { us: number; inDomain: boolean } | null;
}

/**
 * How far past the call the capture end may lie and still be drawn inside the axis: up to the
 * call's own span (or 10 s for short calls). A capture that runs an hour past a 5 s call
 * would squash the call into a sliver, so that one is only noted at the right edge.
 */
export function captureTailAllowanceUs(spanUs: number): number {
  return Math.max(10_000_000, spanUs);
}

export function gapEndUs(g: { startUs: number; durationMs: number }): number {
  return g.startUs + g.durationMs * 1000;
}

/** Call start → end: first/last SIP message, first/last packet, trailing gaps, the capture end. */
export function timeDomain(detail: Pick<CallDetail, 'messages' | 'streams' | 'capture'>): TimeDomain | null {
  let start = Infinity;
  let end = -Infinity;
  for (const m of detail.messages) {
    start = Math.min(start, m.tsUs);
    end = Math.max(end, m.tsUs);
  }
  for (const s of detail.streams) {
    start = Math.min(start, s.firstUs);
    end = Math.max(end, s.lastUs);
    if (s.trailingGap) end = Math.max(end, gapEndUs(s.trailingGap));
  }
  if (!Number.isFinite(start) || !Number.isFinite(end)) return null;
  let captureEnd: TimeDomain['captureEnd'] = null;
  const capLast = detail.capture.lastUs;
  if (capLast !== null && capLast >= end) {
    const inDomain = capLast - end <= captureTailAllowanceUs(end - start);
    captureEnd = { us: capLast, inDomain };
    if (inDomain) end = capLast;
  }
  if (end - start < 1000) end = start + 1000; // a single instant still gets an axis
  // A little air on both sides so the first and last markers are not on the border.
  const pad = (end - start) * 0.02;
  return { startUs: start - pad, endUs: end + pad, captureEnd };
}

export interface TimeScale {
  x(tsUs: number): number;
  t(x: number): number;
  x0: number;
  x1: number;
}

export function timeScale(domain: Pick<TimeDomain, 'startUs' | 'endUs'>, x0: number, x1: number): TimeScale {
  const span = Math.max(1, domain.endUs - domain.startUs);
  const w = Math.max(1, x1 - x0);
  return {
    x: (t) => x0 + ((t - domain.startUs) / span) * w,
    t: (x) => domain.startUs + ((x - x0) / w) * span,
    x0,
    x1,
  };
}

const STEPS_S = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];

/** Ticks at a "nice" step, at least minGapPx apart, labelled relative to the origin. */
export function timeTicks(domain: Pick<TimeDomain, 'startUs' | 'endUs'>, widthPx: number, originUs: number, minGapPx = 80): Array<{ us: number; label: string }> {
  const spanS = (domain.endUs - domain.startUs) / 1e6;
  if (!(spanS > 0) || widthPx <= 0) return [];
  const maxTicks = Math.max(1, Math.floor(widthPx / minGapPx));
  const step = STEPS_S.find((s) => spanS / s <= maxTicks) ?? STEPS_S[STEPS_S.length - 1];
  const digits = step < 0.01 ? 3 : step < 0.1 ? 2 : step < 1 ? 1 : 0;
  const first = Math.ceil((domain.startUs - originUs) / 1e6 / step);
  const out: Array<{ us: number; label: string }> = [];
  for (let k = first; ; k++) {
    const rel = k * step;
    const us = originUs + rel * 1e6;
    if (us > domain.endUs) break;
    out.push({ us, label: `${rel < 0 ? '−' : '+'}${Math.abs(rel).toFixed(digits)} s` });
    if (out.length > 500) break;
  }
  return out;
}

/** 320 ms, 6.51 s, 2 min 05 s: a gap's length at a glance. */
export function formatGapDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

export interface GapBox {
  key: string;
  streamKey: string;
  startUs: number;
  endUs: number;
  durationMs: number;
  trailing: boolean;
  x: number;
  width: number;
  label: string;
  title: string;
}

/** The gaps of a stream (trailing one included) as boxes on the scale; at least 2 px wide so they stay clickable. */
export function gapBoxes(stream: CallStream, scale: TimeScale): GapBox[] {
  const sk = streamKey(stream);
  const all = stream.trailingGap ? [...stream.gaps, stream.trailingGap] : [...stream.gaps];
  return all.map((g) => {
    const x = scale.x(g.startUs);
    const x2 = Math.min(scale.x1, scale.x(gapEndUs(g)));
    const label = formatGapDuration(g.durationMs);
    return {
      key: gapKey(sk, g.startUs),
      streamKey: sk,
      startUs: g.startUs,
      endUs: gapEndUs(g),
      durationMs: g.durationMs,
      trailing: g.trailing,
      x,
      width: Math.max(2, x2 - x),
      label,
      title: g.trailing ? `${label} of silence from the last packet to the end of the call` : `${label} without packets`,
    };
  });
}

/** Packet rate per bin, corrected for the partial first and last seconds (else the edges dip). */
export function densitySeries(stream: Pick<CallStream, 'bins' | 'firstUs' | 'lastUs'>): Array<{ fromUs: number; toUs: number; rate: number; lost: number; jitterMs: number }> {
  return stream.bins.map((b) => {
    const fromUs = Math.max(b.second * 1e6, stream.firstUs);
    const toUs = Math.min((b.second + 1) * 1e6, Math.max(stream.lastUs, fromUs + 1));
    const coveredS = Math.max(0.05, (toUs - fromUs) / 1e6); // ≥ 50 ms, so one packet in a sliver is not a spike
    return { fromUs, toUs, rate: b.packets / coveredS, lost: Math.max(0, b.lost), jitterMs: b.maxJitterMs };
  });
}

export type SipEventKind = 'invite' | 'reinvite' | 'provisional' | 'answer' | 'failure' | 'bye' | 'cancel';

export interface SipEvent {
  index: number;
  tsUs: number;
  label: string;
  kind: SipEventKind;
}

/**
 * The SIP moments worth a vertical line: INVITE / re-INVITE, 18x, 2xx to INVITE, final errors,
 * BYE, CANCEL. Retransmissions and ICMP-quoted copies repeat a moment already marked, and 100
 * Trying says nothing about the call, so they are left out.
 */
export function sipEvents(messages: readonly LadderMessage[]): SipEvent[] {
  const out: SipEvent[] = [];
  let answered = false;
  for (const m of messages) {
    if (m.retransmission || m.quoted) continue;
    const code = /^(\d{3})\b/.exec(m.label);
    const method = m.cseqMethod.toUpperCase();
    if (!code) {
      const req = m.label.split(/\s/)[0].toUpperCase();
      if (req === 'INVITE') out.push({ index: m.index, tsUs: m.tsUs, label: answered ? 're-INVITE' : 'INVITE', kind: answered ? 'reinvite' : 'invite' });
      else if (req === 'BYE') out.push({ index: m.index, tsUs: m.tsUs, label: 'BYE', kind: 'bye' });
      else if (req === 'CANCEL') out.push({ index: m.index, tsUs: m.tsUs, label: 'CANCEL', kind: 'cancel' });
      continue;
    }
    if (method !== 'INVITE') continue;
    const c = Number(code[1]);
    if (c >= 180 && c < 200) out.push({ index: m.index, tsUs: m.tsUs, label: m.label, kind: 'provisional' });
    else if (c >= 200 && c < 300) {
      out.push({ index: m.index, tsUs: m.tsUs, label: answered ? `${c} (re-INVITE)` : m.label, kind: 'answer' });
      answered = true;
    } else if (c >= 300) out.push({ index: m.index, tsUs: m.tsUs, label: m.label, kind: 'failure' });
  }
  return out;
}

/**
 * Greedy row assignment for labels along one axis: each label takes the first row whose last
 * label ends before it starts; -1 when all rows are taken (the label is then left to its
 * tooltip). Input must be sorted by x.
 */
export function stackLabels(items: ReadonlyArray<{ x: number; width: number }>, rows: number, gapPx = 4): number[] {
  const ends = new Array<number>(rows).fill(-Infinity);
  return items.map((it) => {
    for (let r = 0; r < rows; r++) {
      if (it.x >= ends[r] + gapPx) {
        ends[r] = it.x + it.width;
        return r;
      }
    }
    return -1;
  });
}

export const MOS_WINDOW_S = 5;

/**
 * Estimated MOS (E-model, G.107 as reduced in metrics.md) per second over a trailing window of
 * `windowS` seconds, from the bins' loss alone (delay unknown → Id 0; jitter is not an input of
 * the reduced model). null when the codec has no impairment values.
 */
export function windowMos(stream: Pick<CallStream, 'bins' | 'encoding'>, windowS = MOS_WINDOW_S): Array<{ second: number; mos: number; lossPct: number }> | null {
  const codec = codecForEncoding(stream.encoding);
  if (!codec) return null;
  const bins = [...stream.bins].sort((a, b) => a.second - b.second);
  const out: Array<{ second: number; mos: number; lossPct: number }> = [];
  let lo = 0;
  let packets = 0;
  let lost = 0;
  for (let i = 0; i < bins.length; i++) {
    packets += bins[i].packets;
    lost += Math.max(0, bins[i].lost);
    while (bins[lo].second <= bins[i].second - windowS) {
      packets -= bins[lo].packets;
      lost -= Math.max(0, bins[lo].lost);
      lo++;
    }
    const expected = packets + lost;
    const lossPct = expected > 0 ? (100 * lost) / expected : 0;
    out.push({ second: bins[i].second, mos: eModel({ codec, lossPercent: lossPct }).mos, lossPct });
  }
  return out;
}

/** Lanes: the caller's streams first, then the callee's, each by first packet. */
export function laneOrder<T extends Pick<CallStream, 'direction' | 'firstUs'>>(streams: readonly T[]): T[] {
  const rank = (s: T): number => (s.direction === 'caller' ? 0 : s.direction === 'callee' ? 1 : 2);
  return [...streams].sort((a, b) => rank(a) - rank(b) || a.firstUs - b.firstUs);
}

/**
 * Directions the SDP expected to carry media that never carried one packet: one-way audio
 * drawn as an empty lane, so the missing half is seen and not just absent. On hold, a
 * silent direction is expected, so none is reported.
 */
export function missingDirections(media: MediaExpectation | null, streams: readonly Pick<CallStream, 'direction'>[]): Array<'caller' | 'callee'> {
  if (!media || media.onHoldAtEnd) return [];
  const out: Array<'caller' | 'callee'> = [];
  if (media.callerSends && !streams.some((s) => s.direction === 'caller')) out.push('caller');
  if (media.calleeSends && !streams.some((s) => s.direction === 'callee')) out.push('callee');
  // Neither direction ever carried RTP is "no media", drawn by the empty-timeline message.
  return out.length === 2 ? [] : out;
}
