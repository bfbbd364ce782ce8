// Messages between the query client (main thread, query_client.ts) and the query worker
// (query_host.ts). The worker hosts the API handlers over its own SQLite connection; what
// the handlers need from the main thread — the ingest queue (ImportController), the export
// target (a save dialog or serve's downloads) — it asks for with a request, answered by a
// reply. Everything here is structured-clone-safe: plain objects, arrays, Uint8Array.

import type { ApiEvent, ApiMethod, ImportJob } from '../../../shared/api/contract.ts';
import type { DiagnosisSettings } from '../../../shared/model/verdict.ts';
import type { ExportNames, WrittenFile } from '../export/export_target.ts';
import { ExportError } from '../export/call_packets.ts';
import { ApiFailure } from './api_error.ts';
import type { ImportFileSpec } from './worker_protocol.ts';

export interface QueryWorkerInit {
  dbPath: string;
  /** better-sqlite3 addon for this runtime (Electron's ABI), when not npm's own build. */
  nativeBinding?: string;
  /** Where uploads are staged (importUpload); default the OS temp directory. */
  tempDir?: string;
  /** False when the session has no export target (exportCalls is refused, as before). */
  canExport: boolean;
}

/**
 * An error crossing threads. `kind` keeps what the transports and handlers tell apart:
 * an ApiFailure reaches the page with its code; an ExportError becomes 'export_failed' in
 * exportCalls; anything else is reported as an internal error with its message.
 */
export interface WireError {
  kind: 'api' | 'export' | 'other';
  code: string;
  message: string;
}

export function toWireError(e: unknown): WireError {
  if (e instanceof ApiFailure) return { kind: 'api', code: e.code, message: e.message };
  if (e instanceof ExportError) return { kind: 'export', code: 'export_failed', message: e.message };
  return { kind: 'other', code: 'internal', message: e instanceof Error ? e.message : String(e) };
}

export function fromWireError(w: WireError): Error {
  if (w.kind === 'api') return new ApiFailure(w.code, w.message);
  if (w.kind === 'export') return new ExportError(w.message);
  return new Error(w.message);
}

/** What the worker asks of the main thread. */
export type HostRequest =
  | { op: 'cancelImport'; jobId: string }
  | { op: 'reclassify'; settings: DiagnosisSettings }
  | { op: 'removeSource'; sourceId: number; settings: DiagnosisSettings }
  | { op: 'setLegLinkUndone'; linkId: number; undone: boolean }
  | { op: 'exportChoose'; names: ExportNames }
  | { op: 'exportDeliver'; destId: number; files: WrittenFile[] };

/** Main → worker. */
export type ToQueryWorker =
  | { type: 'call'; id: number; method: ApiMethod; args: unknown }
  | { type: 'event'; event: ApiEvent }
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: WireError };

/** Worker → main. */
export type FromQueryWorker =
  | { type: 'ready' }
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: WireError }
  | { type: 'request'; id: number; request: HostRequest }
  // Fire-and-forget: the worker already knows the answer (it chose the job id) or needs none.
  | { type: 'importFiles'; files: ImportFileSpec[]; settings: DiagnosisSettings; temp: string[]; recordRecent: boolean; job: ImportJob }
  | { type: 'exportAbandon'; destId: number };
