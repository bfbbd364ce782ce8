// Keyboard moves in the hour chart. The chart is ONE tab stop (2 000 segments as 2 000 tab
// stops would make the page unusable from the keyboard); the arrows move an active segment
// inside it: left/right between hours, up/down within an hour's stack. Pure, so it is tested
// without a DOM.
import type { Bar } from '../../lib/hour_chart.ts';

/** An active segment: bars[bar].segments[seg]. */
export interface ChartPos {
  bar: number;
  seg: number;
}

/** Hours a Page Up / Page Down moves: a day. */
export const PAGE_HOURS = 24;

/** The first hour with a segment at or after `from` going in `dir` (±1), or -1. Empty hours (a gap in traffic) hold nothing to open. */
function nextFilled(bars: readonly Bar[], from: number, dir: 1 | -1): number {
  for (let i = from; i >= 0 && i < bars.length; i += dir) if (bars[i].segments.length) return i;
  return -1;
}

/** In a new hour, the same bucket when it has one; else the segment at the same height in the stack, clamped. */
function sameBucketOrHeight(bars: readonly Bar[], from: ChartPos, to: number): ChartPos {
  const bucket = bars[from.bar]?.segments[from.seg]?.bucket;
  const segs = bars[to].segments;
  const same = segs.findIndex((s) => s.bucket === bucket);
  return { bar: to, seg: same >= 0 ? same : Math.min(from.seg, segs.length - 1) };
}

/** Where the active segment goes for a key; null when the key is not a move (or there is nothing to move to). */
export function moveActive(bars: readonly Bar[], cur: ChartPos | null, key: string): ChartPos | null {
  const first = nextFilled(bars, 0, 1);
  if (first < 0) return null;
  // The first key press on the chart lands on its first segment (End: on the last hour's).
  const at = cur && bars[cur.bar]?.segments[cur.seg] ? cur : null;
  if (!at) {
    if (key === 'End') return { bar: nextFilled(bars, bars.length - 1, -1), seg: 0 };
    return ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'PageUp', 'PageDown'].includes(key) ? { bar: first, seg: 0 } : null;
  }
  const hop = (start: number, dir: 1 | -1): ChartPos => {
    const i = nextFilled(bars, start, dir);
    // Past the last hour with calls in that direction, the nearest one the other way.
    const j = i >= 0 ? i : nextFilled(bars, Math.max(0, Math.min(bars.length - 1, start)), dir === 1 ? -1 : 1);
    return sameBucketOrHeight(bars, at, j);
  };
  switch (key) {
    case 'ArrowRight':
      return nextFilled(bars, at.bar + 1, 1) >= 0 ? hop(at.bar + 1, 1) : at;
    case 'ArrowLeft':
      return nextFilled(bars, at.bar - 1, -1) >= 0 ? hop(at.bar - 1, -1) : at;
    case 'PageDown':
      return hop(Math.min(bars.length - 1, at.bar + PAGE_HOURS), 1);
    case 'PageUp':
      return hop(Math.max(0, at.bar - PAGE_HOURS), -1);
    case 'Home':
      return sameBucketOrHeight(bars, at, first);
    case 'End':
      return sameBucketOrHeight(bars, at, nextFilled(bars, bars.length - 1, -1));
    // Segments are stacked bottom to top in their order: up is the next one.
    case 'ArrowUp':
      return { bar: at.bar, seg: Math.min(bars[at.bar].segments.length - 1, at.seg + 1) };
    case 'ArrowDown':
      return { bar: at.bar, seg: Math.max(0, at.seg - 1) };
    default:
      return null;
  }
}
