// One back end over one library file, the same for `calltrace serve`, the Electron main
// process and the tests: the query worker (reads: every handler of the contract runs there),
// the ingest worker (writes), the event hub, upload staging and serve's downloads.
//
// The calling thread opens the library once, to migrate it and read what start-up needs,
// and closes it again before the workers connect: afterwards it holds no SQLite connection,
// so nothing it does (Electron's window, serve's event stream) ever waits on a query.

import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ApiHandlers } from '../../../shared/api/contract.ts';
import { restoreAfterRecovery } from '../ingest/cdr_orphans.ts';
import { openIndex, useNativeBinding, type RecoveredSource } from '../store/index_store.ts';
import type { ExportTarget } from '../export/export_target.ts';
import { DownloadStore } from './download_store.ts';
import { EventHub } from './event_hub.ts';
import { createUploadStaging, storedSettings, type SettingsHolder, type UploadStaging } from './handlers.ts';
import { ImportController } from './import_controller.ts';
import { LEG_LINKS_PENDING_KEY } from '../ingest/stored_legs.ts';
import { QueryClient } from './query_client.ts';

export interface Backend {
  readonly dbPath: string;
  /** Unfinished imports of an earlier run, removed when the library was opened (serve says so). */
  readonly recovered: readonly RecoveredSource[];
  readonly events: EventHub;
  readonly imports: ImportController;
  /** The contract's handlers, each call answered by the query worker. */
  readonly handlers: ApiHandlers;
  /** The query worker's client (tests kill its worker; `failures` counts restarts). */
  readonly queries: QueryClient;
  readonly uploads: UploadStaging;
  /** `serve`'s exported files waiting for the browser (null when exports go through a save dialog). */
  readonly downloads: DownloadStore | null;
  close(): Promise<void>;
}

export interface BackendOptions {
  dbPath: string;
  tempDir?: string;
  workerUrl?: URL;
  /** The query worker's module; defaults to defaultQueryWorkerUrl() (tests host a variant). */
  queryWorkerUrl?: URL;
  /** Where a query worker's death is reported; default stderr. */
  log?: (line: string) => void;
  /** better-sqlite3 addon built for this runtime (Electron's ABI); npm's build when absent. */
  nativeBinding?: string;
  /**
   * Where the Export… action writes: the desktop app passes its save dialog
   * (dialogExportTarget); absent, exports become one-time downloads (`serve`, tests).
   */
  exportTarget?: ExportTarget;
}

/**
 * The default library: $XDG_DATA_HOME/calltrace/library.db (Linux), the platform's
 * application-data folder elsewhere. Electron uses app.getPath('userData') instead.
 */
export function defaultLibraryPath(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'calltrace', 'library.db');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'calltrace', 'library.db');
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'calltrace', 'library.db');
}

export function openBackend(o: BackendOptions): Backend {
  // The worker opens its own connection to the same file: an in-memory index cannot be shared.
  if (o.dbPath === ':memory:' || o.dbPath === '') throw new Error('the app needs a library file (--db PATH), not an in-memory index');
  mkdirSync(dirname(o.dbPath), { recursive: true });
  // Opening here runs the migrations before the workers connect, so they never migrate. The
  // connection is closed again at once: the main thread keeps none (see the top).
  useNativeBinding(o.nativeBinding);
  const store = openIndex(o.dbPath);
  let recovered: readonly RecoveredSource[];
  let settings: SettingsHolder;
  let legLinksPending: boolean;
  try {
    recovered = store.recovered;
    settings = { current: storedSettings(store) };
    legLinksPending = store.settings.get(LEG_LINKS_PENDING_KEY) !== null;
    // Before any worker connects: the CDR rows that had joined a removed partial source's calls.
    restoreAfterRecovery(store, settings.current);
  } finally {
    store.close();
  }
  const events = new EventHub();
  const imports = new ImportController({ dbPath: o.dbPath, events, workerUrl: o.workerUrl, nativeBinding: o.nativeBinding });
  const downloads = o.exportTarget ? null : new DownloadStore({ parent: o.tempDir });
  const queries = new QueryClient({
    dbPath: o.dbPath, nativeBinding: o.nativeBinding, tempDir: o.tempDir, workerUrl: o.queryWorkerUrl, log: o.log,
    imports, events, settings, exports: o.exportTarget ?? downloads ?? undefined,
  });
  // An index from before leg links were stored: its calls are linked in the ingest worker, in
  // the background (the views refresh on the libraryChanged that follows).
  if (legLinksPending) void imports.relinkPending().catch(() => undefined);
  return {
    dbPath: o.dbPath,
    recovered,
    events,
    imports,
    handlers: queries.handlers,
    queries,
    // Uploads are staged here, where the bridge streams them to disk, and queued directly.
    uploads: createUploadStaging({ imports, settings, tempDir: o.tempDir }),
    downloads,
    async close() {
      await queries.close();
      downloads?.close();
      await imports.close();
    },
  };
}
