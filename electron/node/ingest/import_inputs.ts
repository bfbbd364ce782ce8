// Imports the inputs beyond captures (diagnosis.md §5), recognised by content: CDR exports
// and agent close-of-call events. Each file is one source in one transaction. Malformed rows
// are reported with their line and the rest is imported (rows in = rows stored + rows bad).

import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { cdrToFacts } from '../../../shared/engine/calls/cdr_facts.ts';
import { createCdrRowParser, CsvReader, detectCdrFormat, detectInputKind, parseAgentEvents, parseCdrText, type CdrEmitter, type ColumnMapping } from '../../../shared/cdr/index.ts';
import { feedItems } from '../../../shared/cdr/cdr_common.ts';
import type { CdrFormat, CdrRecord, RowProblem } from '../../../shared/model/cdr.ts';
import type { Stat } from '../../../shared/model/stats.ts';
import { DEFAULT_SETTINGS, type DiagnosisSettings } from '../../../shared/model/verdict.ts';
import type { IndexStore, SourceFormat } from '../store/index_store.ts';
import { CDR_VALUE, MAX_ROW_PROBLEMS, storedCdr } from '../store/input_store.ts';
import { classify } from '../../../shared/diagnosis/classifier.ts';
import { CapturedWindowCache } from './captured_window_cache.ts';
import { classifyCallRow, findCapturedCall, JOIN_WINDOW_MS, verdictFor } from './diagnose.ts';
import { hashFile } from './file_source.ts';
import { forEachTextChunk } from './text_chunks.ts';
import { CdrRowPipeline } from './cdr_row_pipeline.ts';
import type { RowItem } from './cdr_row_protocol.ts';
import type { ImportOutcome } from './import_capture.ts';

/** JSON documents and agent events are read whole; beyond this we refuse rather than exhaust memory (CSV exports stream, any size). */
export const MAX_INPUT_BYTES = 512 * 1024 * 1024;

export interface InputImportOptions {
  settings?: DiagnosisSettings;
  /** Column mapping for a CSV of no known format. */
  mapping?: ColumnMapping;
  /** The source's path and name when not the file's own: an archive member read from a temporary file. */
  as?: { path: string; name: string };
  /** A CSV export this large or larger is read by the CDR row worker (default WORKER_MIN_BYTES; tests lower it). */
  workerMinBytes?: number;
  /** Called with the count of the worker's batches written so far (the crash test kills the process there). */
  onCdrBatch?: (batches: number) => void;
}

/**
 * From this size a CSV export's rows are read, checked and classified by the CDR row worker
 * (cdr_row_worker.ts) while this thread joins and writes them. Below it, starting a worker
 * (tens of ms, more from the TypeScript sources) costs more than it saves.
 */
export const WORKER_MIN_BYTES = 4 * 1024 * 1024;

/**
 * Whether the CDR row worker reads this CSV export: from WORKER_MIN_BYTES on, on a machine of
 * two cores or more, whatever its load. Until 2026-12-06 a 1-minute load average of the cores
 * less one or more kept the rows on this thread (handing rows over costs CPU, and on a saturated
 * machine the worker had gained nothing), but since every CDR-only call carries the library's
 * list indexes, counts and text index, the writing thread is the slow side and the worker takes
 * half its work: on 2 cores, FreeSWITCH 100 000 rows, the worker was 1.4–1.5× faster idle and
 * with 1, 2 and 4 busy-looping processes beside it (README, CDR import speed) — while the old rule
 * turned it off from a load of 1, which an import that ran just before (a capture of the same
 * `analyze`) is enough to reach. The option workerMinBytes, else the test hook
 * CALLTRACE_TEST_CDR_WORKER_MIN_BYTES (never set by users: lets the command line's tests send a
 * small export through the worker), sets the size instead, whatever the cores.
 */
function useWorker(sizeBytes: number, opts: InputImportOptions): boolean {
  if (opts.workerMinBytes !== undefined) return sizeBytes >= opts.workerMinBytes;
  const hook = Number(process.env.CALLTRACE_TEST_CDR_WORKER_MIN_BYTES);
  if (process.env.CALLTRACE_TEST_CDR_WORKER_MIN_BYTES && Number.isInteger(hook) && hook >= 0) return sizeBytes >= hook;
  return sizeBytes >= WORKER_MIN_BYTES && availableParallelism() > 1;
}

export interface InputOutcome extends ImportOutcome {
  kind: 'cdr' | 'agent_events';
  rowsIn: number;
  rowsBad: number;
  /** Rows used (CEL: event rows that went into a call); rowsIn = rowsUsed + rowsBad. */
  rowsUsed: number;
  /** Records stored (CDR rows, CEL calls, or agent events). */
  records: number;
  /** CDR rows that joined a captured call (by Call-ID or numbers + time). */
  joined: number;
  /** The first MAX_ROW_PROBLEMS rows that could not be used; rowsBad counts them all. */
  problems: RowProblem[];
}

function problemStat(count: number, first: RowProblem | null): Stat[] {
  if (count === 0 || first === null) return [];
  return [{
    key: 'input.bad_row',
    severity: 'warning',
    description: `Rows that could not be used (first at line ${first.line}: ${oneLine(first.message)})${count > MAX_ROW_PROBLEMS ? `; the first ${MAX_ROW_PROBLEMS} are listed` : ''}`,
    count,
    firstFrame: first.line,
  }];
}

/** How much of the file detection reads (twice the detector's window, cut at a line end). */
const HEAD_BYTES = 128 * 1024;

/** The start of a text file for detection, cut at its last complete line when the file is longer. */
export function readHead(path: string, sizeBytes: number): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(Math.min(HEAD_BYTES, sizeBytes));
    const n = readSync(fd, buf, 0, buf.length, 0);
    let text = new TextDecoder('utf-8').decode(buf.subarray(0, n));
    if (n < sizeBytes) {
      const nl = text.lastIndexOf('\n');
      if (nl > 0) text = text.slice(0, nl + 1);
    }
    return text;
  } finally {
    closeSync(fd);
  }
}

/** Thrown inside the import transaction to roll back a file that turned out unreadable. */
class NothingToImport extends Error {}

/**
 * Imports a CDR export or an agent-events file. CSV exports are streamed: rows are read,
 * checked, joined and written one at a time inside one transaction, so memory stays that of
 * a row (CEL: of its events) whatever the length of the file, and the work per row is
 * constant — the join is one indexed lookup of captured calls (calls_capture_join), never a
 * scan that grows with the rows already imported. JSON documents (Twilio Voice Insights)
 * and agent events are read whole, up to MAX_INPUT_BYTES.
 */
export function importInputFile(store: IndexStore, path: string, opts: InputImportOptions = {}): InputOutcome {
  const settings = opts.settings ?? DEFAULT_SETTINGS;
  const { path: shownPath, name } = opts.as ?? { path, name: basename(path) };
  const base: InputOutcome = { path: shownPath, name, status: 'failed', sourceId: null, error: null, calls: 0, packets: 0, warnings: [], kind: 'cdr', rowsIn: 0, rowsBad: 0, rowsUsed: 0, records: 0, joined: 0, problems: [] };
  const { contentHash, sizeBytes } = hashFile(path);
  const existing = store.findSourceByHash(contentHash);
  if (existing) return { ...base, status: 'duplicate', sourceId: existing.id, calls: existing.calls };
  const meta = { path: shownPath, name, contentHash, sizeBytes };

  const head = readHead(path, sizeBytes);
  const kind = opts.mapping ? 'cdr' : detectInputKind(head.slice(0, 65536));
  const whole = (): string | { error: string } => {
    if (sizeBytes > MAX_INPUT_BYTES) return { error: `too large for a JSON CDR or event file (${Math.round(sizeBytes / 1048576)} MB; the limit is ${MAX_INPUT_BYTES / 1048576} MB)` };
    return new TextDecoder('utf-8').decode(readFileSync(path));
  };
  if (kind === 'agent_events') {
    const text = whole();
    if (typeof text !== 'string') return { ...base, kind: 'agent_events', error: text.error };
    return importEvents(store, meta, text, { ...base, kind: 'agent_events' }, settings);
  }

  let format: CdrFormat | null = opts.mapping ? 'mapped_csv' : null;
  let why = '';
  if (format === null) {
    const d = detectCdrFormat(head);
    format = d.format;
    why = d.why;
  }
  if (format === null) return { ...base, error: why || 'not a capture, CDR export or agent-event file' };
  const fmt: CdrFormat = format;

  const out: InputOutcome = { ...base };
  // No agent event indexed (the usual case): no per-row lookup of one. None can arrive
  // during this import: it is one transaction on the only writing connection.
  const anyEvents = store.inputs.hasAgentEvents();
  // Captured calls read a join window's width at a time, not once per row (valid for this
  // transaction: the import adds no captured call).
  const captured = new CapturedWindowCache(store, JOIN_WINDOW_MS * 1000);
  const between = (a: number, b: number) => captured.between(a, b);
  let firstUs: number | null = null;
  let lastUs: number | null = null;
  let firstProblem: RowProblem | null = null;
  const onRecord = (sourceId: number, rec: CdrRecord): void => {
    out.records++;
    firstUs = firstUs === null ? rec.startUs : Math.min(firstUs, rec.startUs);
    const end = rec.endUs ?? rec.startUs;
    lastUs = lastUs === null ? end : Math.max(lastUs, end);
    const hit = findCapturedCall(store, rec, between);
    if (hit) {
      // The captured call keeps its own facts and verdict; the row is shown beside it.
      store.inputs.insertCdrRecord(sourceId, rec, hit.call.id, hit.method, hit.deltaMs);
      out.joined++;
      return;
    }
    // A call of its own: its facts are not stored, the index rebuilds them from the row.
    const facts = cdrToFacts(storedCdr(rec), name);
    store.inputs.insertCdrOnlyCall(sourceId, rec, facts, anyEvents ? verdictFor(store, facts, settings) : classify(facts, settings, null));
    out.calls++;
  };
  // The same, for a row the CDR row worker has checked and classified already.
  const onRowValues = ([cdr, call, endUs]: RowItem): void => {
    out.records++;
    const startUs = cdr[CDR_VALUE.startUs] as number;
    firstUs = firstUs === null ? startUs : Math.min(firstUs, startUs);
    const end = endUs ?? startUs;
    lastUs = lastUs === null ? end : Math.max(lastUs, end);
    const key = { callId: cdr[CDR_VALUE.callId] as string | null, from: cdr[CDR_VALUE.from] as string, to: cdr[CDR_VALUE.to] as string, startUs };
    const hit = findCapturedCall(store, key, between);
    if (hit) {
      store.inputs.insertCdrValues(cdr, hit.call.id, hit.method, hit.deltaMs);
      out.joined++;
      return;
    }
    store.inputs.insertCdrOnlyCallValues(call, cdr);
    out.calls++;
  };
  const onProblem = (sourceId: number, p: RowProblem): void => {
    firstProblem ??= p;
    out.rowsBad++;
    // The first MAX_ROW_PROBLEMS are kept line by line (stored and returned); the rest counted.
    if (out.problems.length < MAX_ROW_PROBLEMS) {
      out.problems.push(p);
      store.inputs.insertRowProblems(sourceId, [p]);
    }
  };

  const wholeText = format === 'twilio_insights_json' ? whole() : null;
  if (wholeText !== null && typeof wholeText !== 'string') return { ...base, error: wholeText.error };
  try {
    store.transaction(() => {
      const sourceId = store.beginSource({ ...meta, format: `cdr:${fmt}` as SourceFormat });
      out.sourceId = sourceId;
      const sink: CdrEmitter = { record: (r) => onRecord(sourceId, r), problem: (p) => onProblem(sourceId, p) };
      let error: string | null;
      if (typeof wholeText === 'string') {
        const parsed = parseCdrText(wholeText, { format: 'twilio_insights_json' });
        for (const p of parsed.problems) sink.problem(p);
        for (const r of parsed.records) sink.record(r);
        out.rowsIn = parsed.rowsIn;
        out.rowsUsed = parsed.rowsUsed;
        error = parsed.error;
      } else if (!anyEvents && useWorker(sizeBytes, opts)) {
        // Rows are read, checked and classified on the worker while this thread joins and
        // writes them: the same rows, problems and verdicts as the branch below, in file order.
        const pipe = new CdrRowPipeline({ path, format: fmt, mapping: opts.mapping, headText: head, sourceName: name, sourceId, settings });
        try {
          let batches = 0;
          for (let batch = pipe.next(); batch !== null; batch = pipe.next()) {
            for (const it of batch) {
              if (typeof it[0] === 'number') onProblem(sourceId, { line: it[0], message: it[1] as string });
              else onRowValues(it as RowItem);
            }
            opts.onCdrBatch?.(++batches);
          }
        } finally {
          pipe.close();
        }
        const end = pipe.end!;
        out.rowsIn = end.rowsIn;
        out.rowsUsed = end.rowsUsed;
        error = end.error;
      } else {
        const made = createCdrRowParser(fmt, sink, { mapping: opts.mapping, headText: head });
        if (!made) throw new NothingToImport('mapped_csv needs a column mapping');
        const reader = new CsvReader(made.csv);
        forEachTextChunk(path, (text) => feedItems(made.parser, reader.push(text)));
        feedItems(made.parser, reader.end());
        if (made.parser.error === null) made.parser.end();
        out.rowsIn = made.parser.rowsIn;
        out.rowsUsed = made.parser.error === null ? made.parser.rowsUsed : 0;
        error = made.parser.error;
      }
      if (out.records === 0 && error !== null) throw new NothingToImport(error);
      const stats = problemStat(out.rowsBad, firstProblem);
      out.warnings = stats;
      out.status = out.rowsBad > 0 ? 'partial' : 'ok';
      out.error = firstProblem !== null ? `${out.rowsBad} of ${out.rowsIn} rows could not be used (first: line ${firstProblem.line}, ${oneLine(firstProblem.message)})` : null;
      store.finishSource(sourceId, { status: out.status, packets: out.records, firstUs, lastUs, stats, error: out.error });
    });
  } catch (e) {
    if (!(e instanceof NothingToImport)) throw e;
    return { ...base, error: e.message, rowsIn: out.rowsIn, rowsBad: out.rowsBad, problems: out.problems };
  }
  return out;
}

function importEvents(store: IndexStore, meta: { path: string; name: string; contentHash: string; sizeBytes: number }, text: string, base: InputOutcome, settings: DiagnosisSettings): InputOutcome {
  const parsed = parseAgentEvents(text);
  const out: InputOutcome = { ...base, kind: 'agent_events', rowsIn: parsed.rowsIn, rowsBad: parsed.problems.length, rowsUsed: parsed.events.length, records: parsed.events.length, problems: parsed.problems.slice(0, MAX_ROW_PROBLEMS) };
  if (parsed.events.length === 0) return { ...out, error: parsed.problems.length ? `no usable agent event (first problem: line ${parsed.problems[0].line}, ${oneLine(parsed.problems[0].message)})` : 'no agent event in the file' };
  store.transaction(() => {
    const sourceId = store.beginSource({ ...meta, format: 'agent_events' });
    out.sourceId = sourceId;
    store.inputs.insertAgentEvents(sourceId, parsed.events);
    // Calls imported before these events are classified again: bucket 6 needs them.
    const rows = store.inputs.callRowsWithEventsFrom(sourceId);
    store.inputs.reclassifying(rows, () => {
      for (const id of rows) classifyCallRow(store, id, settings);
    });
    out.joined = rows.length;
    store.inputs.insertRowProblems(sourceId, out.problems);
    const stats = problemStat(parsed.problems.length, parsed.problems[0] ?? null);
    out.warnings = stats;
    out.status = parsed.problems.length > 0 ? 'partial' : 'ok';
    out.error = parsed.problems.length > 0 ? `${parsed.problems.length} of ${parsed.rowsIn} lines could not be used (first: line ${parsed.problems[0].line}, ${oneLine(parsed.problems[0].message)})` : null;
    store.finishSource(sourceId, { status: out.status, packets: parsed.events.length, firstUs: null, lastUs: null, stats, error: out.error });
  });
  return out;
}

/** A message as one line, whatever a parser quoted into it. */
const oneLine = (s: string): string => s.replace(/[\r\n]+/g, ' ');

/** Refuses what is clearly binary (NUL bytes in the first 4 KB) before any text parsing. */
export function checkTextInput(path: string): string | null {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(4096);
    const n = readSync(fd, head, 0, head.length, 0);
    return head.subarray(0, n).includes(0) ? 'not a capture, CDR export or agent-event file (binary content)' : null;
  } finally {
    closeSync(fd);
  }
}
