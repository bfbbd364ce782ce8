// `calltrace serve`: the app in any Chromium. Imports the files named first (progress on
// stderr), then serves the UI and the API on 127.0.0.1 and prints exactly one line on
// stdout — the address to open, token included — so scripts and tests can read it.
// Runs until SIGINT / SIGTERM.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ImportProgress } from '../../../shared/api/contract.ts';
import type { DiagnosisSettings } from '../../../shared/model/verdict.ts';
import { appRoot } from '../app_root.ts';
import { defaultLibraryPath, openBackend, type Backend } from './backend.ts';
import { expandPaths } from './handlers.ts';
import { startBridge, type Bridge } from './http_bridge.ts';

export interface ServeOptions {
  files: string[];
  /** The library file; default defaultLibraryPath(). */
  db?: string;
  port?: number;
  /** Saved into the library (and applied to every verdict) before the import. */
  settings?: DiagnosisSettings;
  /** The built renderer; default dist/renderer of this checkout (or installed package). */
  staticDir?: string;
  /** Called once serving, for callers that want the bridge (npm start's fallback). */
  onReady?: (bridge: Bridge, backend: Backend) => void;
}

/** Found from the sources and from the command-line bundle alike (app_root.ts). */
export const DEFAULT_STATIC_DIR = join(appRoot(), 'dist', 'renderer');

const mb = (n: number): string => `${(n / 1048576).toFixed(1)} MB`;

function progressLine(p: ImportProgress): string | null {
  const where = `[${p.fileIndex + 1}/${p.fileCount}] ${p.file}`;
  switch (p.state) {
    case 'running':
      return p.totalBytes > 0 ? `calltrace: ${where}: ${mb(p.bytesRead)} of ${mb(p.totalBytes)}, ${p.callsFound} calls, ${mb(p.rate)}/s` : null;
    case 'done':
      return `calltrace: ${where}: ${p.callsFound} calls, ${p.packets} packets${p.message ? ` (${p.message})` : ''}`;
    case 'duplicate':
      return `calltrace: ${where}: already in the library`;
    case 'cancelled':
      return `calltrace: ${where}: cancelled`;
    case 'failed':
      return `calltrace: ${p.message ?? `${p.file}: failed`}`;
  }
}

export async function serve(o: ServeOptions): Promise<number> {
  const db = o.db ?? defaultLibraryPath();
  const backend = openBackend({ dbPath: db });
  process.stderr.write(`calltrace: library ${db}\n`);
  for (const r of backend.recovered) {
    process.stderr.write(`calltrace: ${r.path}: an earlier import did not finish (process ${r.pid} was killed or crashed); its ${r.calls} partial call(s) were removed from the library, import the file again to index it whole\n`);
  }
  let bridge: Bridge | null = null;
  try {
    if (o.settings) await backend.handlers.setSettings(o.settings);
    const files = expandPaths(o.files);
    if (files.length > 0) {
      let lastLine = 0;
      const off = backend.events.subscribe((e) => {
        if (e.name !== 'importProgress') return;
        const now = Date.now();
        // Running lines once a second at most; the outcome of each file always.
        if (e.payload.state === 'running' && now - lastLine < 1000) return;
        lastLine = now;
        const line = progressLine(e.payload);
        if (line) process.stderr.write(line + '\n');
      });
      await backend.handlers.importPaths({ paths: files });
      await backend.imports.idle();
      off();
    }
    const staticDir = o.staticDir ?? DEFAULT_STATIC_DIR;
    if (!existsSync(staticDir)) process.stderr.write(`calltrace: the user interface is not built (${staticDir}): run npm run build; the API is served anyway\n`);
    bridge = await startBridge({ handlers: backend.handlers, events: backend.events, uploads: backend.uploads, downloads: backend.downloads ?? undefined, port: o.port, staticDir });
    process.stdout.write(`calltrace: serving ${bridge.url}\n`);
    o.onReady?.(bridge, backend);
  } catch (e) {
    await bridge?.close();
    await backend.close();
    throw e;
  }
  const b = bridge;
  return new Promise<number>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void b.close().then(() => backend.close()).then(() => resolve(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
