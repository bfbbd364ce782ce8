// Writes the packets of chosen calls to one pcapng file (issue 11, "per-call capture"):
// every SIP message of the calls (retransmissions, both legs, ICMP errors quoting them), the
// IP fragments and TCP segments that carried them, and the RTP/RTCP of their streams, with
// the original timestamps, link types and interfaces. The section header's comment names
// each call, its verdict and its source; the first packet of each call says the same.
//
// Per capture: pass 1 selects the frames (call_packets.ts), pass 2 re-reads the file and
// writes them (selected_packet_writer.ts); both passes check the file is the one indexed.
// Captures follow one another in the output (each in its own time order); their
// interfaces get distinct ids in the one section.
//
// The output is written to a temporary file beside the target and renamed at the end, so
// a failed export never leaves a half file under the name asked for.
//
// Redacted (opts.redactor, export_redaction.ts): every packet goes through the redactor's
// transform; pass 1 also collects the calls' SIP-over-TCP streams and fragmented SIP
// datagrams, so they are redacted whole (shared/redact/reassembled_text.ts); the comments name the calls by their redacted
// Call-IDs and the captures as "capture 1"… — no file name or path, which can name a customer.

import { closeSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { bucketName } from '../../../shared/diagnosis/buckets.ts';
import { PcapngWriter } from '../../../shared/engine/capture/capture_writer.ts';
import { SelectedPacketWriter, type PacketTransform } from '../../../shared/engine/export/selected_packet_writer.ts';
import type { Bucket } from '../../../shared/model/verdict.ts';
import type { CallDetail } from '../store/index_store.ts';
import { ReassembledTextCollector } from '../../../shared/redact/reassembled_text.ts';
import { ExportError, packetSpec, readIndexedCapture, selectCallPackets, type SourceCalls } from './call_packets.ts';
import type { ExportRedactor } from './export_redaction.ts';

export interface PcapngExportOptions {
  /** Rewrites or drops each packet before it is written (redaction plugs in here). */
  transform?: PacketTransform;
  /** shb_userappl; defaults to "calltrace". */
  userAppl?: string;
  /** Redacts packets and comments (takes the place of `transform`). */
  redactor?: ExportRedactor;
}

export interface PcapngExportResult {
  path: string;
  packets: number;
  /** Packets the transform left out. */
  dropped: number;
  sources: Array<{ name: string; path: string; packets: number; calls: number }>;
}

/** pcapng option values have a 16-bit length: a comment is cut well below it. */
const MAX_COMMENT = 60000;

function clip(s: string): string {
  // Bytes, not characters, are limited: cut on characters conservatively (≤ 4 bytes each).
  return new TextEncoder().encode(s).length <= MAX_COMMENT ? s : `${s.slice(0, MAX_COMMENT / 4)}…`;
}

/** "bucket 3, agent ended the call (agent_bye)" or "not classified". */
export function verdictText(c: Pick<CallDetail, 'bucket' | 'cause'>): string {
  if (c.cause === null && c.bucket === null) return 'not classified';
  const b = c.bucket === null ? bucketName(null) : `bucket ${c.bucket}, ${bucketName(c.bucket as Bucket)}`;
  return c.cause ? `${b} (${c.cause})` : b;
}

function callLine(c: CallDetail, g: number, groups: readonly SourceCalls[], redactor?: ExportRedactor): string {
  const callId = redactor ? redactor.redactText(c.callId) : c.callId;
  const source = redactor ? redactor.sourceLabel(g) : groups[g].source.name;
  return `call ${callId} — verdict: ${verdictText(c)} — source: ${source}`;
}

/** The section comment: what the file is, then one line per call. */
export function sectionComment(groups: readonly SourceCalls[], redactor?: ExportRedactor): string {
  const calls = groups.reduce((n, g) => n + g.calls.length, 0);
  const lines = [`calltrace export of ${calls} call${calls === 1 ? '' : 's'}${redactor ? ' (redacted)' : ''}`];
  groups.forEach((g, i) => {
    for (const c of g.calls) lines.push(callLine(c, i, groups, redactor));
    if (redactor) lines.push(`source ${redactor.sourceLabel(i)} (sha256 ${g.source.contentHash})`);
    else lines.push(`source ${g.source.name}: ${g.source.path} (sha256 ${g.source.contentHash})`);
  });
  return lines.join('\n');
}

export async function exportCallsToPcapng(groups: readonly SourceCalls[], outPath: string, opts: PcapngExportOptions = {}): Promise<PcapngExportResult> {
  if (groups.length === 0) throw new ExportError('no calls to export');
  // The rename at the end would replace the capture itself (and the index would lose it).
  for (const g of groups) {
    if (resolve(g.source.path) === resolve(outPath)) throw new ExportError(`${outPath}: this is the capture the calls come from; choose another file for the export`);
  }
  // Pass 1 for every capture first: a moved or changed file fails before anything is written.
  // A redacted export also collects, on this read, the SIP that is split over packets.
  const selections = [];
  const reassembled = [];
  for (const g of groups) {
    if (!opts.redactor) {
      selections.push(await selectCallPackets(g));
      continue;
    }
    const spec = packetSpec(g.calls);
    const ws = new Set(spec.wsFlows);
    const collector = new ReassembledTextCollector(new Set(spec.tcpFlows.filter((f) => !ws.has(f))), new Set(spec.sipFrames));
    selections.push(await selectCallPackets(g, (chunk) => collector.push(chunk)));
    reassembled.push(collector.end(opts.redactor.text));
  }
  const transform = opts.redactor ? opts.redactor.transform : opts.transform;

  const tmp = `${outPath}.partial-${process.pid}`;
  let fd: number;
  try {
    fd = openSync(tmp, 'w');
  } catch (e) {
    throw new ExportError(`${outPath}: cannot write the export (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const out = (block: Uint8Array): void => {
    let done = 0;
    while (done < block.length) done += writeSync(fd, block, done, block.length - done);
  };
  const result: PcapngExportResult = { path: outPath, packets: 0, dropped: 0, sources: [] };
  try {
    const writer = new PcapngWriter();
    out(writer.shb({ userAppl: opts.userAppl ?? 'calltrace', comment: clip(sectionComment(groups, opts.redactor)) }));
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i];
      opts.redactor?.setReassembled(reassembled[i] ?? null);
      // The first packet of each call carries its line (several calls starting in one frame share it).
      const comments = new Map<number, string>();
      for (const c of g.calls) {
        const first = c.messages.length > 0 ? c.messages.reduce((m, x) => (x.frame < m ? x.frame : m), Infinity) : null;
        if (first === null) continue;
        const prev = comments.get(first);
        comments.set(first, clip(prev ? `${prev}\n${callLine(c, i, groups, opts.redactor)}` : `calltrace: ${callLine(c, i, groups, opts.redactor)}`));
      }
      const w = new SelectedPacketWriter({ writer, selection: selections[i], comments, transform, interfaceText: opts.redactor ? (t) => opts.redactor!.redactText(t) : undefined, out });
      await readIndexedCapture(g.source, (chunk) => w.push(chunk));
      w.end();
      if (w.framesNotFound > 0) throw new ExportError(`${g.source.path}: ${w.framesNotFound} packet(s) of the calls were not found on the second read`);
      result.packets += w.written;
      result.dropped += w.dropped;
      result.sources.push({ name: g.source.name, path: g.source.path, packets: w.written, calls: g.calls.length });
    }
    closeSync(fd);
    renameSync(tmp, outPath);
    return result;
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    try {
      unlinkSync(tmp);
    } catch {
      // nothing to remove
    }
    if (e instanceof ExportError) throw e;
    throw new ExportError(`${basename(outPath)}: the export failed (${(e as Error).message})`);
  }
}
