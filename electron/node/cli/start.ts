// `npm start`: the desktop app on the bundled sample library (test/fixtures/captures) where
// Electron is installed; otherwise one line saying why, and the same UI served to a browser
// (`calltrace serve`) on the same sample library.
//
// It never imports or requires the electron package: its index.js starts a download when
// the binary is missing, which cannot succeed on machines without internet access. The
// binary's location is read the way that index.js reads it (path.txt under dist/).

import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { serve } from '../api/serve.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const SAMPLE_CAPTURES = join(REPO, 'test', 'fixtures', 'captures');
/** Re-imports of the same bytes are recognised by hash, so a second start is instant. */
export const SAMPLE_LIBRARY = join(tmpdir(), 'calltrace-sample', 'library.db');

/** Everything `electron .` needs here, or the first thing missing. */
export function electronLaunch(repo = REPO, env: NodeJS.ProcessEnv = process.env): { binary: string } | { why: string } {
  let pkgDir: string;
  try {
    pkgDir = dirname(createRequire(join(repo, 'package.json')).resolve('electron/package.json'));
  } catch {
    return { why: 'the electron package is not installed' };
  }
  const pathFile = join(pkgDir, 'path.txt');
  if (!existsSync(pathFile)) return { why: 'the Electron binary is not installed (it downloads on first run, and this machine cannot reach the download)' };
  const rel = readFileSync(pathFile, 'utf8').trim();
  const binary = env.ELECTRON_OVERRIDE_DIST_PATH ? join(env.ELECTRON_OVERRIDE_DIST_PATH, rel || 'electron') : join(pkgDir, 'dist', rel);
  try {
    accessSync(binary, constants.X_OK);
  } catch {
    return { why: `the Electron binary ${binary} is missing or not executable` };
  }
  for (const f of ['out/electron/main.mjs', 'out/electron/preload.cjs', 'out/electron/ingest_worker.mjs', 'out/electron/query_worker.mjs', 'out/electron/import_pool_worker.mjs', 'out/electron/cdr_row_worker.mjs', 'dist/renderer/index.html']) {
    if (!existsSync(join(repo, f))) return { why: `${f} is not built (npm run build, then tsx build/build_electron.ts)` };
  }
  const native = join(repo, 'build', 'native');
  const hasNative = existsSync(native) && readdirSync(native, { recursive: true }).some((f) => String(f).endsWith('better_sqlite3.node'));
  if (!hasNative) return { why: 'the Electron-ABI SQLite module is not built (build/README.md)' };
  return { binary };
}

async function main(): Promise<number> {
  const launch = electronLaunch();
  if ('binary' in launch) {
    const child = spawn(launch.binary, [join(REPO, 'out', 'electron', 'main.mjs'), '--db', SAMPLE_LIBRARY, SAMPLE_CAPTURES], { stdio: 'inherit' });
    return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  }
  process.stderr.write(`calltrace: not starting the desktop app: ${launch.why}; serving the same UI to your browser instead\n`);
  return serve({ files: [SAMPLE_CAPTURES], db: SAMPLE_LIBRARY });
}

// Runs only as the entry point (tests import electronLaunch).
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: Error) => {
      process.stderr.write(`calltrace: ${e.message}\n`);
      process.exitCode = 1;
    },
  );
}
