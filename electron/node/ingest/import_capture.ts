// Imports one capture file into the index: read (gzip-aware) → engine → store, in one
// transaction. Whatever goes wrong with the file — damage, truncation, an engine bug —
// ends as a per-file message, and everything good that was read is kept.

import { basename } from 'node:path';
import { gunzipSync, inflateSync, constants as zc } from 'node:zlib';
import { openSync, readSync, closeSync } from 'node:fs';
import { CaptureAnalyzer, type AnalyzedCall } from '../../../shared/engine/capture_analyzer.ts';
import { sniffFormat } from '../../../shared/engine/capture/capture_reader.ts';
import type { Stat } from '../../../shared/model/stats.ts';
import type { IndexStore, SourceFormat, SourceRecord } from '../store/index_store.ts';
import { DEFAULT_SETTINGS, type DiagnosisSettings } from '../../../shared/model/verdict.ts';
import { rejoinCdrOnlyRecords, verdictFor } from './diagnose.ts';
import { hashFile, readFileChunks } from './file_source.ts';

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
  /** Called for each call as the engine finishes it (for progress and "first calls visible"). */
  onCall?: (call: AnalyzedCall) => void;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  shouldStop?: () => boolean;
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
    try {
      bytes = gunzipSync(bytes, { finishFlush: zc.Z_SYNC_FLUSH });
    } catch (e) {
      return { format: null, why: `gzip data is damaged (${(e as Error).message})` };
    }
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

export async function importCapture(store: IndexStore, path: string, opts: ImportOptions = {}): Promise<ImportOutcome> {
  const name = basename(path);
  const out: ImportOutcome = { path, name, status: 'failed', sourceId: null, error: null, calls: 0, packets: 0, warnings: [] };
  let contentHash: string;
  let sizeBytes: number;
  try {
    ({ contentHash, sizeBytes } = hashFile(path));
  } catch (e) {
    out.error = `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
    return out;
  }
  const existing: SourceRecord | null = store.findSourceByHash(contentHash);
  if (existing) {
    return { ...out, status: 'duplicate', sourceId: existing.id, calls: existing.calls, packets: existing.packets, error: null };
  }
  const { format, why } = detectFormat(path);
  if (!format) {
    out.error = why;
    return out;
  }

  const settings = opts.settings ?? DEFAULT_SETTINGS;
  await store.transactionAsync(async () => {
    const sourceId = store.beginSource({ path, name, contentHash, sizeBytes, format });
    out.sourceId = sourceId;
    let engineError: string | null = null;
    const analyzer = new CaptureAnalyzer(
      {
        call: (c) => {
          const rowId = store.insertCall(sourceId, c.facts, (_ref, i) => ({ raw: c.rawMessages[i], transport: c.transports[i] }));
          const verdict = verdictFor(store, c.facts, settings);
          if (verdict) store.inputs.setVerdict(rowId, verdict);
          if (c.rtcp.length > 0) store.insertRtcp(sourceId, c.rtcp, rowId);
          out.calls++;
          opts.onCall?.(c);
        },
        unassociatedStream: (s) => void store.insertUnassociatedStream(sourceId, s),
        unassociatedRtcp: (r) => store.insertRtcp(sourceId, [r], null),
      },
      { gapThresholdMs: opts.gapThresholdMs, inflate: inflatePayload },
    );
    const read = await readFileChunks(
      path,
      (chunk) => {
        if (engineError) return;
        try {
          analyzer.push(chunk);
        } catch (e) {
          // A bug in a decoder must not lose the file: keep what was decoded so far.
          engineError = `internal error while decoding (${(e as Error).message}); the calls read before it are kept`;
        }
      },
      { onProgress: opts.onProgress, shouldStop: opts.shouldStop },
    );
    let summary;
    try {
      summary = analyzer.end();
    } catch (e) {
      engineError ??= `internal error while finishing (${(e as Error).message})`;
      summary = null;
    }
    const stats = summary?.stats.list() ?? analyzer.stats.list();
    const fatal = engineError ?? read.error ?? summary?.fatal ?? null;
    const packets = summary?.packets ?? 0;
    out.packets = packets;
    out.status = fatal ? (packets > 0 ? 'partial' : 'failed') : 'ok';
    out.error = fatal;
    out.warnings = stats.filter((s) => s.severity !== 'info');
    store.finishSource(sourceId, {
      status: out.status,
      packets,
      firstUs: summary?.firstUs ?? null,
      lastUs: summary?.lastUs ?? null,
      stats,
      error: fatal,
      linkTypes: [...new Set(summary?.interfaces.map((i) => i.linkType) ?? [])],
      captureDrops: summary?.captureDrops ?? null,
    });
    // CDR rows imported before this capture may describe its calls.
    rejoinCdrOnlyRecords(store);
  });
  return out;
}
