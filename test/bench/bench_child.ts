// The benchmark's child processes (run as `node --import tsx test/bench/bench_child.ts MODE …`).
// Each measurement runs in its own process so peak RSS belongs to that run alone, and the
// parent (which generated the capture and holds its own memory) never pollutes it.
//
//   import FILE DB                         full importCapture into a fresh SQLite file
//   watch DB                               polls DB from another connection: when does the first call become visible?
//   reopen DB                              open the finished index and list the first 100 calls
//
// Each prints one JSON line on stdout.

import { pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import { importCapture } from '../../electron/node/ingest/import_capture.ts';
import { openIndex, openIndexReader } from '../../electron/node/store/index_store.ts';

export interface ImportReport {
  mode: 'import';
  /** Epoch ms when importCapture was called (for the watcher's timing). */
  t0EpochMs: number;
  importMs: number;
  /** importCapture start → first opts.onCall (the first slice of calls was committed). */
  firstCallMs: number | null;
  status: string;
  error: string | null;
  calls: number;
  packets: number;
  /** RTP streams stored (with a call or unassociated), for the cross-check against tshark. */
  streams: number;
  maxRssKb: number;
  userMs: number;
  systemMs: number;
}

export interface WatchReport {
  mode: 'watch';
  /** Epoch ms when another connection first saw a call; null if never (killed first). */
  visibleEpochMs: number | null;
  polls: number;
}

export interface ReopenReport {
  mode: 'reopen';
  openMs: number;
  listMs: number;
  calls: number;
  listed: number;
}

/** The watcher prints this once it polls, so the parent can start the import after its start-up. */
export const WATCH_READY = 'CALLTRACE_WATCH_READY';

/** One full importCapture into a fresh index, timed from the call to its return. */
async function runImport(file: string, db: string): Promise<ImportReport> {
  const store = openIndex(db);
  try {
    const t0EpochMs = Date.now();
    const t0 = performance.now();
    let firstCallMs: number | null = null;
    const o = await importCapture(store, file, {
      onCall: () => {
        if (firstCallMs === null) firstCallMs = performance.now() - t0;
      },
    });
    const importMs = performance.now() - t0;
    // Counted after the clock stopped: a cross-check, not part of the import.
    let streams = store.listUnassociatedStreams().length;
    for (const c of store.listCalls({ limit: 1e9 })) streams += c.streamCount;
    const ru = process.resourceUsage();
    return {
      mode: 'import', t0EpochMs, importMs, firstCallMs, status: o.status, error: o.error, calls: o.calls, packets: o.packets,
      streams, maxRssKb: ru.maxRSS, userMs: ru.userCPUTime / 1000, systemMs: ru.systemCPUTime / 1000,
    };
  } finally {
    store.close();
  }
}

/**
 * Another connection's view, as the UI or a query worker would have it: with WAL, calls are
 * visible only once the import commits the slice that holds them.
 */
async function runWatch(db: string): Promise<WatchReport> {
  let polls = 0;
  let reader: ReturnType<typeof openIndexReader> | null = null;
  let report: WatchReport = { mode: 'watch', visibleEpochMs: null, polls: 0 };
  const print = () => process.stdout.write(JSON.stringify(report) + '\n');
  // The parent ends this process with SIGTERM once the import is over; say what we saw.
  process.on('SIGTERM', () => {
    report = { ...report, polls };
    print();
    process.exit(0);
  });
  process.stdout.write(`${WATCH_READY}\n`);
  for (;;) {
    polls++;
    try {
      if (!reader && existsSync(db)) reader = openIndexReader(db);
      if (reader && reader.countCalls() > 0) {
        report = { mode: 'watch', visibleEpochMs: Date.now(), polls };
        reader.close();
        return report;
      }
    } catch {
      // Not created or not migrated yet: keep polling.
      reader?.close();
      reader = null;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function runReopen(db: string): ReopenReport {
  const t0 = performance.now();
  const r = openIndexReader(db);
  const openMs = performance.now() - t0;
  const t1 = performance.now();
  const first = r.listCalls({ limit: 100 });
  const listMs = performance.now() - t1;
  const calls = r.countCalls();
  r.close();
  return { mode: 'reopen', openMs, listMs, calls, listed: first.length };
}

async function main(argv: string[]): Promise<void> {
  const [mode, a, b] = argv;
  let out: ImportReport | WatchReport | ReopenReport;
  if (mode === 'import' && a && b) out = await runImport(a, b);
  else if (mode === 'watch' && a) out = await runWatch(a);
  else if (mode === 'reopen' && a) out = runReopen(a);
  else throw new Error('usage: bench_child.ts import FILE DB | watch DB | reopen DB');
  process.stdout.write(JSON.stringify(out) + '\n');
}

// Only as a script: the parent imports this module for its types and WATCH_READY.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main(process.argv.slice(2)).catch((e: Error) => {
  process.stderr.write(`bench_child: ${e.stack ?? e.message}\n`);
  process.exitCode = 1;
});
