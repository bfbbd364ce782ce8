// How a worker thread is started from a module URL. From a build (.mjs beside the bundle) the
// module runs as is. Under tsx (running from .ts sources) the worker needs tsx's loader too:
// on Node 20, `execArgv: ['--import', 'tsx']` does not reach a worker's own entry module
// ("Unknown file extension .ts", checked on 20.20), so the worker starts from a tiny ESM
// bootstrap (a data: URL) that registers tsx's hooks and then imports the .ts entry.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** An ESM entry that loads tsx into the worker, then the TypeScript module. */
export function tsxBootstrap(target: URL): URL {
  const tsxDir = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const api = pathToFileURL(join(tsxDir, 'dist/esm/api/index.mjs')).href;
  const code = `import { register } from ${JSON.stringify(api)};\nregister();\nawait import(${JSON.stringify(target.href)});\n`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

/** What to hand `new Worker()` for this module URL. */
export function workerEntry(url: URL): URL {
  return url.pathname.endsWith('.ts') ? tsxBootstrap(url) : url;
}
