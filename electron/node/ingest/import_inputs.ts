// Imports the inputs beyond captures (diagnosis.md §5), recognised by content: CDR exports
// and agent close-of-call events. Each file is one source in one transaction. Malformed rows
// are reported with their line and the rest is imported (rows in = rows stored + rows bad).

import { basename } from 'node:path';
import { readFileSync } from 'node:fs';
import { cdrToFacts } from '../../../shared/engine/calls/cdr_facts.ts';
import { detectInputKind, parseAgentEvents, parseCdrText, type ColumnMapping } from '../../../shared/cdr/index.ts';
import type { RowProblem } from '../../../shared/model/cdr.ts';
import type { Stat } from '../../../shared/model/stats.ts';
import { DEFAULT_SETTINGS, type DiagnosisSettings } from '../../../shared/model/verdict.ts';
import type { IndexStore, SourceFormat } from '../store/index_store.ts';
import { MAX_ROW_PROBLEMS } from '../store/input_store.ts';
import { classifyCallRow, findCapturedCall, verdictFor } from './diagnose.ts';
import { hashFile } from './file_source.ts';
import type { ImportOutcome } from './import_capture.ts';
import { maxOf, minOf } from '../../../shared/util/array_math.ts';

/** CDR exports are text and read whole; beyond this we refuse rather than exhaust memory. */
export const MAX_INPUT_BYTES = 512 * 1024 * 1024;

export interface InputImportOptions {
  settings?: DiagnosisSettings;
  /** Column mapping for a CSV of no known format. */
  mapping?: ColumnMapping;
}

export interface InputOutcome extends ImportOutcome {
  kind: 'cdr' | 'agent_events';
  rowsIn: number;
  rowsBad: number;
  /** CDR rows that joined a captured call (by Call-ID or numbers + time). */
  joined: number;
  problems: RowProblem[];
}

function problemStat(problems: RowProblem[]): Stat[] {
  if (problems.length === 0) return [];
  return [{
    key: 'input.bad_row',
    severity: 'warning',
    description: `Rows that could not be used (first at line ${problems[0].line}: ${problems[0].message})${problems.length > MAX_ROW_PROBLEMS ? `; the first ${MAX_ROW_PROBLEMS} are listed` : ''}`,
    count: problems.length,
    firstFrame: problems[0].line,
  }];
}

export function importInputFile(store: IndexStore, path: string, text: string, opts: InputImportOptions = {}): InputOutcome {
  const settings = opts.settings ?? DEFAULT_SETTINGS;
  const name = basename(path);
  const base: InputOutcome = { path, name, status: 'failed', sourceId: null, error: null, calls: 0, packets: 0, warnings: [], kind: 'cdr', rowsIn: 0, rowsBad: 0, joined: 0, problems: [] };
  const { contentHash, sizeBytes } = hashFile(path);
  const existing = store.findSourceByHash(contentHash);
  if (existing) return { ...base, status: 'duplicate', sourceId: existing.id, calls: existing.calls };

  const kind = opts.mapping ? 'cdr' : detectInputKind(text.slice(0, 65536));
  if (kind === 'agent_events') return importEvents(store, { path, name, contentHash, sizeBytes }, text, base, settings);
  const parsed = parseCdrText(text, { mapping: opts.mapping });
  if (parsed.format === null || (parsed.records.length === 0 && parsed.error)) {
    return { ...base, error: parsed.error ?? 'not a capture, CDR export or agent-event file', rowsIn: parsed.rowsIn, rowsBad: parsed.problems.length, problems: parsed.problems };
  }
  const out: InputOutcome = { ...base, rowsIn: parsed.rowsIn, rowsBad: parsed.problems.length, problems: parsed.problems };
  store.transaction(() => {
    const sourceId = store.beginSource({ path, name, contentHash, sizeBytes, format: `cdr:${parsed.format}` as SourceFormat });
    out.sourceId = sourceId;
    const ids = store.inputs.insertCdrRecords(sourceId, parsed.records);
    parsed.records.forEach((rec, i) => {
      const hit = findCapturedCall(store, rec);
      if (hit) {
        // The captured call keeps its own facts and verdict; the row is shown beside it.
        store.inputs.linkCdr(ids[i], hit.call.id, hit.method, hit.deltaMs);
        out.joined++;
        return;
      }
      const facts = cdrToFacts(rec, name);
      const rowId = store.insertCall(sourceId, facts);
      store.inputs.setOrigin(rowId, 'cdr');
      store.inputs.setVerdict(rowId, verdictFor(store, facts, settings));
      store.inputs.linkCdr(ids[i], rowId, 'cdr_only', null);
      out.calls++;
    });
    store.inputs.insertRowProblems(sourceId, parsed.problems);
    const stats = problemStat(parsed.problems);
    out.warnings = stats;
    out.status = parsed.problems.length > 0 ? 'partial' : 'ok';
    out.error = parsed.problems.length > 0 ? `${parsed.problems.length} of ${parsed.rowsIn} rows could not be used (first: line ${parsed.problems[0].line}, ${parsed.problems[0].message})` : null;
    store.finishSource(sourceId, { status: out.status, packets: parsed.records.length, firstUs: minOrNull(parsed.records.map((r) => r.startUs)), lastUs: maxOrNull(parsed.records.map((r) => r.endUs ?? r.startUs)), stats, error: out.error });
  });
  return out;
}

function importEvents(store: IndexStore, meta: { path: string; name: string; contentHash: string; sizeBytes: number }, text: string, base: InputOutcome, settings: DiagnosisSettings): InputOutcome {
  const parsed = parseAgentEvents(text);
  const out: InputOutcome = { ...base, kind: 'agent_events', rowsIn: parsed.rowsIn, rowsBad: parsed.problems.length, problems: parsed.problems };
  if (parsed.events.length === 0) return { ...out, error: parsed.problems.length ? `no usable agent event (first problem: line ${parsed.problems[0].line}, ${parsed.problems[0].message})` : 'no agent event in the file' };
  store.transaction(() => {
    const sourceId = store.beginSource({ ...meta, format: 'agent_events' });
    out.sourceId = sourceId;
    store.inputs.insertAgentEvents(sourceId, parsed.events);
    // Calls imported before these events are classified again: bucket 6 needs them.
    const rows = store.inputs.callRowsWithEventsFrom(sourceId);
    for (const id of rows) classifyCallRow(store, id, settings);
    out.joined = rows.length;
    store.inputs.insertRowProblems(sourceId, parsed.problems);
    const stats = problemStat(parsed.problems);
    out.warnings = stats;
    out.status = parsed.problems.length > 0 ? 'partial' : 'ok';
    out.error = parsed.problems.length > 0 ? `${parsed.problems.length} of ${parsed.rowsIn} lines could not be used (first: line ${parsed.problems[0].line}, ${parsed.problems[0].message})` : null;
    store.finishSource(sourceId, { status: out.status, packets: parsed.events.length, firstUs: null, lastUs: null, stats, error: out.error });
  });
  return out;
}

const minOrNull = (xs: number[]): number | null => (xs.length ? minOf(xs, (x) => x, NaN) : null);
const maxOrNull = (xs: number[]): number | null => (xs.length ? maxOf(xs, (x) => x, NaN) : null);

/** Reads a text input file, refusing what is too large or clearly binary. */
export function readInputText(path: string, sizeBytes: number): { text: string } | { error: string } {
  if (sizeBytes > MAX_INPUT_BYTES) return { error: `too large for a CDR or event file (${Math.round(sizeBytes / 1048576)} MB; the limit is ${MAX_INPUT_BYTES / 1048576} MB)` };
  const bytes = readFileSync(path);
  const head = bytes.subarray(0, 4096);
  let nul = 0;
  for (const b of head) if (b === 0) nul++;
  if (nul > 0) return { error: 'not a capture, CDR export or agent-event file (binary content)' };
  return { text: new TextDecoder('utf-8').decode(bytes) };
}
