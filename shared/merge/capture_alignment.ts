// The clock offset between two captures of the same traffic (issue 12, "several captures of
// one call"): both sides of an SBC, a probe and a phone, two tcpdumps on two boxes. Their
// clocks disagree — by milliseconds with NTP, by minutes without — so a ladder that merges
// them must first put their times on one clock.
//
// Evidence: the same SIP message seen at both points. A message is recognised by its content
// (the raw text as captured: a hop that rewrites it — a proxy adding a Via, an SBC — makes it
// another message, rightly not matched). Retransmissions are byte-identical, so the k-th copy
// at one point is paired with the k-th at the other only when both saw the same number of
// copies; otherwise that message is left out (a lost copy would pair the wrong times).
//
// Each pair gives delta = t(B) − t(A) = offset ± transit, the transit between the capture
// points adding in one direction and subtracting in the other. With messages both ways
// (requests one way, responses back) the offset is the midpoint of the two directions'
// medians and the transit is half their difference: exact when the path is symmetric, as the
// NTP estimate is. With one direction only, the median delta is given and said to include the
// transit. Medians, not means: one message queued behind a burst must not move the clock.
// The spread is the median absolute deviation of the pairs from that model, and the worst.

import { maxOf, median } from '../util/array_math.ts';

/** One SIP message as a capture saw it. */
export interface AlignmentObservation {
  /** The message's content (raw text as captured). */
  content: string;
  tsUs: number;
  /** ip:port */
  src: string;
  dst: string;
}

export interface ClockAlignment {
  /** How far B's clock is ahead of A's: t(A) ≈ t(B) − offsetUs puts B's times on A's clock. */
  offsetUs: number;
  /** Messages paired. */
  matches: number;
  /** Median absolute deviation of the pairs from the estimate, µs. */
  spreadUs: number;
  /** Largest deviation of one pair, µs. */
  maxDeviationUs: number;
  /** Half the difference between the two directions (the one-way transit A↔B), µs; null with one direction. */
  transitUs: number | null;
  /** both_directions: transit cancelled out; one_direction: the offset includes the transit. */
  method: 'both_directions' | 'one_direction';
}

interface Pair {
  delta: number;
  /** The direction of the message, the same string for every message src→dst. */
  flow: string;
  reverse: string;
}

function pairsOf(a: readonly AlignmentObservation[], b: readonly AlignmentObservation[]): Pair[] {
  const group = (xs: readonly AlignmentObservation[]): Map<string, AlignmentObservation[]> => {
    const m = new Map<string, AlignmentObservation[]>();
    for (const x of xs) {
      const l = m.get(x.content);
      if (l) l.push(x);
      else m.set(x.content, [x]);
    }
    return m;
  };
  const ga = group(a);
  const gb = group(b);
  const pairs: Pair[] = [];
  for (const [content, la] of ga) {
    const lb = gb.get(content);
    if (!lb || lb.length !== la.length) continue;
    const byTime = (x: AlignmentObservation, y: AlignmentObservation): number => x.tsUs - y.tsUs;
    const sa = [...la].sort(byTime);
    const sb = [...lb].sort(byTime);
    for (let i = 0; i < sa.length; i++) {
      pairs.push({ delta: sb[i].tsUs - sa[i].tsUs, flow: `${sa[i].src}>${sa[i].dst}`, reverse: `${sa[i].dst}>${sa[i].src}` });
    }
  }
  return pairs;
}

/**
 * The offset of capture B's clock against capture A's, from the messages both saw; null when
 * they have no message in common.
 */
export function alignClocks(a: readonly AlignmentObservation[], b: readonly AlignmentObservation[]): ClockAlignment | null {
  const pairs = pairsOf(a, b);
  if (pairs.length === 0) return null;
  // Orient every pair against the direction of the busiest flow between its two hosts: the
  // flow with the most pairs is "forward", its reverse "back". Other host pairs (a message
  // relayed to a third host seen at both points) join by their own orientation the same way.
  const count = new Map<string, number>();
  for (const p of pairs) count.set(p.flow, (count.get(p.flow) ?? 0) + 1);
  const forward: number[] = [];
  const back: number[] = [];
  for (const p of pairs) {
    const mine = count.get(p.flow) ?? 0;
    const theirs = count.get(p.reverse) ?? 0;
    // Ties go by name so both orientations of one host pair agree on which is forward.
    const isForward = mine > theirs || (mine === theirs && p.flow < p.reverse);
    (isForward ? forward : back).push(p.delta);
  }
  if (back.length === 0) {
    const offset = median(forward);
    const dev = forward.map((d) => Math.abs(d - offset));
    return { offsetUs: offset, matches: pairs.length, spreadUs: median(dev), maxDeviationUs: maxOf(dev, (d) => d, 0), transitUs: null, method: 'one_direction' };
  }
  const f = median(forward);
  const r = median(back);
  const offset = (f + r) / 2;
  const transit = (f - r) / 2;
  const dev = [...forward.map((d) => Math.abs(d - f)), ...back.map((d) => Math.abs(d - r))];
  return { offsetUs: offset, matches: pairs.length, spreadUs: median(dev), maxDeviationUs: maxOf(dev, (d) => d, 0), transitUs: Math.abs(transit), method: 'both_directions' };
}
