// One fuzz input through the same path as `calltrace analyze FILE --json`: importPath into an
// in-memory index (what analyze does without --db), then the JSON document. Returns the
// invariants it broke, one line each; [] when the input was handled as it must be.

import { buildAnalyzeDocument } from '../../electron/node/cli/call_document.ts';
import type { AnyOutcome } from '../../electron/node/ingest/import_file.ts';
import { importPath, type PathResult } from '../../electron/node/ingest/import_archive.ts';
import { MAX_ROW_PROBLEMS } from '../../electron/node/store/input_store.ts';
import { openIndex, type IndexStore } from '../../electron/node/store/index_store.ts';

const STACK = /\n\s+at\s/;

function oneLine(what: string, s: string | null | undefined, out: string[]): void {
  if (s === null || s === undefined) return;
  if (s.includes('\n')) out.push(`${what} is not one line: ${JSON.stringify(s.slice(0, 200))}`);
  if (STACK.test(s)) out.push(`${what} holds a stack trace`);
}

export async function checkFile(path: string): Promise<string[]> {
  const v: string[] = [];
  const store = openIndex(':memory:');
  try {
    // importPath: a file, or each member of an archive (the archive seeds), as `analyze` does.
    let r: PathResult;
    try {
      r = await importPath(store, path);
    } catch (e) {
      v.push(`uncaught: importPath threw ${(e as Error).name}: ${(e as Error).message}`);
      return v;
    }
    for (const s of r.skipped) oneLine(`skipped ${s.name.slice(0, 60)}`, s.reason, v);
    for (const p of r.problems) oneLine(`problem ${p.name.slice(0, 60)}`, p.error, v);
    for (const o of r.outcomes) checkOutcome(store, o, v);
    let json: string;
    try {
      const doc = buildAnalyzeDocument(store, r.outcomes.flatMap((o) => (o.sourceId === null ? [] : [o.sourceId])));
      json = JSON.stringify(doc);
    } catch (e) {
      v.push(`uncaught: the JSON document threw ${(e as Error).name}: ${(e as Error).message}`);
      return v;
    }
    const doc = JSON.parse(json) as {
      calls: Array<{ callId: string; durationMs: number; pddMs: number | null; sipMessages: number; streams: Array<{ packets: number }> }>;
      unassociatedStreams: Array<{ packets: number }>;
      sources: Array<{ packets: number; calls: number }>;
    };
    for (const c of doc.calls) {
      if (!(c.durationMs >= 0)) v.push(`call ${c.callId.slice(0, 60)}: duration ${c.durationMs}`);
      if (c.pddMs !== null && !(c.pddMs >= 0)) v.push(`call ${c.callId.slice(0, 60)}: PDD ${c.pddMs}`);
      if (!(c.sipMessages >= 0)) v.push(`call ${c.callId.slice(0, 60)}: ${c.sipMessages} SIP messages`);
      for (const s of c.streams) if (!(s.packets >= 0)) v.push(`call ${c.callId.slice(0, 60)}: a stream of ${s.packets} packets`);
    }
    for (const s of doc.unassociatedStreams) if (!(s.packets >= 0)) v.push(`unassociated stream of ${s.packets} packets`);
    for (const s of doc.sources) if (!(s.packets >= 0) || !(s.calls >= 0)) v.push(`source with ${s.packets} packets, ${s.calls} calls`);
  } finally {
    store.close();
  }
  return v;
}

/** The invariants of one imported file or archive member. */
function checkOutcome(store: IndexStore, o: AnyOutcome, v: string[]): void {
  // Decoders never throw: an engine exception caught by the importer is still a defect.
  if (o.error && /internal error/.test(o.error)) v.push(`decoder threw: ${o.error}`);
  oneLine('error', o.error, v);
  for (const w of o.warnings) oneLine(`warning ${w.key}`, w.description, v);
  if ((o.status === 'failed' || o.status === 'partial') && !o.error) v.push(`status ${o.status} without a message saying what was lost`);
  if (o.status === 'failed' && o.sourceId !== null && o.kind !== 'capture') v.push('a failed text input left a source');
  if (o.kind !== 'capture' && o.sourceId !== null && o.status !== 'duplicate') {
    // CSV / JSON-lines: rows in = rows stored + rows reported.
    if (o.rowsIn !== o.rowsUsed + o.rowsBad) v.push(`rows in ${o.rowsIn} ≠ rows used ${o.rowsUsed} + rows reported ${o.rowsBad}`);
    const stored = o.kind === 'cdr' ? store.inputs.cdrRecordsOfSource(o.sourceId).length : o.records;
    if (stored !== o.records) v.push(`records stored ${stored} ≠ records read ${o.records}`);
    const problems = store.inputs.rowProblems(o.sourceId).length;
    if (problems !== Math.min(o.rowsBad, MAX_ROW_PROBLEMS)) v.push(`row problems stored ${problems} ≠ reported ${o.rowsBad} (≤ ${MAX_ROW_PROBLEMS} kept)`);
  }
}
