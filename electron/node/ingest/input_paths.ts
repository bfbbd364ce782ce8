// What the paths a user names (CLI arguments, the app's open dialog, a drop) stand for: a
// file is itself; a folder is every file under it, recursively, in sorted order. Inside a
// folder, a file is kept only when its content is an input (capture, archive, CDR export,
// agent events: the same magic bytes and head detection the import uses, never the name);
// the others are listed as skipped with the reason. A file named explicitly is always kept,
// so that something unreadable is reported as a failure, as before.
//
// Hidden entries (a name starting with '.') inside a folder are passed over silently, as `ls`
// and file pickers do (.git, .DS_Store, editors' swap files). Symbolic links are followed, but
// each real directory is walked once, so a link loop ends. Anything but regular files and
// directories (FIFOs, sockets, devices) is skipped: reading a FIFO would wait for ever.

import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { detectInputKind } from '../../../shared/cdr/index.ts';
import { sniffFormat } from '../../../shared/engine/capture/capture_reader.ts';
import { readHead, sniffArchive } from './archive_reader.ts';

export interface SkippedInput {
  name: string;
  path: string;
  reason: string;
}

export interface ExpandedInputs {
  files: string[];
  skipped: SkippedInput[];
}

/** Why a file in a folder is not an input, or null when it is one. */
export function notAnInput(path: string, tabularIsInput = false): string | null {
  let head: Buffer;
  try {
    head = readHead(path, 128 * 1024);
    if (head.length === 0) return 'the file is empty';
    if (sniffFormat(head) !== 'unknown' || sniffArchive(path) !== null) return null;
  } catch (e) {
    return `cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
  }
  if (head.subarray(0, 4096).includes(0)) return 'not a capture, archive, CDR export or agent-event file (binary content)';
  const text = new TextDecoder('utf-8').decode(head);
  if (detectInputKind(text.slice(0, 65536)) !== 'unknown') return null;
  // With a column mapping (--mapping), any table is a CDR export for the import to read.
  const first = text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  if (tabularIsInput && first.split(/[,;|\t]/).length >= 3) return null;
  return 'not a capture, archive, CDR export or agent-event file';
}

/** A capture or an archive by its first bytes (the imports that take long enough to run in parallel). */
export function isCaptureOrArchive(path: string): boolean {
  try {
    const b = readHead(path, 16);
    return b.length > 0 && (sniffFormat(b) !== 'unknown' || sniffArchive(path) !== null);
  } catch {
    return false;
  }
}

export function expandInputs(paths: readonly string[], opts: { tabularIsInput?: boolean } = {}): ExpandedInputs {
  const out: ExpandedInputs = { files: [], skipped: [] };
  const walked = new Set<string>();
  const walk = (dir: string): void => {
    let real: string;
    let names: string[];
    try {
      real = realpathSync(dir);
      if (walked.has(real)) return; // a link back to a folder already walked
      walked.add(real);
      names = readdirSync(dir).sort();
    } catch (e) {
      out.skipped.push({ name: dir, path: dir, reason: `cannot read the folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
      return;
    }
    for (const n of names) {
      if (n.startsWith('.')) continue;
      const p = join(dir, n);
      let st;
      try {
        st = statSync(p);
      } catch (e) {
        out.skipped.push({ name: p, path: p, reason: `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; a broken link?)` });
        continue;
      }
      if (st.isDirectory()) walk(p);
      else if (!st.isFile()) out.skipped.push({ name: p, path: p, reason: 'not a regular file (FIFO, socket or device)' });
      else {
        const why = notAnInput(p, opts.tabularIsInput);
        if (why) out.skipped.push({ name: p, path: p, reason: why });
        else out.files.push(p);
      }
    }
  };
  for (const p of paths) {
    let st = null;
    try {
      st = statSync(p);
    } catch {
      // reported per file by the import ("cannot read the file")
    }
    if (st?.isDirectory()) walk(p);
    // Named explicitly, a FIFO or device would still block the import's first read.
    else if (st && !st.isFile()) out.skipped.push({ name: p, path: p, reason: 'not a regular file (FIFO, socket or device)' });
    else out.files.push(p);
  }
  return out;
}
