// The desktop app's command line (what `npm start`, a file manager's "Open with" and the
// OS file association pass): `[--db PATH] [FILE...]`. Plain Node, so it is tested here;
// Chromium's own switches (`--foo`, `--foo=bar`) are skipped, never taken for files.

import { isAbsolute, resolve } from 'node:path';

/**
 * Extensions the open dialog offers (content decides, not the name). The file associations
 * are build/electron-builder.json's: archives are not among them, calltrace must not claim every .zip.
 */
export const CAPTURE_EXTENSIONS = ['pcap', 'pcapng', 'cap', 'gz', 'zip', 'tar', 'tgz'] as const;

export interface AppArgs {
  db?: string;
  files: string[];
}

export function parseAppArgs(argv: readonly string[], cwd = process.cwd()): AppArgs {
  const out: AppArgs = { files: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--db' && i + 1 < argv.length) out.db = resolve(cwd, argv[++i]);
    else if (a.startsWith('--db=')) out.db = resolve(cwd, a.slice(5));
    else if (a.startsWith('-')) continue;
    else out.files.push(isAbsolute(a) ? a : resolve(cwd, a));
  }
  return out;
}

/** Files of a second launch, relative to where it was started. */
export function filesFromArgv(argv: readonly string[], cwd: string): string[] {
  return parseAppArgs(argv, cwd).files;
}
