// The legs of an end-to-end call drawn as one call: every leg's SIP messages in one ladder
// (time order, one column per host across the legs) and every leg's streams in one timeline,
// each tagged with its leg so the panes can colour and label it. Pure: the panes take the
// merged CallDetail as they take a single call's.
//
// Message indexes: the call the user opened keeps its own (its verdict's evidence refers to
// them); the other legs' messages are numbered from a base above any leg's count, so an index
// is unique and says its leg (legOfIndex).

import type { CallDetail, LadderMessage, MeasuredStream } from '../../../shared/api/contract.ts';
import { streamKey } from '../../../shared/layout/stream_key.ts';
import { maxOf, minOf } from '../../../shared/util/array_math.ts';

/** Leg colours, in leg order; chosen apart from the arrow tones (request blue, ok green, failure red). */
export const LEG_COLORS = ['#7b3fb5', '#d17a00', '#00838f', '#ad1457', '#5d6d1e', '#3949ab'] as const;

export function legColor(pos: number): string {
  return LEG_COLORS[((pos % LEG_COLORS.length) + LEG_COLORS.length) % LEG_COLORS.length];
}

export interface LegMessage extends LadderMessage {
  /** Position of the message's leg in leg order (0 = the first INVITE). */
  leg: number;
}

export interface LegStream extends MeasuredStream {
  leg: number;
}

export interface LegInfo {
  pos: number;
  id: number;
  callId: string;
  color: string;
}

export interface MergedLegs {
  /** The opened call with every leg's messages and streams (its row, verdict and CDR rows stay its own). */
  detail: CallDetail;
  legs: LegInfo[];
  /** Other legs' indexes are leg's rank (1, 2… among the others) × base + their own index. */
  indexBase: number;
}

/** The smallest power of ten above every leg's message count (at least 1000: readable indexes). */
export function indexBaseFor(counts: readonly number[]): number {
  let base = 1000;
  for (const n of counts) while (base <= n) base *= 10;
  return base;
}

/**
 * `legs`: every leg's detail, in leg order, the opened call among them (by row id). With one
 * leg, the opened call as it is.
 */
export function mergeLegs(openedId: number, legs: readonly CallDetail[]): MergedLegs {
  const opened = legs.find((d) => d.row.id === openedId);
  if (!opened) throw new Error(`mergeLegs: call #${openedId} is not among its legs`);
  const info = legs.map((d, pos): LegInfo => ({ pos, id: d.row.id, callId: d.row.callId, color: legColor(pos) }));
  const indexBase = indexBaseFor(legs.map((d) => d.messages.length));
  if (legs.length < 2) return { detail: opened, legs: info, indexBase };
  const messages: LegMessage[] = [];
  const streams: LegStream[] = [];
  const seen = new Set<string>();
  let rank = 0;
  const openedPos = legs.indexOf(opened);
  legs.forEach((d, pos) => {
    const offset = d === opened ? 0 : ++rank * indexBase;
    for (const m of d.messages) messages.push({ ...m, index: offset + m.index, leg: pos });
  });
  // A stream announced by both legs (direct media) is stored on both: draw it once, as the
  // opened call's when it is one of its own (its direction is then relative to that call),
  // else on the first leg that has it.
  for (const pos of [openedPos, ...legs.keys()].filter((p, i, all) => all.indexOf(p) === i)) {
    for (const s of legs[pos].streams) {
      const key = streamKey(s);
      if (seen.has(key)) continue;
      seen.add(key);
      streams.push({ ...s, leg: pos });
    }
  }
  // Time order; equal times keep leg order (a B2BUA relays within the same microsecond).
  messages.sort((a, b) => a.tsUs - b.tsUs || a.leg - b.leg || a.index - b.index);
  streams.sort((a, b) => a.firstUs - b.firstUs || a.leg - b.leg);
  const firstUs = minOf(legs, (d) => d.capture.firstUs ?? Infinity, Infinity);
  const lastUs = maxOf(legs, (d) => d.capture.lastUs ?? -Infinity, -Infinity);
  const detail: CallDetail = {
      ...opened,
      messages,
      streams,
      rtcp: legs.flatMap((d) => d.rtcp),
      capture: { ...opened.capture, firstUs: Number.isFinite(firstUs) ? firstUs : null, lastUs: Number.isFinite(lastUs) ? lastUs : null },
  };
  openedLegs.set(detail, openedPos);
  return { detail, legs: info, indexBase };
}

/** The opened call's leg position of a merged detail (the panes get the detail alone). */
const openedLegs = new WeakMap<CallDetail, number>();

/**
 * The streams of the opened call itself: what its SDP expectation (detail.media) is about,
 * so a direction missing on this leg is not hidden by another leg's stream.
 */
export function ownStreams<S extends object>(detail: CallDetail, streams: readonly S[]): S[] {
  const pos = openedLegs.get(detail);
  return pos === undefined ? [...streams] : streams.filter((s) => legOf(s) === pos);
}

/** The leg position of a message index of the merged call. */
export function legOfIndex(m: MergedLegs, index: number): number {
  const openedPos = m.legs.find((l) => l.id === m.detail.row.id)?.pos ?? 0;
  const rank = Math.floor(index / m.indexBase);
  if (rank === 0) return openedPos;
  const others = m.legs.filter((l) => l.pos !== openedPos);
  return others[rank - 1]?.pos ?? openedPos;
}

/** The leg of a message or stream of the merged call, when it has one. */
export function legOf(x: object): number | null {
  const leg = (x as { leg?: unknown }).leg;
  return typeof leg === 'number' ? leg : null;
}
