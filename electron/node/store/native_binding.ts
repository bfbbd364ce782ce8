// Which better-sqlite3 addon the Electron app loads. npm builds the addon for Node's ABI
// (the tests and the CLI use that one, and nothing may replace it); Electron 45 embeds
// Node 24 with another ABI, so the app loads a separately built copy through
// better-sqlite3's `nativeBinding` option. build/README.md says how that copy is made.
//
// Plain Node (no electron import): main.ts passes in what it knows about the app.

import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const NATIVE_FILE = 'better_sqlite3.node';

export interface BindingContext {
  /** app.isPackaged */
  packaged: boolean;
  /** process.resourcesPath (packaged: where electron-builder's extraResources land). */
  resourcesPath: string;
  /** The checkout (development: `electron .` from the repository). */
  appRoot: string;
  /** process.versions.modules of the running Electron. */
  abi: string;
  platform?: NodeJS.Platform;
  arch?: string;
}

/** Where the Electron-ABI addon is looked for, in order. */
export function bindingCandidates(c: BindingContext): string[] {
  const tag = `electron-abi${c.abi}-${c.platform ?? process.platform}-${c.arch ?? process.arch}`;
  return c.packaged
    ? [join(c.resourcesPath, 'native', NATIVE_FILE)]
    : [join(c.appRoot, 'build', 'native', tag, NATIVE_FILE), join(c.appRoot, 'build', 'native', NATIVE_FILE)];
}

export function resolveNativeBinding(c: BindingContext, exists: (p: string) => boolean = existsSync): { path: string } | { error: string } {
  const candidates = bindingCandidates(c);
  const found = candidates.find((p) => exists(p));
  if (found) return { path: found };
  return {
    error:
      `The SQLite module for this Electron (ABI ${c.abi}) is missing: looked in ${candidates.join(', ')}. ` +
      'Build it as build/README.md describes ("The Electron-ABI better-sqlite3"), or use `npm run -s calltrace -- serve` to run the app in a browser.',
  };
}
