// Imports one capture file into the index: read (gzip-aware) → engine → store, committed
// in slices so calls are visible while the file is read. Whatever goes wrong with the file —
// damage, truncation, an engine bug — ends as a per-file message, and everything good that
// was read is kept.

import { basename } from 'node:path';
import { gunzipSync, inflateSync, constants as zc } from 'node:zlib';
import { openSync, readSync, closeSync, statSync } from 'node:fs';
import { CaptureAnalyzer, type AnalyzedCall } from '../../../shared/engine/capture_analyzer.ts';
import { sniffFormat } from '../../../shared/engine/capture/capture_reader.ts';
import type { CaptureCoverage } from '../../../shared/model/capture.ts';
import type { Stat } from '../../../shared/model/stats.ts';
import { DuplicateSourceError, type IndexStore, type SourceFormat, type SourceRecord, type SourceStatus } from '../store/index_store.ts';
import type { RtcpReport, RtpStreamStats } from '../../../shared/model/media.ts';
import { DEFAULT_SETTINGS, type DiagnosisSettings } from '../../../shared/model/verdict.ts';
import { CallSlices, provisionalHash } from './call_slices.ts';
import { reclassifySource, rejoinCdrOnlyRecords } from './diagnose.ts';
import { relinkSource } from './stored_legs.ts';
import { removeSource } from './cdr_orphans.ts';
import { hashFile, readFileChunks } from './file_source.ts';
import { HashJob, type ContentHash } from './content_hasher.ts';
import { readFileChunksAhead } from './read_ahead.ts';

export interface ImportOutcome {
  path: string;
  name: string;
  /** 'duplicate': the same bytes were indexed before; `sourceId` is that source. */
  status: 'ok' | 'partial' | 'failed' | 'duplicate';
  sourceId: number | null;
  /** One line naming the problem, when there is one. */
  error: string | null;
  calls: number;
  packets: number;
  warnings: Stat[];
}

export interface ImportOptions {
  gapThresholdMs?: number;
  /** Diagnosis thresholds for the verdicts computed at import (defaults of diagnosis.md). */
  settings?: DiagnosisSettings;
  /**
   * Called for each call once it is committed to the index (for progress and "first calls
   * visible": another connection can read it by then). Calls come in slices, ≤ 0.5 s apart.
   */
  onCall?: (call: AnalyzedCall) => void;
  onProgress?: (bytesRead: number, totalBytes: number, packets: number) => void;
  shouldStop?: () => boolean;
  /** Most calls in one slice (default 2000); 1 commits every call on its own (crash tests). */
  sliceCalls?: number;
  /** Called after each committed slice but the last (which finishes the source), with the count so far. */
  onSlice?: (slices: number) => void;
  /** The source's path and name when not the file's own: an archive member read from a temporary file. */
  as?: { path: string; name: string };
  /** Damage known before decoding (an archive member cut short): the source is partial with it. */
  damage?: string | null;
}

/** zlib for compressed HEP payloads (HEPv3 chunk 0x0010): zlib or raw deflate. */
export function inflatePayload(bytes: Uint8Array): Uint8Array | null {
  for (const f of [inflateSync, gunzipSync]) {
    try {
      return new Uint8Array(f(bytes));
    } catch {
      // try the next wrapper
    }
  }
  return null;
}

/** The container format from the first bytes (decompressing a little of a .gz to look inside). */
export function detectFormat(path: string): { format: SourceFormat | null; why: string } {
  const fd = openSync(path, 'r');
  const head = Buffer.alloc(65536);
  const n = readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  let bytes: Uint8Array = head.subarray(0, n);
  let gz = false;
  if (sniffFormat(bytes) === 'gzip') {
    gz = true;
    // Only the first bytes of the content are needed. A prefix short of the end never reaches
    // the trailer, so a file damaged further on (or only in its CRC) is still recognised, and
    // the streaming read reports the damage with everything before it kept. Shorter prefixes
    // are tried when the damage is inside the first one.
    let inflated: Uint8Array | null = null;
    let problem = '';
    for (const len of [16384, 2048, 256]) {
      try {
        inflated = gunzipSync(bytes.subarray(0, Math.min(len, Math.max(2, n - 8))), { finishFlush: zc.Z_SYNC_FLUSH });
        if (inflated.length >= 4) break;
      } catch (e) {
        problem ||= (e as Error).message;
      }
    }
    if (!inflated || inflated.length === 0) return { format: null, why: `gzip data is damaged at its start (${problem || 'no data'})` };
    bytes = inflated;
  }
  const f = sniffFormat(bytes);
  if (f === 'unknown' || f === 'gzip') {
    if (n === 0) return { format: null, why: 'the file is empty' };
    const hex = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    return { format: null, why: `not a capture file (pcap, pcapng or Network Monitor) — first bytes ${hex}` };
  }
  const base = f === 'pcap-ns' ? 'pcap' : f;
  return { format: (gz ? `${base}.gz` : base) as SourceFormat, why: '' };
}


/**
 * Imports one capture. The writes are committed in slices, not in one transaction:
 *  - the source row is created (and committed) with the first finished call, under a
 *    provisional random hash while the real one is computed on another thread, and with the
 *    status beginSource gives it — 'failed', error 'import did not finish' — which is the
 *    "still importing" marker until finishSource writes the real status and hash at the end
 *    (so the first calls are visible within a second whatever the file size);
 *  - every call goes in with its messages, streams, bins and verdict inside one slice
 *    transaction, so a reader never sees half a call, and an import that dies half-way
 *    leaves whole calls under a source that honestly says it did not finish;
 *  - the unassociated streams, the statistics and the final status are the last slice.
 * Re-import is recognised by the SHA-256 of the bytes; see the comments below for why the
 * hash is only computed up front when a source of the same size exists. Bytes found at the
 * end to be indexed already (two imports of one file at once) remove what was committed.
 */
export async function importCapture(store: IndexStore, path: string, opts: ImportOptions = {}): Promise<ImportOutcome> {
  const shown = opts.as ?? { path, name: basename(path) };
  const out: ImportOutcome = { ...shown, status: 'failed', sourceId: null, error: null, calls: 0, packets: 0, warnings: [] };
  const cannotRead = (e: unknown): ImportOutcome => ({
    ...out, error: `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
  });
  let sizeBytes: number;
  try {
    sizeBytes = statSync(path).size;
  } catch (e) {
    return cannotRead(e);
  }
  // Equal bytes have equal sizes: only when a source of this size is indexed can this be a
  // re-import, and only then is the whole file hashed before decoding (a real re-import is
  // then answered without decoding anything). Otherwise the hash is computed on another
  // thread while the file is decoded (content_hasher.ts): one pass on this thread, not two.
  let known: ContentHash | null = null;
  if (store.listSources().some((s) => s.sizeBytes === sizeBytes)) {
    try {
      known = hashFile(path);
    } catch (e) {
      return cannotRead(e);
    }
    const existing: SourceRecord | null = store.findSourceByHash(known.contentHash);
    if (existing) {
      return { ...out, status: 'duplicate', sourceId: existing.id, calls: existing.calls, packets: existing.packets, error: null };
    }
  }
  let detected: { format: SourceFormat | null; why: string };
  try {
    detected = detectFormat(path);
  } catch (e) {
    return cannotRead(e);
  }
  const format = detected.format;
  if (!format) {
    out.error = detected.why;
    return out;
  }

  // An uncompressed capture is read and hashed ahead on another thread (read_ahead.ts): one
  // read of the file, none on this thread. A gzip file streams through zlib here, with the
  // hash of its compressed bytes computed on the side (content_hasher.ts).
  const readAhead = !format.endsWith('.gz');
  let hasher: HashJob | null = null;
  if (!known && !readAhead) {
    try {
      hasher = new HashJob(path);
    } catch {
      // No worker threads here (should not happen in Node 20): hash on this thread first.
      try {
        known = hashFile(path);
      } catch (e) {
        return cannotRead(e);
      }
    }
  }

  const settings = opts.settings ?? DEFAULT_SETTINGS;
  // Fully known only once the whole file is read (the ISB and "did any call carry RTP?" come
  // last): calls are classified with what is known when they are written (the analyzer's
  // coverageSoFar), and again at the end when the final answer on signalling-only differs.
  let coverageSoFar: () => CaptureCoverage | null = () => null;
  const unassociatedStreams: RtpStreamStats[] = [];
  const unassociatedRtcp: RtcpReport[] = [];
  const slices = new CallSlices(store, { ...shown, sizeBytes, format }, {
    settings, coverage: () => coverageSoFar(), sliceCalls: opts.sliceCalls, onCall: opts.onCall, onSlice: opts.onSlice,
  });
  // The real hash when it is already known, else a provisional one: it cannot collide with
  // real content, and finishSource replaces it.
  const hashForNow = (): ContentHash => known ?? provisionalHash();
  const duplicateOf = (d: SourceRecord): ImportOutcome => ({ ...out, status: 'duplicate', sourceId: d.id, calls: d.calls, packets: d.packets, error: null, warnings: [] });

  let engineError: string | null = null;
  try {
    const analyzer = new CaptureAnalyzer(
      {
        call: (c) => slices.add(c, hashForNow),
        unassociatedStream: (st) => void unassociatedStreams.push(st),
        unassociatedRtcp: (r) => void unassociatedRtcp.push(r),
      },
      { gapThresholdMs: opts.gapThresholdMs, inflate: inflatePayload },
    );
    coverageSoFar = () => analyzer.coverageSoFar();
    const onChunk = (chunk: Uint8Array): void => {
        if (engineError || slices.duplicate) return;
        try {
          analyzer.push(chunk);
        } catch (e) {
          // A bug in a decoder must not lose the file: keep what was decoded so far.
          engineError = `internal error while decoding (${(e as Error).message}); the calls read before it are kept`;
        }
      // Calls finish inside push; a slice may be due.
      slices.maybeCommit(hashForNow);
    };
    const readOpts = {
      onProgress: opts.onProgress && ((read: number, total: number) => opts.onProgress!(read, total, analyzer.packets)),
      shouldStop: () => slices.duplicate !== null || (opts.shouldStop?.() ?? false),
    };
    const read = readAhead ? await readFileChunksAhead(path, sizeBytes, onChunk, readOpts) : await readFileChunks(path, onChunk, { ...readOpts, hash: false });
    if (slices.duplicate) return duplicateOf(slices.duplicate);
    let summary;
    try {
      summary = analyzer.end();
    } catch (e) {
      engineError ??= `internal error while finishing (${(e as Error).message})`;
      summary = null;
    }
    // null: the read stopped early (cancelled, I/O error), so there is no hash of the whole
    // file; the source keeps its provisional one.
    let hash: ContentHash | null;
    if (known) hash = known;
    else if (readAhead) hash = read.contentHash ? { contentHash: read.contentHash, sizeBytes: read.sizeBytes } : null;
    else {
      try {
        hash = await hasher!.done();
      } catch (e) {
        return cannotRead(e);
      }
    }
    if (slices.sourceId === null && !slices.open(hash ?? provisionalHash())) return duplicateOf(slices.duplicate!);
    out.sourceId = slices.sourceId;
    const stats = summary?.stats.list() ?? analyzer.stats.list();
    const fatal = engineError ?? read.error ?? summary?.fatal ?? opts.damage ?? null;
    const packets = summary?.packets ?? 0;
    out.packets = packets;
    const coverage = summary?.coverage ?? null;
    const reclassify = coverage !== null && coverage.signallingOnly !== analyzer.coverageSoFar().signallingOnly && slices.committed > 0;
    coverageSoFar = () => coverage;
    out.status = fatal ? (packets > 0 ? 'partial' : 'failed') : 'ok';
    out.error = fatal;
    out.warnings = stats.filter((s) => s.severity !== 'info');
    try {
      slices.commit((sid) => {
        for (const st of unassociatedStreams) store.insertUnassociatedStream(sid, st);
      if (unassociatedRtcp.length > 0) store.insertRtcp(sid, unassociatedRtcp, null);
      store.finishSource(sid, {
        status: out.status as SourceStatus,
        packets,
        firstUs: summary?.firstUs ?? null,
        lastUs: summary?.lastUs ?? null,
        stats,
        error: fatal,
        linkTypes: [...new Set(summary?.interfaces.map((i) => i.linkType) ?? [])],
        captureDrops: summary?.captureDrops ?? null,
        coverage,
        ...(hash ? { contentHash: hash.contentHash } : {}),
      });
      // Signalling-only is known only now: the calls committed in earlier slices were
      // classified as if media had been captured (§3 rule 8).
      if (reclassify) reclassifySource(store, sid, settings);
      // CDR rows imported before this capture may describe its calls.
      rejoinCdrOnlyRecords(store, sid);
      // The legs of end-to-end calls: this capture's calls against the library (stored_legs.ts).
      relinkSource(store, sid);
      });
      out.calls = slices.committed;
    } catch (e) {
      if (!(e instanceof DuplicateSourceError)) throw e;
      // Another import indexed the same bytes meanwhile: keep that one, drop this one's slices.
      const sid = slices.sourceId;
      if (sid !== null) removeSource(store, sid, settings);
      return duplicateOf(e.existing);
    }
    return out;
  } catch (e) {
    // The index itself failed (disk full, …). Committed slices stay, whole; say so on the
    // source if it can still be written, then let the caller see the error as before.
    const sid = slices.sourceId;
    if (sid !== null) {
      try {
        store.finishSource(sid, {
          status: 'failed', packets: out.packets, firstUs: null, lastUs: null, stats: [],
          error: `the index could not be written (${(e as Error).message}); ${slices.committed} calls were kept`,
        });
      } catch {
        // the row keeps beginSource's 'import did not finish'
      }
    }
    throw e;
  } finally {
    // A no-op once the hash is done; otherwise (duplicate, failure) stop reading the file.
    hasher?.cancel();
  }
}
