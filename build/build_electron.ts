// Bundles the Electron side into out/electron/ with esbuild (already installed as tsx's
// dependency): the main process, the ingest worker and the query worker as ES modules, the preload as one
// CommonJS file (a sandboxed preload cannot import anything). electron and better-sqlite3
// stay external: the first is the runtime, the second a native addon loaded at run time
// from the Electron-ABI build (electron/node/store/native_binding.ts).
//
//   tsx build/build_electron.ts        (then: electron out/electron/main.mjs, or electron-builder)

import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const common = { bundle: true, platform: 'node', target: 'node22', sourcemap: true, absWorkingDir: root, logLevel: 'info' } as const;
// ESM bundles that pull CommonJS (better-sqlite3) need a require of their own.
const requireShim = { js: "import { createRequire as __ctCreateRequire } from 'node:module'; const require = __ctCreateRequire(import.meta.url);" };

await Promise.all([
  build({ ...common, entryPoints: ['electron/main/main.ts'], outfile: 'out/electron/main.mjs', format: 'esm', external: ['electron', 'better-sqlite3'], banner: requireShim }),
  build({ ...common, entryPoints: ['electron/node/ingest/ingest_worker.ts'], outfile: 'out/electron/ingest_worker.mjs', format: 'esm', external: ['better-sqlite3'], banner: requireShim }),
  build({ ...common, entryPoints: ['electron/node/api/query_worker.ts'], outfile: 'out/electron/query_worker.mjs', format: 'esm', external: ['better-sqlite3'], banner: requireShim }),
  // The parallel import's workers (several files in one job), started by the ingest worker.
  build({ ...common, entryPoints: ['electron/node/ingest/import_pool_worker.ts'], outfile: 'out/electron/import_pool_worker.mjs', format: 'esm', external: ['better-sqlite3'], banner: requireShim }),
  // Started by the ingest worker for a large CSV export (cdr_row_pipeline.ts), found beside it.
  build({ ...common, entryPoints: ['electron/node/ingest/cdr_row_worker.ts'], outfile: 'out/electron/cdr_row_worker.mjs', format: 'esm', external: ['better-sqlite3'], banner: requireShim }),
  build({ ...common, entryPoints: ['electron/preload/preload.ts'], outfile: 'out/electron/preload.cjs', format: 'cjs', external: ['electron'] }),
]);
