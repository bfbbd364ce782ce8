// What the Export… dialog offers and says, as plain functions (tested under Node): which
// outputs a set of calls can have, and one line per written file afterwards. The dialog
// itself (features/export/ExportDialog.tsx) only lays this out.

import type { CallRow, ExportOutcome, ExportOutput } from '../../shared/api/contract.ts';
import { formatBytes, formatCount } from './format.ts';

/** What the dialog needs of a call: the list's rows and the call view's detail both have it. */
export type ExportCall = Pick<CallRow, 'id' | 'sourceId' | 'callId' | 'origin'>;

export interface ExportChoice {
  /** False when a call has no packets (known only from a CDR or event row). */
  pcapng: boolean;
  /** Why the capture cannot be exported, in a sentence; null when it can. */
  pcapngNote: string | null;
}

export function exportChoice(calls: readonly ExportCall[]): ExportChoice {
  const cdr = calls.filter((c) => c.origin !== 'capture');
  if (cdr.length === 0) return { pcapng: true, pcapngNote: null };
  if (cdr.length === calls.length) {
    return {
      pcapng: false,
      pcapngNote: calls.length === 1
        ? 'This call is known only from a CDR row: it has no packets, so only the report can be exported.'
        : 'These calls are known only from CDR rows: they have no packets, so only the report can be exported.',
    };
  }
  return {
    pcapng: false,
    pcapngNote: `${formatCount(cdr.length)} of the ${formatCount(calls.length)} selected calls ${cdr.length === 1 ? 'is' : 'are'} known only from a CDR row and ${cdr.length === 1 ? 'has' : 'have'} no packets: only the report can be exported (unselect ${cdr.length === 1 ? 'it' : 'them'} to export a capture).`,
  };
}

/** The outputs ticked by default: the capture when there is one, and the report. */
export function defaultOutputs(choice: ExportChoice): Record<ExportOutput, boolean> {
  return { pcapng: choice.pcapng, html: true };
}

export function exportTitle(calls: readonly ExportCall[]): string {
  return calls.length === 1 ? `Export call ${calls[0].callId}` : `Export ${formatCount(calls.length)} calls`;
}

const WHAT: Record<ExportOutput, string> = { pcapng: 'capture', html: 'report' };

/**
 * One line per file: "Saved the capture (402 packets, 51 KB) to /home/…/call-1.pcapng" in
 * the desktop app, "Downloading the report call-1.html (12 KB)" in a browser.
 */
export function outcomeLines(o: ExportOutcome): string[] {
  if (o.cancelled) return ['Nothing was saved: the save dialog was closed.'];
  return o.files.map((f) => {
    const size = f.packets === null ? formatBytes(f.bytes) : `${formatCount(f.packets)} packet${f.packets === 1 ? '' : 's'}, ${formatBytes(f.bytes)}`;
    return f.path !== null ? `Saved the ${WHAT[f.output]} (${size}) to ${f.path}` : `Downloading the ${WHAT[f.output]} ${f.name} (${size})`;
  });
}
