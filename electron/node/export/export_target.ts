// Where the app's Export… action writes (api/handlers.ts exportCalls). The page never names a
// path — a page is not trusted with the file system, and in `serve` it is any browser tab —
// so the back end is given one of two targets:
//
//   - the desktop app: dialogExportTarget, whose save dialog is Electron's (main.ts passes
//     dialog.showSaveDialog in; this file stays free of electron so it is tested in Node);
//   - `serve`: the DownloadStore (api/download_store.ts), a private temp directory whose files
//     the browser fetches once from the bridge.

import { basename } from 'node:path';
import type { ExportOutput, ExportedFile } from '../../../shared/api/contract.ts';
import { ExportError, type SourceCalls } from './call_packets.ts';

/** Suggested file names per output (null: that output was not asked for). */
export type ExportNames = Record<ExportOutput, string | null>;

/** One written file, as the job reports it. */
export interface WrittenFile {
  output: ExportOutput;
  path: string;
  bytes: number;
  packets: number | null;
}

/** Where one export goes, once chosen. */
export interface ExportDestination {
  /** The path to write each asked-for output to. */
  paths: ExportNames;
  /**
   * The job wrote the files: what the page is told about each. May answer later: from the
   * query worker, the destination is the main thread's (query_host.ts).
   */
  deliver(files: readonly WrittenFile[]): ExportedFile[] | Promise<ExportedFile[]>;
  /** The job failed: undo what was prepared (the job itself never leaves a partial file). */
  abandon(): void;
}

export interface ExportTarget {
  /** Where to write; null when the user cancelled (nothing is written then). */
  choose(names: ExportNames): Promise<ExportDestination | null>;
}

export const OUTPUT_EXTENSION: Record<ExportOutput, string> = { pcapng: 'pcapng', html: 'html' };

/** A Call-ID cut to something short and safe in a file name on every system. */
export function shortCallId(callId: string): string {
  // A call known only from a CDR row has the id cdr:<file>:<row's id>: the row's id is the
  // part that differs. Otherwise the part before '@' is the random one (the host part is the
  // same for every call of a PBX).
  const local = callId.startsWith('cdr:') ? callId.slice(callId.lastIndexOf(':') + 1) : callId.split('@')[0] || callId;
  const safe = local.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 16);
  return safe === '' ? 'unnamed' : safe;
}

/** call-<short id>.pcapng for one call; calls-<n>-<first short id>.html for several. */
export function exportFileNames(groups: readonly SourceCalls[], outputs: readonly ExportOutput[]): ExportNames {
  const calls = groups.flatMap((g) => g.calls);
  const first = calls.length > 0 ? shortCallId(calls[0].callId) : 'none';
  const base = calls.length === 1 ? `call-${first}` : `calls-${calls.length}-${first}`;
  const name = (o: ExportOutput): string | null => (outputs.includes(o) ? `${base}.${OUTPUT_EXTENSION[o]}` : null);
  return { pcapng: name('pcapng'), html: name('html') };
}

/** Electron's dialog.showSaveDialog, reduced to what the target needs: a path or null (cancelled). */
export type SaveDialog = (o: { title: string; defaultName: string; filters: Array<{ name: string; extensions: string[] }> }) => Promise<string | null>;

const DIALOG_TEXT: Record<ExportOutput, { title: string; filter: string }> = {
  pcapng: { title: 'Save the calls’ packets (pcapng)', filter: 'pcapng capture' },
  html: { title: 'Save the incident report (HTML)', filter: 'HTML report' },
};

/** The desktop app: one save dialog per asked-for output; cancelling either writes nothing. */
export function dialogExportTarget(showSaveDialog: SaveDialog): ExportTarget {
  return {
    async choose(names) {
      const paths: ExportNames = { pcapng: null, html: null };
      for (const output of ['pcapng', 'html'] as const) {
        const name = names[output];
        if (name === null) continue;
        const ext = OUTPUT_EXTENSION[output];
        const path = await showSaveDialog({ title: DIALOG_TEXT[output].title, defaultName: name, filters: [{ name: DIALOG_TEXT[output].filter, extensions: [ext] }] });
        if (path === null) return null;
        paths[output] = path;
      }
      // Both outputs to one file would leave only the second.
      if (paths.pcapng !== null && paths.pcapng === paths.html) throw new ExportError(`${paths.pcapng}: the capture and the report cannot be saved to the same file`);
      return {
        paths,
        deliver: (files) => files.map((f) => ({ output: f.output, name: basename(f.path), path: f.path, downloadId: null, bytes: f.bytes, packets: f.packets })),
        abandon: () => undefined,
      };
    },
  };
}
