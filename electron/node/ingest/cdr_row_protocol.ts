// What the CDR row worker (cdr_row_worker.ts) and the importing thread (cdr_row_pipeline.ts)
// pass each other. The worker reads, checks and classifies a CSV export's rows; the importing
// thread joins them to captured calls and writes them, in one transaction (issue 10: a
// carrier's daily export at >= 50 000 rows/s takes both cores, SQLite alone costing about
// 20 µs a CDR-only row).

import type { ColumnMapping } from '../../../shared/cdr/index.ts';
import type { CdrFormat } from '../../../shared/model/cdr.ts';
import type { DiagnosisSettings } from '../../../shared/model/verdict.ts';
import type { MessagePort } from 'node:worker_threads';

export interface CdrRowWorkerData {
  path: string;
  format: CdrFormat;
  mapping: ColumnMapping | undefined;
  /** The start of the file as detection read it (a header-driven format reads its columns there). */
  headText: string;
  /** The source's name: a CDR-only call's facts carry it (cdrToFacts). */
  sourceName: string;
  sourceId: number;
  settings: DiagnosisSettings;
  /** Int32Array over it: batches posted, batches consumed, abort (SYNC_POSTED, SYNC_CONSUMED, SYNC_ABORT). */
  sync: SharedArrayBuffer;
  /** The worker posts here; the importing thread reads it synchronously (receiveMessageOnPort). */
  port: MessagePort;
}

export const SYNC_POSTED = 0;
export const SYNC_CONSUMED = 1;
/** Set (then SYNC_CONSUMED notified) when the importing thread stops early: the worker stops. */
export const SYNC_ABORT = 2;
export const SYNC_SLOTS = 3;

/**
 * A used row: its cdr_records values (cdrRecordValues), its calls values were it to stand as a
 * CDR-only call (cdrOnlyCallValues, classified without agent events), and its end time as
 * parsed (what the source's time span reads).
 */
export type RowItem = [cdrValues: unknown[], callValues: unknown[], endUs: number | null];
/** A row that could not be used. */
export type ProblemItem = [line: number, message: string];
export type PipeItem = RowItem | ProblemItem;

export type PipeMessage =
  | { type: 'batch'; items: PipeItem[] }
  | { type: 'end'; rowsIn: number; rowsUsed: number; error: string | null }
  | { type: 'failed'; error: string };

/** A batch is posted at this many items… */
export const BATCH_ITEMS = 512;
/** …or this many characters of raw row text, whichever comes first (a few huge rows make small batches). */
export const BATCH_CHARS = 1 << 20;
/**
 * Batches posted and not yet consumed before the worker waits: memory stays bounded
 * (about MAX_IN_FLIGHT × a batch) when writing is slower than reading.
 */
export const MAX_IN_FLIGHT = 4;
