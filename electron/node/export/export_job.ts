// One export, whoever asks for it: the command line (export_command.ts), the app's Export…
// action (api/handlers.ts) and `serve`'s download. The calls are already resolved to index
// rows grouped by capture (call_packets.ts); this writes what was asked — a pcapng of their
// packets, the self-contained HTML report, or both — each under a temporary name renamed at
// the end, so a failed export never leaves half a file under the name asked for.
//
// Redaction (issue 11) plugs in here, once, for both outputs: one redactor per export
// (export_redaction.ts: one random key, the values learned from the calls' SIP) rewrites the
// capture and the report, so the same address or number has the same token in both.

import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import type { IndexStore } from '../store/index_store.ts';
import { ExportError, type SourceCalls } from './call_packets.ts';
import { createExportRedactor, type JoinedCdr } from './export_redaction.ts';
import { buildHtmlReport } from './html_report.ts';
import { exportCallsToPcapng, type PcapngExportResult } from './pcapng_export.ts';

export interface ExportRequest {
  /** Where the pcapng goes (null: none). */
  pcap: string | null;
  /** Where the HTML report goes (null: none). */
  html: string | null;
  redact: boolean;
  /** The report's "generated at" (tests pass a fixed one). */
  generatedAt?: Date;
  /** The redaction key (32 bytes); default random per export. Tests pass a fixed one. */
  redactionKey?: Uint8Array;
}

export interface ExportJobResult {
  calls: number;
  pcap: PcapngExportResult | null;
  html: { path: string; calls: number } | null;
  /** What redaction replaced, one line per kind of data (empty when not redacted). */
  redacted: string[];
}

/** The CDR rows joined to the calls (the report shows them; redaction learns their values). */
function joinedCdr(store: IndexStore, ids: readonly number[]): JoinedCdr[] {
  return ids.flatMap((id) =>
    store.inputs.cdrRecordsOfCall(id).map((r) => {
      const s = store.getSource(r.sourceId);
      return { sourceName: s?.name ?? '', sourcePath: s?.path ?? '', peer: r.peer, raw: r.raw };
    }),
  );
}

/** The index row ids of the groups' calls, in export order. */
export function callRowIds(groups: readonly SourceCalls[]): number[] {
  return groups.flatMap((g) => g.calls.map((c) => c.id));
}

export async function runExportJob(store: IndexStore, groups: readonly SourceCalls[], req: ExportRequest): Promise<ExportJobResult> {
  if (groups.length === 0) throw new ExportError('no calls to export');
  if (req.pcap === null && req.html === null) throw new ExportError('nothing to write: ask for a pcapng, a report or both');
  const ids = callRowIds(groups);
  const result: ExportJobResult = { calls: ids.length, pcap: null, html: null, redacted: [] };
  const redactor = req.redact ? createExportRedactor(groups, { key: req.redactionKey, cdr: joinedCdr(store, ids) }) : null;
  if (req.pcap !== null) result.pcap = await exportCallsToPcapng(groups, req.pcap, redactor ? { redactor } : {});
  if (req.html !== null) {
    // Built whole in memory (a report is bounded: 5,000 messages a call), then renamed into place.
    // `applied` is read after the report's texts went through the redactor, so its counts include them.
    const redaction = redactor ? { redact: (s: string) => redactor.redactText(s), get applied() { return redactor.applied(); } } : undefined;
    const html = buildHtmlReport(store, ids, { generatedAt: req.generatedAt ?? new Date(), redaction });
    const tmp = `${req.html}.part-${process.pid}`;
    try {
      writeFileSync(tmp, html);
      renameSync(tmp, req.html);
    } catch (e) {
      try {
        unlinkSync(tmp);
      } catch {
        // nothing to remove
      }
      throw new ExportError(`${req.html}: cannot write the report (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    result.html = { path: req.html, calls: ids.length };
  }
  if (redactor) result.redacted = redactor.applied();
  return result;
}
