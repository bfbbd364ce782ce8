// Compiles the command line into dist/cli/ with esbuild (installed as tsx's dependency), so
// that `calltrace` starts as plain Node: no tsx, no TypeScript compiled at every start.
// npm runs it as the `prepare` script on `npm install` and `npm ci`, and `npm test` runs it
// first, so the bundle is there after a clone's install and never older than the sources.
//
//   npm run build:cli         (tsx build/build_cli.ts)
//
// Output, one directory (the worker and the chunks are found beside the entry by
// import.meta.url, electron/node/api/import_controller.ts and query_client.ts):
//   calltrace.mjs       the entry (electron/node/cli/main.ts), with a shebang: package.json's bin
//   ingest_worker.mjs   the ingest worker (`serve` imports through it), an entry of its own
//   query_worker.mjs    the query worker (`serve` answers every API call in it), likewise
//   import_pool_worker.mjs  a worker of the parallel import of several captures
//                       (ingest/import_pool.ts), an entry of its own
//   cdr_row_worker.mjs  the CDR row worker (a large CSV export's rows read and classified
//                       while the import writes them), an entry of its own
//   chunk-*.mjs         code split off the entries: main.ts imports each command lazily, so
//                       --version and -h load one small file and never SQLite or the engine
// better-sqlite3 stays external (a native addon, loaded from node_modules at run time).
// dist/renderer (vite) and package.json are found from the bundle by electron/node/app_root.ts.

import { build, type BuildOptions, type Metafile, type OutputFile } from 'esbuild';
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CLI_OUT_DIR = join(ROOT, 'dist', 'cli');
export const CLI_ENTRY = join(CLI_OUT_DIR, 'calltrace.mjs');
const SHEBANG = '#!/usr/bin/env node\n';

const options: BuildOptions = {
  absWorkingDir: ROOT,
  entryPoints: {
    calltrace: 'electron/node/cli/main.ts',
    ingest_worker: 'electron/node/ingest/ingest_worker.ts',
    query_worker: 'electron/node/api/query_worker.ts',
    import_pool_worker: 'electron/node/ingest/import_pool_worker.ts',
    cdr_row_worker: 'electron/node/ingest/cdr_row_worker.ts',
  },
  outdir: CLI_OUT_DIR,
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['better-sqlite3'],
  // Not minified: a stack trace from the field stays readable without a source map.
  minify: false,
  legalComments: 'none',
  logLevel: 'warning',
};

/** The files of the bundle as they would be written (absolute path, contents), and esbuild's metafile. */
export async function bundleCli(): Promise<{ files: Array<{ path: string; text: string }>; metafile: Metafile }> {
  const r = await build({ ...options, write: false, metafile: true });
  const files = r.outputFiles.map((f: OutputFile) => ({ path: f.path, text: f.path === CLI_ENTRY ? SHEBANG + f.text : f.text }));
  return { files, metafile: r.metafile };
}

/** Builds dist/cli afresh (the old chunks removed) and returns the files written. */
export async function buildCli(): Promise<string[]> {
  const { files } = await bundleCli();
  rmSync(CLI_OUT_DIR, { recursive: true, force: true });
  for (const f of files) {
    mkdirSync(dirname(f.path), { recursive: true });
    writeFileSync(f.path, f.text);
  }
  chmodSync(CLI_ENTRY, 0o755);
  return files.map((f) => relative(ROOT, f.path));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const t0 = performance.now();
  const written = await buildCli();
  process.stderr.write(`calltrace: built the command line into ${relative(ROOT, CLI_OUT_DIR)}/ (${written.length} files, ${Math.round(performance.now() - t0)} ms)\n`);
}
