// Where an evidence item points (verdict.ts EvidenceRef) resolved against the loaded call:
// which ladder arrow, timeline gap or stream lane to highlight, and where the time cursor
// goes. Refs are resolved defensively: a messageIndex from an older index may be out of
// range, so the frame number is the fallback, and a gap is matched to the nearest start.

import type { CallDetail } from '../api/contract.ts';
import type { Evidence } from '../model/verdict.ts';
import { gapEndUs } from './timeline_geometry.ts';
import { gapKey, streamKey, streamKeyOf } from './stream_key.ts';

export type EvidenceTarget =
  | { kind: 'arrow'; index: number; tsUs: number | null }
  | { kind: 'gap'; streamKey: string; gapKey: string; tsUs: number | null }
  | { kind: 'stream'; streamKey: string; tsUs: number | null }
  | { kind: 'cdr'; source: string; line: number; tsUs: number | null }
  | { kind: 'time'; tsUs: number }
  | { kind: 'none' };

type Detail = Pick<CallDetail, 'messages' | 'streams' | 'capture'>;

/** Gaps closer than this to the ref's start count as the same gap (stored times are rounded). */
const GAP_MATCH_US = 5_000;

export function evidenceTarget(e: Evidence, detail: Detail): EvidenceTarget {
  const ref = e.ref;
  const fallback = (): EvidenceTarget => (e.tsUs !== null ? { kind: 'time', tsUs: e.tsUs } : { kind: 'none' });
  if (!ref) return fallback();
  switch (ref.kind) {
    case 'sip': {
      let pos = detail.messages.findIndex((m) => m.index === ref.messageIndex);
      if (pos < 0 || (ref.frame > 0 && detail.messages[pos].frame !== ref.frame)) {
        const byFrame = detail.messages.findIndex((m) => m.frame === ref.frame);
        if (byFrame >= 0) pos = byFrame;
      }
      if (pos < 0) return fallback();
      const m = detail.messages[pos];
      return { kind: 'arrow', index: m.index, tsUs: e.tsUs ?? m.tsUs };
    }
    case 'stream':
    case 'gap': {
      const wanted = streamKeyOf(ref.ssrc, ref.src, ref.dst);
      const s = detail.streams.find((x) => streamKey(x) === wanted) ?? detail.streams.find((x) => (x.ssrc >>> 0) === (ref.ssrc >>> 0));
      if (!s) return fallback();
      const sk = streamKey(s);
      if (ref.kind === 'stream') return { kind: 'stream', streamKey: sk, tsUs: e.tsUs ?? s.firstUs };
      const gaps = s.trailingGap ? [...s.gaps, s.trailingGap] : s.gaps;
      let best: (typeof gaps)[number] | null = null;
      for (const g of gaps) {
        const d = Math.abs(g.startUs - ref.startUs);
        if (d <= GAP_MATCH_US && (!best || d < Math.abs(best.startUs - ref.startUs))) best = g;
      }
      // A gap the stream no longer lists (settings changed the threshold): point at the stream.
      if (!best) return { kind: 'stream', streamKey: sk, tsUs: e.tsUs ?? ref.startUs };
      return { kind: 'gap', streamKey: sk, gapKey: gapKey(sk, best.startUs), tsUs: e.tsUs ?? best.startUs };
    }
    case 'cdr':
      return { kind: 'cdr', source: ref.source, line: ref.line, tsUs: e.tsUs };
    case 'capture': {
      const t = ref.what === 'start' ? detail.capture.firstUs : detail.capture.lastUs;
      const tsUs = e.tsUs ?? t;
      return tsUs !== null ? { kind: 'time', tsUs } : { kind: 'none' };
    }
    case 'event':
      return fallback();
  }
}

/** The moment a target stands for (where the shared cursor goes). */
export function targetTime(t: EvidenceTarget): number | null {
  return t.kind === 'none' ? null : t.tsUs;
}

/** The middle of a gap, for centring the timeline on it. */
export function gapMiddleUs(g: { startUs: number; durationMs: number }): number {
  return (g.startUs + gapEndUs(g)) / 2;
}
