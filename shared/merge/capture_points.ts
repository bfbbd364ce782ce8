// One call captured at several points (issue 12): both sides of an SBC, a probe and a phone.
// Each capture has its own rows for the call (its own ladder, its own streams); this puts
// them together as Wireshark's merged view would, on the clock of one capture (the reference):
//
// Ladder: every point's messages, each time moved onto the reference clock by that point's
// offset (capture_alignment.ts). A message seen at two points (same content) is one arrow,
// placed where it was first seen, that lists every point with the time that point's own
// clock gave it; a message seen at one point only names that point.
//
// Streams: the same RTP packets seen at two points must not count twice, so each stream
// (direction + SSRC) keeps ONE measurement. The choice: the point nearer the stream's
// receiver, because loss and jitter added on the path before that point are what the
// receiver hears (a point upstream of a lossy hop reports a clean stream the listener never
// got). Which point is nearer the receiver comes from the SIP both saw: a point that sees the
// sender's messages later than the reference does (after the offset) is downstream of it.
// This assumes the RTP takes the SIP's path between the points (true for two taps on one
// link, both sides of an SBC that anchors both); when the lag is within the alignment's
// spread — the points are too close to tell, or messages went one way only so the offset
// swallowed the transit — the point that saw more packets is taken instead (a capture that
// dropped packets is the likelier fault than the wire), then the reference. The other
// points' measurements stay alongside, shifted to the same clock.

import type { CallStream } from '../model/call.ts';
import type { MediaGap } from '../model/media.ts';
import { maxOf, median } from '../util/array_math.ts';
import { alignClocks, type AlignmentObservation, type ClockAlignment } from './capture_alignment.ts';

/** A SIP message as one point captured it (the fields the merge reads). */
export interface PointMessage {
  tsUs: number;
  frame: number;
  src: string;
  dst: string;
  raw: string | null;
  quoted?: boolean;
}

export interface CapturePointInput<M extends PointMessage, S extends CallStream> {
  /** The capture's name (what `measuredAt` and `seenAt` say). */
  point: string;
  messages: readonly M[];
  streams: readonly S[];
}

/** Where and when one point saw a message: its own frame number and its own clock. */
export interface Sighting {
  point: string;
  frame: number;
  tsUs: number;
}

export interface MergedMessage<M> {
  /** The message as first seen (the reference's copy when the reference saw it). */
  message: M;
  /** Which point's copy `message` is, and its index in that point's message list. */
  point: string;
  pointIndex: number;
  /** On the reference clock: the earliest sighting. */
  tsUs: number;
  /** Every point that saw it, in point order. */
  seenAt: Sighting[];
}

export type MeasurementChoice = 'only_point' | 'nearer_receiver' | 'more_packets' | 'reference';

export interface StreamMeasurement<S> {
  /** The measurement kept, on the reference clock. */
  stream: S;
  measuredAt: string;
  why: MeasurementChoice;
  /** The same stream as the other points measured it, on the reference clock. */
  others: Array<{ measuredAt: string; stream: S }>;
}

export interface PointClock {
  point: string;
  /** How far this point's clock is ahead of the reference's, µs (0 for the reference). */
  offsetUs: number;
  /** null for the reference itself. */
  alignment: ClockAlignment | null;
}

export interface MergedCall<M, S> {
  reference: string;
  /** The points on the reference clock, reference first. */
  clocks: PointClock[];
  /** Points left out: no message in common with the reference, so no clock to put them on. */
  unaligned: string[];
  messages: Array<MergedMessage<M>>;
  streams: Array<StreamMeasurement<S>>;
}

/**
 * Copies are paired across points only within this distance on the reference clock. SIP
 * retransmits no sooner than T1 = 500 ms (RFC 3261 §17.1.1.2), so two copies of one message
 * are at least that far apart, and half of it cannot pair a copy with its neighbour.
 */
export const SAME_COPY_WINDOW_US = 250_000;

/** A lag smaller than this is not taken as one point being downstream of another, µs. */
export const MIN_LAG_US = 100;

function observations(ms: readonly PointMessage[]): AlignmentObservation[] {
  const out: AlignmentObservation[] = [];
  for (const m of ms) if (m.raw !== null && !m.quoted) out.push({ content: m.raw, tsUs: m.tsUs, src: m.src, dst: m.dst });
  return out;
}

/** Moves a stream onto the reference clock (every time it holds, bins by whole seconds). */
export function shiftStream<S extends CallStream>(s: S, offsetUs: number): S {
  if (offsetUs === 0) return s;
  const gap = (g: MediaGap): MediaGap => ({ ...g, startUs: g.startUs - offsetUs });
  // Bins are whole seconds: they move by the offset rounded to a second (a sub-second
  // offset leaves them where they are, off by less than their own width).
  const binShift = Math.round(offsetUs / 1e6);
  return {
    ...s,
    firstUs: s.firstUs - offsetUs,
    lastUs: s.lastUs - offsetUs,
    gaps: s.gaps.map(gap),
    trailingGap: s.trailingGap ? gap(s.trailingGap) : null,
    bins: binShift === 0 ? s.bins : s.bins.map((b) => ({ ...b, second: b.second - binShift })),
  };
}

/**
 * The call's points merged on the clock of the first one (the reference). Points whose
 * clock cannot be found (no message in common with the reference) are listed in
 * `unaligned` and left out of the ladder and the streams.
 */
export function mergeCapturePoints<M extends PointMessage, S extends CallStream>(
  points: ReadonlyArray<CapturePointInput<M, S>>,
  callerAddr: string,
): MergedCall<M, S> {
  const ref = points[0];
  const refObs = observations(ref.messages);
  const clocks: PointClock[] = [{ point: ref.point, offsetUs: 0, alignment: null }];
  const unaligned: string[] = [];
  const aligned: Array<CapturePointInput<M, S>> = [ref];
  for (const p of points.slice(1)) {
    const a = alignClocks(refObs, observations(p.messages));
    if (!a) {
      unaligned.push(p.point);
      continue;
    }
    clocks.push({ point: p.point, offsetUs: a.offsetUs, alignment: a });
    aligned.push(p);
  }
  const offsetOf = new Map(clocks.map((c) => [c.point, c.offsetUs]));
  const messages = mergeMessages(aligned, offsetOf);
  const lagOf = senderLags(messages, ref.point, offsetOf, callerAddr);
  const spreadOf = new Map(clocks.map((c) => [c.point, c.alignment?.spreadUs ?? 0]));
  const streams = chooseMeasurements(aligned, offsetOf, (sender) => nearestReceiver(lagOf(sender), spreadOf), ref.point);
  return { reference: ref.point, clocks, unaligned, messages, streams };
}

function mergeMessages<M extends PointMessage, S extends CallStream>(points: ReadonlyArray<CapturePointInput<M, S>>, offsetOf: Map<string, number>): Array<MergedMessage<M>> {
  const merged: Array<MergedMessage<M>> = [];
  // Content → entries of earlier points (sorted by time, open to a copy of a later point),
  // and the entries of the point being read (joining the others when it is done).
  const earlier = new Map<string, Array<MergedMessage<M>>>();
  for (const p of points) {
    const off = offsetOf.get(p.point) ?? 0;
    const fresh = new Map<string, Array<MergedMessage<M>>>();
    p.messages.forEach((m, i) => {
      const ts = m.tsUs - off;
      const sighting: Sighting = { point: p.point, frame: m.frame, tsUs: m.tsUs };
      // ICMP-quoted copies and messages without text stay on their own: nothing to match by.
      const key = m.raw !== null && !m.quoted ? m.raw : null;
      const best = key === null ? null : nearestCopy(earlier.get(key), ts, p.point);
      if (best) {
        best.seenAt.push(sighting);
        best.tsUs = Math.min(best.tsUs, ts);
        return;
      }
      const entry: MergedMessage<M> = { message: m, point: p.point, pointIndex: i, tsUs: ts, seenAt: [sighting] };
      merged.push(entry);
      if (key === null) return;
      const l = fresh.get(key);
      if (l) l.push(entry);
      else fresh.set(key, [entry]);
    });
    for (const [key, l] of fresh) earlier.set(key, [...(earlier.get(key) ?? []), ...l].sort((a, b) => a.tsUs - b.tsUs));
  }
  // Stable: equal times keep point order, then each point's own order.
  return merged.sort((a, b) => a.tsUs - b.tsUs);
}

/** Copies looked at around a time: hostile input repeating one message at one instant stays linear. */
const MAX_COPIES_LOOKED_AT = 8;

/** The copy nearest `ts` within SAME_COPY_WINDOW_US that `point` has not matched yet (binary search). */
function nearestCopy<M>(sorted: ReadonlyArray<MergedMessage<M>> | undefined, ts: number, point: string): MergedMessage<M> | null {
  if (!sorted) return null;
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid].tsUs < ts - SAME_COPY_WINDOW_US) lo = mid + 1;
    else hi = mid;
  }
  let best: MergedMessage<M> | null = null;
  for (let i = lo, seen = 0; i < sorted.length && seen < MAX_COPIES_LOOKED_AT && sorted[i].tsUs <= ts + SAME_COPY_WINDOW_US; i++, seen++) {
    const e = sorted[i];
    if (e.seenAt.some((s) => s.point === point)) continue;
    if (!best || Math.abs(e.tsUs - ts) < Math.abs(best.tsUs - ts)) best = e;
  }
  return best;
}

/**
 * For messages sent by `sender` (caller or callee), how much later each point saw them than
 * the reference did, on the reference clock (median over the messages both saw), µs.
 */
function senderLags<M extends PointMessage>(messages: ReadonlyArray<MergedMessage<M>>, reference: string, offsetOf: Map<string, number>, callerAddr: string) {
  return (sender: 'caller' | 'callee'): Map<string, number> => {
    const lags = new Map<string, number[]>();
    for (const e of messages) {
      const fromCaller = e.message.src === callerAddr;
      if (fromCaller !== (sender === 'caller')) continue;
      const atRef = e.seenAt.find((s) => s.point === reference);
      if (!atRef) continue;
      for (const s of e.seenAt) {
        if (s === atRef) continue;
        const l = lags.get(s.point) ?? [];
        l.push(s.tsUs - (offsetOf.get(s.point) ?? 0) - atRef.tsUs);
        lags.set(s.point, l);
      }
    }
    const out = new Map<string, number>([[reference, 0]]);
    for (const [p, l] of lags) out.set(p, median(l));
    return out;
  };
}

/** The point seeing the sender's traffic last, when it is clearly later than every other. */
function nearestReceiver(lags: Map<string, number>, spreadOf: Map<string, number>): string | null {
  const ranked = [...lags].sort((a, b) => b[1] - a[1]);
  if (ranked.length < 2) return null;
  const [[best, lag], [, next]] = ranked;
  const margin = Math.max(MIN_LAG_US, spreadOf.get(best) ?? 0, spreadOf.get(ranked[1][0]) ?? 0);
  return lag - next > margin ? best : null;
}

function chooseMeasurements<M extends PointMessage, S extends CallStream>(
  points: ReadonlyArray<CapturePointInput<M, S>>,
  offsetOf: Map<string, number>,
  receiverSide: (sender: 'caller' | 'callee') => string | null,
  reference: string,
): Array<StreamMeasurement<S>> {
  // One stream is the same direction and SSRC at every point; when one point lists several
  // (a re-INVITE moved the media to another port, the SSRC kept), the k-th in time at one
  // point is the k-th at the other. Addresses are not compared: NAT between the points may
  // change them while the packets stay the same.
  const groups = new Map<string, Array<{ point: string; stream: S }>>();
  for (const p of points) {
    const nth = new Map<string, number>();
    for (const s of [...p.streams].sort((a, b) => a.firstUs - b.firstUs)) {
      const id = `${s.direction}|${s.ssrc}`;
      const k = nth.get(id) ?? 0;
      nth.set(id, k + 1);
      const key = `${id}|${k}`;
      const g = groups.get(key) ?? [];
      g.push({ point: p.point, stream: shiftStream(s, offsetOf.get(p.point) ?? 0) });
      groups.set(key, g);
    }
  }
  const nearer = new Map<'caller' | 'callee', string | null>();
  const receiverFor = (sender: 'caller' | 'callee'): string | null => {
    if (!nearer.has(sender)) nearer.set(sender, receiverSide(sender));
    return nearer.get(sender)!;
  };
  const out: Array<StreamMeasurement<S>> = [];
  for (const g of groups.values()) {
    let pick = g[0];
    let why: MeasurementChoice = 'only_point';
    if (g.length > 1) {
      const near = receiverFor(g[0].stream.direction);
      const atNear = near === null ? undefined : g.find((x) => x.point === near);
      const most = maxOf(g, (x) => x.stream.packets, 0);
      const withMost = g.filter((x) => x.stream.packets === most);
      if (atNear) [pick, why] = [atNear, 'nearer_receiver'];
      else if (withMost.length < g.length) [pick, why] = [withMost[0], 'more_packets'];
      else [pick, why] = [g.find((x) => x.point === reference) ?? g[0], 'reference'];
    }
    out.push({ stream: pick.stream, measuredAt: pick.point, why, others: g.filter((x) => x !== pick).map((x) => ({ measuredAt: x.point, stream: x.stream })) });
  }
  // Groups keep first-seen order: the reference's streams first (by start), then those only others saw.
  return out;
}
