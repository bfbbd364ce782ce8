// One back end over one library file, the same for `calltrace serve`, the Electron main
// process and the tests: the query connection, the ingest worker (writes), the event hub
// and the handlers of the contract.

import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ApiHandlers } from '../../../shared/api/contract.ts';
import { openIndex, useNativeBinding, type IndexStore } from '../store/index_store.ts';
import type { ExportTarget } from '../export/export_target.ts';
import { DownloadStore } from './download_store.ts';
import { EventHub } from './event_hub.ts';
import { createHandlers, createUploadStaging, storedSettings, type SettingsHolder, type UploadStaging } from './handlers.ts';
import { ImportController } from './import_controller.ts';
import { LEG_LINKS_PENDING_KEY } from '../ingest/stored_legs.ts';

export interface Backend {
  readonly dbPath: string;
  readonly store: IndexStore;
  readonly events: EventHub;
  readonly imports: ImportController;
  readonly handlers: ApiHandlers;
  readonly uploads: UploadStaging;
  /** `serve`'s exported files waiting for the browser (null when exports go through a save dialog). */
  readonly downloads: DownloadStore | null;
  close(): Promise<void>;
}

export interface BackendOptions {
  dbPath: string;
  tempDir?: string;
  workerUrl?: URL;
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
  // Opening here runs the migrations before the worker connects, so it never migrates.
  useNativeBinding(o.nativeBinding);
  const store = openIndex(o.dbPath);
  const events = new EventHub();
  const imports = new ImportController({ dbPath: o.dbPath, events, workerUrl: o.workerUrl, nativeBinding: o.nativeBinding });
  const settings: SettingsHolder = { current: storedSettings(store) };
  const downloads = o.exportTarget ? null : new DownloadStore({ parent: o.tempDir });
  const ctx = { store, imports, events, settings, tempDir: o.tempDir, exports: o.exportTarget ?? downloads ?? undefined };
  const handlers = createHandlers(ctx);
  // An index from before leg links were stored: its calls are linked in the worker, in the
  // background (the UI refreshes on the libraryChanged that follows).
  if (store.settings.get(LEG_LINKS_PENDING_KEY) !== null) void imports.relinkPending().catch(() => undefined);
  return {
    dbPath: o.dbPath,
    store,
    events,
    imports,
    handlers,
    uploads: createUploadStaging(ctx),
    downloads,
    async close() {
      downloads?.close();
      await imports.close();
      store.close();
    },
  };
}
