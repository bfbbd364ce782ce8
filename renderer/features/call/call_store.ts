// State shared by the three panes of one call view: the time cursor, the selected message,
// what an evidence click asked to reveal, and the ladder's view options. One store per
// mounted CallView (not a module singleton), so two call views never fight over a cursor.

import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { EvidenceTarget } from '../../../shared/layout/evidence_target.ts';
import { stepSelection } from '../../../shared/layout/ladder_layout.ts';

export type Highlight =
  | { kind: 'arrow'; index: number }
  | { kind: 'gap'; key: string; streamKey: string }
  | { kind: 'stream'; key: string }
  | { kind: 'cdr'; source: string; line: number };

export interface CallViewState {
  /** The shared time cursor, µs since the epoch; null when the mouse is over neither pane. */
  cursorUs: number | null;
  /** Which message's raw text the side panel shows (null = closed). */
  selectedIndex: number | null;
  highlight: Highlight | null;
  /** Bumped on every reveal request, so the panes scroll even when the target is unchanged. */
  revealSeq: number;
  mergePorts: boolean;
  zoom: number;
  setCursor(us: number | null): void;
  select(index: number | null): void;
  /** Keyboard stepping over `count` messages whose indexes are 0…count−1 positions. */
  step(delta: number, indexes: readonly number[], timeOf: (index: number) => number): void;
  reveal(target: EvidenceTarget): void;
  setMergePorts(on: boolean): void;
  setZoom(z: number): void;
}

export const ZOOM_MIN = 0.4;
export const ZOOM_MAX = 3;

export function clampZoom(z: number): number {
  return Math.round(Math.max(ZOOM_MIN, Math.min(ZOOM_MAX, z)) * 100) / 100;
}

export function createCallViewStore(): StoreApi<CallViewState> {
  return createStore<CallViewState>()((set, get) => ({
    cursorUs: null,
    selectedIndex: null,
    highlight: null,
    revealSeq: 0,
    mergePorts: false,
    zoom: 1,
    setCursor: (us) => {
      if (get().cursorUs !== us) set({ cursorUs: us });
    },
    select: (index) => set({ selectedIndex: index, highlight: index === null ? null : { kind: 'arrow', index } }),
    step: (delta, indexes, timeOf) => {
      const cur = get().selectedIndex;
      const pos = cur === null ? null : indexes.indexOf(cur);
      const next = stepSelection(pos === null || pos < 0 ? null : pos, delta, indexes.length);
      if (next === null) return;
      const index = indexes[next];
      set((s) => ({ selectedIndex: index, highlight: { kind: 'arrow', index }, cursorUs: timeOf(index), revealSeq: s.revealSeq + 1 }));
    },
    reveal: (t) => {
      if (t.kind === 'none') return;
      const highlight: Highlight | null =
        t.kind === 'arrow' ? { kind: 'arrow', index: t.index } : t.kind === 'gap' ? { kind: 'gap', key: t.gapKey, streamKey: t.streamKey } : t.kind === 'stream' ? { kind: 'stream', key: t.streamKey } : t.kind === 'cdr' ? { kind: 'cdr', source: t.source, line: t.line } : null;
      set((s) => ({
        highlight,
        selectedIndex: t.kind === 'arrow' ? t.index : s.selectedIndex,
        cursorUs: t.tsUs ?? s.cursorUs,
        revealSeq: s.revealSeq + 1,
      }));
    },
    setMergePorts: (on) => set({ mergePorts: on }),
    setZoom: (z) => set({ zoom: clampZoom(z) }),
  }));
}

export const CallStoreContext = createContext<StoreApi<CallViewState> | null>(null);

export function useCallStore<T>(selector: (s: CallViewState) => T): T {
  const store = useContext(CallStoreContext);
  if (!store) throw new Error('useCallStore outside CallView');
  return useStore(store, selector);
}

export function useCallStoreApi(): StoreApi<CallViewState> {
  const store = useContext(CallStoreContext);
  if (!store) throw new Error('useCallStoreApi outside CallView');
  return store;
}
