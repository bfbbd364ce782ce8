// Leg correlation: a call that crosses a PBX, an SBC or a voice-AI platform is two or more SIP
// dialogs with different Call-IDs. This links them into one end-to-end call from the keys each
// dialog's SIP carried (LegKeys), in order of trust:
//
//   session_id      RFC 7989 Session-ID: intermediaries pass the UUIDs through            1.0 / 0.9
//   call_id_header  X-Call-ID / X-CID / X-Orig-Call-ID … naming another leg's Call-ID      0.95
//   icid            P-Charging-Vector icid-value (RFC 7315), shared by the legs of IMS     0.9
//   referred_by     transfer: a REFER in one dialog, then an INVITE with its Referred-By   0.85
//   diversion       Diversion / History-Info naming the number the first leg dialled       0.8
//   heuristic       the B2BUA's outbound INVITE soon after the inbound one reached it      0.5–0.7
//
// Pure: the same legs give the same links. Only INVITE dialogs ("calls") take part, and two
// rows with the same Call-ID (one dialog seen by two captures) are never linked here: that is
// the same leg, not another one.

import type { CallFacts, LegKeys } from '../model/call.ts';
import { hostOf } from './cidr.ts';
import { normalizeNumber, sameNormalized } from './numbers.ts';

export type LegLinkMethod = 'session_id' | 'call_id_header' | 'icid' | 'referred_by' | 'diversion' | 'heuristic';

/** The methods in order of trust (the first one that links a pair is the one recorded). */
export const LEG_LINK_METHODS: readonly LegLinkMethod[] = ['session_id', 'call_id_header', 'icid', 'referred_by', 'diversion', 'heuristic'];

export type LegFacts = Pick<CallFacts, 'callId' | 'kind' | 'from' | 'to' | 'callerAddr' | 'calleeAddr' | 'inviteUs' | 'startUs' | 'legKeys'>;

export interface LegInput {
  /** The caller's handle for this leg (an index row id, a position…); unique. */
  key: number;
  facts: LegFacts;
}

export interface LegLink {
  /** The upstream leg (the earlier INVITE) and the downstream one. */
  from: number;
  to: number;
  method: LegLinkMethod;
  confidence: number;
  /** One sentence: what matched. */
  why: string;
}

export interface LegGroup {
  /** The legs in order of their first INVITE (else first message), then Call-ID. */
  keys: number[];
  links: LegLink[];
}

export interface LegLinkOptions {
  /** Heuristic: the outbound INVITE at most this long after the inbound one (ms). */
  heuristicWindowMs: number;
  /** Diversion: the diverted INVITE at most this long after the original one (ms). */
  diversionWindowMs: number;
  /** Transfer: the new INVITE at most this long after the REFER (ms). */
  transferWindowMs: number;
  /** A shared Session-ID or icid among more dialogs than this is no session key (a UA that sends a constant). */
  maxSharedKey: number;
  /**
   * A heuristic link the user undid (by the pair's Call-IDs, either order): it is reported in
   * `undone` and joins nothing, so the pair stays two calls however often the legs are linked again.
   */
  undone?: (callIdA: string, callIdB: string) => boolean;
}

export const DEFAULT_LEG_LINK_OPTIONS: Readonly<LegLinkOptions> = Object.freeze({
  heuristicWindowMs: 5_000,
  diversionWindowMs: 10_000,
  transferWindowMs: 60_000,
  maxSharedKey: 8,
});

interface Leg {
  key: number;
  f: LegFacts;
  k: LegKeys;
  atUs: number;
  from: string;
  to: string;
  requestUser: string;
  callerHost: string;
  calleeHost: string;
}

const sameHostOf = (addrs: readonly string[], host: string): boolean => addrs.some((a) => hostOf(a) === host);

/** Links between the legs, and the end-to-end calls (groups of two or more legs) they make. */
export function linkLegs(inputs: readonly LegInput[], options: Partial<LegLinkOptions> = {}): { links: LegLink[]; groups: LegGroup[]; undone: LegLink[] } {
  const opt = { ...DEFAULT_LEG_LINK_OPTIONS, ...options };
  const legs: Leg[] = [];
  for (const { key, facts: f } of inputs) {
    if (f.kind !== 'call' || !f.legKeys) continue;
    legs.push({
      key, f, k: f.legKeys,
      atUs: f.inviteUs ?? f.startUs,
      from: normalizeNumber(f.from),
      to: normalizeNumber(f.to),
      requestUser: normalizeNumber(f.legKeys.requestUser),
      callerHost: hostOf(f.callerAddr),
      calleeHost: hostOf(f.calleeAddr),
    });
  }
  legs.sort((a, b) => a.atUs - b.atUs || (a.f.callId < b.f.callId ? -1 : a.f.callId > b.f.callId ? 1 : a.key - b.key));
  /** Index of the first leg whose INVITE is at or after tUs (legs are sorted by it). */
  const firstAtOrAfter = (tUs: number): number => {
    let lo = 0;
    let hi = legs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (legs[mid].atUs < tUs) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  /** The legs whose INVITE is within windowMs before b's (b's own time included), earliest first. */
  const before = (b: Leg, windowMs: number): Leg[] => {
    const out: Leg[] = [];
    for (let i = firstAtOrAfter(b.atUs - windowMs * 1000); i < legs.length && legs[i].atUs <= b.atUs; i++) if (legs[i] !== b) out.push(legs[i]);
    return out;
  };

  const parent = new Map<number, number>(legs.map((l) => [l.key, l.key]));
  const root = (k: number): number => {
    let r = k;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(k, r);
    return r;
  };
  const links: LegLink[] = [];
  const undone: LegLink[] = [];
  const link = (a: Leg, b: Leg, method: LegLinkMethod, confidence: number, why: string): void => {
    if (a.f.callId === b.f.callId) return;
    const ra = root(a.key);
    const rb = root(b.key);
    if (ra === rb) return; // already one call, by a method as trusted or more
    const [up, down] = a.atUs <= b.atUs ? [a, b] : [b, a];
    const l = { from: up.key, to: down.key, method, confidence, why };
    // Only a guess can be undone: a header naming the other leg is the B2BUA's own word.
    if (method === 'heuristic' && opt.undone?.(up.f.callId, down.f.callId)) {
      undone.push(l);
      return;
    }
    parent.set(rb, ra);
    links.push(l);
  };

  // Keys shared verbatim: link each dialog to the earliest one holding the key.
  const byShared = (values: (l: Leg) => readonly string[]): Map<string, Leg[]> => {
    const m = new Map<string, Leg[]>();
    for (const l of legs) {
      for (const v of new Set(values(l))) {
        let list = m.get(v);
        if (!list) m.set(v, (list = []));
        list.push(l);
      }
    }
    return m;
  };
  for (const [uuid, list] of byShared((l) => l.k.sessionIds)) {
    if (list.length > opt.maxSharedKey || new Set(list.map((l) => l.f.callId)).size < 2) continue;
    for (const l of list.slice(1)) {
      const both = l.k.sessionIds.length === 2 && list[0].k.sessionIds.length === 2 && l.k.sessionIds.every((u) => list[0].k.sessionIds.includes(u));
      link(list[0], l, 'session_id', both ? 1 : 0.9, both ? `same Session-ID, both UUIDs (${list[0].k.sessionIds.join(', ')})` : `same Session-ID UUID ${uuid}`);
    }
  }

  const byCallId = new Map<string, Leg[]>();
  for (const l of legs) {
    let list = byCallId.get(l.f.callId);
    if (!list) byCallId.set(l.f.callId, (list = []));
    list.push(l);
  }
  for (const b of legs) {
    for (const ref of b.k.refCallIds) {
      for (const a of byCallId.get(ref) ?? []) link(a, b, 'call_id_header', 0.95, `its INVITE names Call-ID ${ref} in an X-Call-ID style header`);
    }
  }

  for (const [icid, list] of byShared((l) => l.k.icids.filter((v) => v.length >= 4))) {
    if (list.length > opt.maxSharedKey || new Set(list.map((l) => l.f.callId)).size < 2) continue;
    for (const l of list.slice(1)) link(list[0], l, 'icid', 0.9, `same P-Charging-Vector icid-value ${icid}`);
  }

  // Transfer (RFC 3515, RFC 3892): dialog A carried a REFER to T by R; dialog B is an INVITE
  // to T with Referred-By R, sent after the REFER.
  const referrers = legs.filter((l) => l.k.refers.length > 0);
  for (const b of legs) {
    const by = normalizeNumber(b.k.referredBy);
    if (by === '') continue;
    let best: { a: Leg; dt: number } | null = null;
    for (const a of referrers) {
      if (a === b) continue;
      for (const r of a.k.refers) {
        const dt = b.atUs - r.tsUs;
        if (dt < 0 || dt > opt.transferWindowMs * 1000) continue;
        const target = normalizeNumber(r.target);
        if (!sameNormalized(normalizeNumber(r.by), by) || !(sameNormalized(target, b.requestUser) || sameNormalized(target, b.to))) continue;
        if (!best || dt < best.dt) best = { a, dt };
      }
    }
    if (best) link(best.a, b, 'referred_by', 0.85, `transfer: a REFER to ${b.k.requestUser || b.f.to} in the first dialog, then this INVITE with Referred-By ${b.k.referredBy}`);
  }

  // Diversion / History-Info: B's INVITE names the number A dialled, shortly after A's INVITE.
  for (const b of legs) {
    if (b.k.diversions.length === 0) continue;
    const diverted = b.k.diversions.map(normalizeNumber);
    let best: { a: Leg; dt: number } | null = null;
    for (const a of before(b, opt.diversionWindowMs)) {
      const dt = b.atUs - a.atUs;
      if (!diverted.some((d) => sameNormalized(d, a.to) || sameNormalized(d, a.requestUser))) continue;
      if (!(sameNormalized(a.from, b.from) || a.calleeHost === b.callerHost)) continue;
      if (!best || dt < best.dt) best = { a, dt };
    }
    if (best) link(best.a, b, 'diversion', 0.8, `Diversion/History-Info names ${best.a.f.to}, the number the first leg dialled`);
  }

  // Heuristic: B is the B2BUA's outbound INVITE — sent by the host A's INVITE reached, within
  // the window after it — with the same numbers (after normalisation) or A's very SDP offer.
  // Media anchored on that host on both legs adds to it. The closest such A wins.
  for (const b of legs) {
    let best: { a: Leg; dt: number; confidence: number; why: string } | null = null;
    for (const a of before(b, opt.heuristicWindowMs)) {
      const dt = b.atUs - a.atUs;
      if (a.f.callId === b.f.callId || a.calleeHost !== b.callerHost || a.calleeHost === '') continue;
      // Both INVITEs seen; the outbound one is neither sent by the inbound one's sender nor to
      // where the inbound one went (one UA sending two calls, a test tool replaying one).
      if (a.f.inviteUs === null || b.f.inviteUs === null || a.f.callerAddr === b.f.callerAddr || a.f.calleeAddr === b.f.calleeAddr) continue;
      if (root(a.key) === root(b.key)) continue;
      const numbers = sameNormalized(a.from, b.from) || sameNormalized(a.to, b.to) || sameNormalized(a.requestUser, b.to);
      const sameSdp = a.k.callerMedia.some((m) => b.k.callerMedia.includes(m));
      if (!numbers && !sameSdp) continue;
      const anchored = sameHostOf(a.k.calleeMedia, b.callerHost) && sameHostOf(b.k.callerMedia, b.callerHost);
      const cues = [numbers ? 'same numbers' : '', sameSdp ? 'the same SDP media address' : anchored ? 'media anchored on it' : ''].filter((c) => c !== '');
      const confidence = numbers && (sameSdp || anchored) ? 0.7 : 0.6;
      if (!best || confidence > best.confidence || (confidence === best.confidence && dt < best.dt)) {
        best = { a, dt, confidence, why: `outbound INVITE from ${b.callerHost} ${Math.round(dt / 1000)} ms after the inbound one reached it; ${cues.join(', ')}` };
      }
    }
    if (best) link(best.a, b, 'heuristic', best.confidence, best.why);
  }

  const members = new Map<number, number[]>();
  for (const l of legs) {
    const r = root(l.key);
    let list = members.get(r);
    if (!list) members.set(r, (list = []));
    list.push(l.key); // legs are sorted, so each group is in order
  }
  // Each link to its group in one pass (filtering every link per group is quadratic: 5 000
  // two-leg calls made 25 million look-ups).
  const linksOf = new Map<number, LegLink[]>();
  for (const x of links) {
    const r = root(x.from);
    let list = linksOf.get(r);
    if (!list) linksOf.set(r, (list = []));
    list.push(x);
  }
  const groups: LegGroup[] = [];
  for (const [r, keys] of members) {
    if (keys.length < 2) continue;
    groups.push({ keys, links: linksOf.get(r) ?? [] });
  }
  return { links, groups, undone };
}
