// One entry point for every file a user drops or names: the kind comes from the content —
// a capture (pcap, pcapng, Network Monitor, gzip) by its magic bytes, otherwise a text input
// (CDR export or agent events) by what its first lines look like. Never from the name.

import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { sniffFormat } from '../../../shared/engine/capture/capture_reader.ts';
import type { IndexStore } from '../store/index_store.ts';
import { importCapture, type ImportOptions, type ImportOutcome } from './import_capture.ts';
import { checkTextInput, importInputFile, readHead, type InputImportOptions, type InputOutcome } from './import_inputs.ts';

export type AnyOutcome = (ImportOutcome & { kind: 'capture' }) | InputOutcome;

function failed(path: string, error: string, as?: { path: string; name: string }): AnyOutcome {
  return { path: as?.path ?? path, name: as?.name ?? basename(path), status: 'failed', sourceId: null, error, calls: 0, packets: 0, warnings: [], kind: 'capture' };
}

export async function importFile(store: IndexStore, path: string, opts: ImportOptions & InputImportOptions = {}): Promise<AnyOutcome> {
  let size: number;
  const head = Buffer.alloc(16);
  let n: number;
  try {
    size = statSync(path).size;
    const fd = openSync(path, 'r');
    n = readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
  } catch (e) {
    return failed(path, `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, opts.as);
  }
  if (n === 0) return failed(path, 'the file is empty', opts.as);
  if (sniffFormat(head.subarray(0, n)) !== 'unknown') return { ...(await importCapture(store, path, opts)), kind: 'capture' };
  const binary = checkTextInput(path);
  if (binary) return failed(path, binary, opts.as);
  const out = importInputFile(store, path, opts);
  // "Unknown CDR format, supply a mapping" only makes sense for something table-like.
  const firstLine = readHead(path, size).split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  const tabular = firstLine.split(/[,;|\t]/).length >= 3;
  if (out.status === 'failed' && (out.error === 'not a capture, CDR export or agent-event file' || (!tabular && !opts.mapping && out.error?.startsWith('unknown CDR format')))) {
    const hex = Array.from(head.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    return { ...out, error: `not a capture (pcap, pcapng, Network Monitor), CDR export or agent-event file — first bytes ${hex}` };
  }
  return out;
}

/**
 * True when the file was recognised as none of the inputs (as opposed to a capture or CDR
 * export that is damaged): inside a folder or an archive such a file is listed as skipped,
 * not reported as a failure.
 */
export function isUnrecognised(o: AnyOutcome): boolean {
  return o.status === 'failed' && o.sourceId === null && /^(not a capture|the file is empty|unknown CDR format)/.test(o.error ?? '');
}
