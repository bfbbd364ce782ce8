// Where the application's own files are (package.json, dist/renderer): the nearest directory
// at or above this module that holds a package.json. Run from the sources this module is
// electron/node/app_root.ts; bundled, its code sits in dist/cli/*.mjs (the command line) or
// out/electron/*.mjs (the desktop app), and in a packaged app inside app.asar. A path
// relative to import.meta.url ('../../../package.json') is right for one of these layouts
// only, so the root is looked up instead. Cheap: two or three existsSync calls, once.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | null = null;

/** The directory holding the application's package.json. */
export function appRoot(): string {
  if (root !== null) return root;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return (root = dir);
    if (dirname(dir) === dir) return (root = start);
  }
}

/** The version in the application's package.json, or 'unknown'. */
export function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(appRoot(), 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
