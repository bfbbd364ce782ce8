// Import progress as the UI shows it: the latest ImportProgress per job and file, folded from
// the 'importProgress' events. A pure reducer, so the order and repetition of events (the
// bridge may replay the last one on reconnect) cannot corrupt what is shown.

import type { ImportProgress } from '../../shared/api/contract.ts';

export interface JobView {
  jobId: string;
  /** Latest progress of each file of the job, by fileIndex. */
  files: ImportProgress[];
  fileCount: number;
  /** The file being read now (or the last one). */
  current: ImportProgress;
  finished: boolean;
  /** Files that failed, with their message: shown until dismissed. */
  failures: ImportProgress[];
  /** Set locally when the user pressed Cancel, before the back end confirms. */
  cancelling: boolean;
  /** Local clock (ms) of the last event: finished jobs fade out after a while. */
  updatedAt: number;
}

export type JobsState = Readonly<Record<string, JobView>>;

const TERMINAL: ReadonlySet<ImportProgress['state']> = new Set(['done', 'failed', 'cancelled', 'duplicate']);

export function isTerminal(p: ImportProgress): boolean {
  return TERMINAL.has(p.state);
}

export function applyProgress(state: JobsState, p: ImportProgress, now: number): JobsState {
  const prev = state[p.jobId];
  const files = prev ? [...prev.files] : [];
  const at = files.findIndex((f) => f.fileIndex === p.fileIndex);
  if (at >= 0) {
    // A late 'running' after the file's terminal state is stale: keep the terminal one.
    if (isTerminal(files[at]) && !isTerminal(p)) return state;
    files[at] = p;
  } else files.push(p);
  files.sort((a, b) => a.fileIndex - b.fileIndex);
  const fileCount = Math.max(p.fileCount, prev?.fileCount ?? 0);
  const finished = p.state === 'cancelled' || (files.length >= fileCount && files.every(isTerminal));
  const current = [...files].reverse().find((f) => !isTerminal(f)) ?? files[files.length - 1];
  return {
    ...state,
    [p.jobId]: {
      jobId: p.jobId,
      files,
      fileCount,
      current,
      finished,
      failures: files.filter((f) => f.state === 'failed'),
      cancelling: (prev?.cancelling ?? false) && !finished,
      updatedAt: now,
    },
  };
}

/** Overall fraction of a job, counting finished files as whole. */
export function jobFraction(j: JobView): number {
  if (j.finished) return 1;
  let sum = 0;
  for (const f of j.files) sum += isTerminal(f) ? 1 : f.totalBytes > 0 ? Math.min(1, f.bytesRead / f.totalBytes) : 0;
  return j.fileCount > 0 ? sum / j.fileCount : 0;
}

export function jobTotals(j: JobView): { packets: number; calls: number; bytes: number } {
  let packets = 0;
  let calls = 0;
  let bytes = 0;
  for (const f of j.files) {
    packets += f.packets;
    calls += f.callsFound;
    bytes += f.bytesRead;
  }
  return { packets, calls, bytes };
}

/** Finished jobs without failures disappear after `keepMs`; failed ones stay until dismissed. */
export function pruneJobs(state: JobsState, now: number, keepMs: number): JobsState {
  let changed = false;
  const out: Record<string, JobView> = {};
  for (const [id, j] of Object.entries(state)) {
    if (j.finished && j.failures.length === 0 && now - j.updatedAt > keepMs) changed = true;
    else out[id] = j;
  }
  return changed ? out : state;
}

export function dismissJob(state: JobsState, jobId: string): JobsState {
  if (!(jobId in state)) return state;
  const out = { ...state };
  delete out[jobId];
  return out;
}

export function markCancelling(state: JobsState, jobId: string): JobsState {
  const j = state[jobId];
  return j ? { ...state, [jobId]: { ...j, cancelling: true } } : state;
}
