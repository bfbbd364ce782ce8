// Which packets of which capture make up the chosen calls: the calls are looked up in the
// index by Call-ID, grouped by the capture they came from, and each capture is read once
// (pass 1, shared/engine/export/call_packet_selector.ts) to list the frames to export.
//
// The capture is the file the index read: its path and sha256 are in the source row. The
// export reads it again, so a file that moved, vanished or changed since it was indexed
// is an error naming it, never a silently wrong export (frame numbers would point at other
// packets).

import { statSync } from 'node:fs';
import { CallPacketSelector, type CallPacketSpec, type SelectedFrames } from '../../../shared/engine/export/call_packet_selector.ts';
import type { CallDetail, IndexReader, SourceRecord } from '../store/index_store.ts';
import { readFileChunks } from '../ingest/file_source.ts';

/** A problem the user can act on: one line, printed as is. */
export class ExportError extends Error {}

/** The calls of one capture that are exported together. */
export interface SourceCalls {
  source: SourceRecord;
  calls: CallDetail[];
}

/**
 * The calls with these Call-IDs, grouped by source (in source order, calls by start). One
 * Call-ID may name several calls (both legs captured, or several captures of one call).
 * `sourceIds` limits the search to those sources (the files named on the command line).
 */
export function findCallsToExport(store: IndexReader, callIds: readonly string[], sourceIds?: readonly number[]): SourceCalls[] {
  const allowed = sourceIds ? new Set(sourceIds) : null;
  const bySource = new Map<number, CallDetail[]>();
  const unknown: string[] = [];
  const cdrOnly: string[] = [];
  for (const id of new Set(callIds)) {
    const rows = store.findCallsByCallId(id).filter((c) => !allowed || allowed.has(c.sourceId));
    const captured = rows.filter((c) => c.origin === 'capture');
    if (rows.length === 0) unknown.push(id);
    else if (captured.length === 0) cdrOnly.push(id);
    for (const c of captured) {
      const detail = store.getCall(c.id);
      if (!detail) continue;
      const list = bySource.get(c.sourceId) ?? [];
      list.push(detail);
      bySource.set(c.sourceId, list);
    }
  }
  const where = allowed ? 'in the files given' : 'in the index';
  if (unknown.length > 0) throw new ExportError(`no call with Call-ID ${unknown.map((x) => `'${x}'`).join(', ')} ${where}`);
  if (cdrOnly.length > 0) throw new ExportError(`Call-ID ${cdrOnly.map((x) => `'${x}'`).join(', ')} is known only from a CDR or event row: there are no packets to export`);
  return groupsOf(store, bySource, 'capture');
}

/** The calls per source, in source order, each source's calls by start. */
function groupsOf(store: IndexReader, bySource: ReadonlyMap<number, CallDetail[]>, noun: 'capture' | 'source'): SourceCalls[] {
  const out: SourceCalls[] = [];
  for (const [sourceId, calls] of [...bySource].sort((a, b) => a[0] - b[0])) {
    const source = store.getSource(sourceId);
    if (!source) throw new ExportError(`the ${noun} of call '${calls[0].callId}' is no longer in the index`);
    calls.sort((a, b) => a.startUs - b.startUs || a.id - b.id);
    out.push({ source, calls });
  }
  return out;
}

/** What pass 1 looks for in one capture: the union over its chosen calls. */
export function packetSpec(calls: readonly CallDetail[]): CallPacketSpec {
  const sipFrames: number[] = [];
  const tcpFlows = new Set<string>();
  const wsFlows = new Set<string>();
  const rtp: CallPacketSpec['rtp'][number][] = [];
  const rtcpFrames: number[] = [];
  for (const c of calls) {
    for (const m of c.messages) {
      sipFrames.push(m.frame);
      // Stored endpoints are endpointKey(ip, port), the halves of TcpReassembler.flowKey.
      if (m.transport === 'tcp' && !m.quoted) tcpFlows.add(`${m.src}>${m.dst}`);
      if (m.transport === 'ws' && !m.quoted) {
        wsFlows.add(`${m.src}>${m.dst}`);
        wsFlows.add(`${m.dst}>${m.src}`);
      }
    }
    for (const s of c.streams) rtp.push({ src: s.src, srcPort: s.srcPort, dst: s.dst, dstPort: s.dstPort, ssrc: s.ssrc, firstFrame: s.firstFrame, lastFrame: s.lastFrame });
    for (const r of c.rtcp) rtcpFrames.push(r.frame);
  }
  return { callIds: [...new Set(calls.map((c) => c.callId))], sipFrames, tcpFlows: [...tcpFlows], wsFlows: [...wsFlows], rtp, rtcpFrames };
}

/**
 * Reads the source's file whole (gunzipped when it is compressed) and fails with a one-line
 * ExportError when it is gone or is not the file that was indexed. The check is made before
 * and after the read: a size that differs fails at once; the hash is known at the end, so a
 * caller keeps nothing it produced from a read that ends in an error.
 */
export async function readIndexedCapture(source: SourceRecord, onChunk: (chunk: Uint8Array) => void): Promise<void> {
  const path = source.path;
  let size: number;
  try {
    size = statSync(path).size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new ExportError(`${path}: the capture of these calls cannot be read any more (${code}); it was indexed from this path — put it back or import it again`);
  }
  const changed = (): ExportError => new ExportError(`${path}: the file has changed since it was indexed (its content no longer matches the index); import it again before exporting`);
  if (size !== source.sizeBytes) throw changed();
  let read;
  try {
    read = await readFileChunks(path, onChunk);
  } catch (e) {
    if (e instanceof ExportError) throw e;
    throw new ExportError(`${path}: cannot read the capture (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (read.contentHash !== source.contentHash) throw changed();
}

/** Pass 1 over one capture: the frames its chosen calls occupy (`alsoRead` sees the same chunks: a redacted export's TCP streams). */
export async function selectCallPackets(sc: SourceCalls, alsoRead?: (chunk: Uint8Array) => void): Promise<SelectedFrames> {
  const selector = new CallPacketSelector(packetSpec(sc.calls));
  await readIndexedCapture(sc.source, (chunk) => {
    selector.push(chunk);
    alsoRead?.(chunk);
  });
  return selector.end();
}

/**
 * The app's side of findCallsToExport: the calls by index row id (what the call view and the
 * list hold), grouped by source like findCallsToExport's. With `packets`, a call known only
 * from a CDR or event row is refused — it has no packets; the report alone can be made for it.
 */
export function findCallsByRowIds(store: IndexReader, ids: readonly number[], opts: { packets: boolean }): SourceCalls[] {
  const bySource = new Map<number, CallDetail[]>();
  const cdrOnly: string[] = [];
  for (const id of new Set(ids)) {
    const detail = store.getCall(id);
    if (!detail) throw new ExportError(`call #${id} is no longer in the index (its source was removed?)`);
    if (opts.packets && detail.origin !== 'capture') cdrOnly.push(detail.callId);
    const list = bySource.get(detail.sourceId) ?? [];
    list.push(detail);
    bySource.set(detail.sourceId, list);
  }
  if (cdrOnly.length > 0) {
    const which = cdrOnly.map((x) => `'${x}'`).join(', ');
    throw new ExportError(`${cdrOnly.length === 1 ? `call ${which} is` : `calls ${which} are`} known only from a CDR or event row: there are no packets to export — only the report can be exported for ${cdrOnly.length === 1 ? 'it' : 'them'}`);
  }
  return groupsOf(store, bySource, 'source');
}
