// The write side of a capture import: finished calls are committed to the index in slices,
// so other connections (the UI) see calls while a long capture is still being read, and a
// commit per slice, not per call, keeps the WAL cheap. The source row is created with the
// first slice (under a provisional hash when the real one is not known yet); each call goes
// in with its messages, streams, RTCP and verdict inside one slice transaction, so a reader
// never sees half a call.

import { randomBytes } from 'node:crypto';
import type { AnalyzedCall } from '../../../shared/engine/capture_analyzer.ts';
import type { CaptureCoverage } from '../../../shared/model/capture.ts';
import type { DiagnosisSettings } from '../../../shared/model/verdict.ts';
import { DuplicateSourceError, type IndexStore, type SourceFormat, type SourceRecord } from '../store/index_store.ts';
import type { ContentHash } from './content_hasher.ts';
import { verdictFor } from './diagnose.ts';

/**
 * A slice is committed once this much time has passed since the last one (the first call is
 * committed at once)…
 */
export const SLICE_MS = 500;
/** …or once this many calls are waiting, whichever comes first (bounds memory). */
export const SLICE_CALLS = 2000;

/** A random stand-in for the content hash until the real one is known: it cannot collide with real content. */
export function provisionalHash(): ContentHash {
  return { contentHash: randomBytes(32).toString('hex'), sizeBytes: 0 };
}

export interface SliceOptions {
  settings: DiagnosisSettings;
  /** The capture's coverage as far as it is known when a call is written (verdicts depend on it). */
  coverage: () => CaptureCoverage | null;
  sliceCalls?: number;
  onCall?: (call: AnalyzedCall) => void;
  onSlice?: (slices: number) => void;
}

export class CallSlices {
  sourceId: number | null = null;
  /** Calls committed so far. */
  committed = 0;
  /** The source that already holds these bytes, when another import indexed them meanwhile. */
  duplicate: SourceRecord | null = null;
  private readonly pending: AnalyzedCall[] = [];
  private lastCommitMs = performance.now();
  private slices = 0;
  private readonly sliceCalls: number;

  constructor(
    private readonly store: IndexStore,
    private readonly source: { path: string; name: string; sizeBytes: number; format: SourceFormat },
    private readonly o: SliceOptions,
  ) {
    this.sliceCalls = Math.max(1, o.sliceCalls ?? SLICE_CALLS);
  }

  /** Creates the source row; false when the same bytes were indexed meanwhile (then `duplicate` says where). */
  open(hash: ContentHash): boolean {
    try {
      this.sourceId = this.store.transaction(() => this.store.beginSource({ ...this.source, contentHash: hash.contentHash }));
      return true;
    } catch (e) {
      if (!(e instanceof DuplicateSourceError)) throw e;
      this.duplicate = e.existing;
      return false;
    }
  }

  /** A finished call; commits a slice when one is due. `hash` is the real hash when known. */
  add(call: AnalyzedCall, hash: () => ContentHash): void {
    this.pending.push(call);
    this.maybeCommit(hash);
  }

  maybeCommit(hash: () => ContentHash): void {
    if (this.pending.length === 0 || this.duplicate) return;
    if (this.sourceId === null && !this.open(hash())) return;
    if (this.committed === 0 || this.pending.length >= this.sliceCalls || performance.now() - this.lastCommitMs >= SLICE_MS) this.commit();
  }

  /** Commits the waiting calls (and, at the end, `last` in the same transaction). */
  commit(last?: (sid: number) => void): void {
    const sid = this.sourceId;
    if (sid === null) return;
    const batch = this.pending.splice(0, this.pending.length);
    this.store.transaction(() => {
      for (const c of batch) this.write(sid, c);
      last?.(sid);
    });
    this.committed += batch.length;
    this.lastCommitMs = performance.now();
    // After the commit, so a listener told about a call can already read it from the index.
    if (this.o.onCall) for (const c of batch) this.o.onCall(c);
    this.slices++;
    if (!last) this.o.onSlice?.(this.slices);
  }

  private write(sid: number, c: AnalyzedCall): void {
    const verdict = verdictFor(this.store, c.facts, this.o.settings, this.o.coverage());
    const rowId = this.store.insertCall(sid, c.facts, (_ref, i) => ({ raw: c.rawMessages[i], transport: c.transports[i] }), verdict);
    if (c.rtcp.length > 0) this.store.insertRtcp(sid, c.rtcp, rowId);
  }
}
