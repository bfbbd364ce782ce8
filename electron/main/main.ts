// The Electron main process: app lifecycle, the window, menus, dialogs, and IPC registered
// from the contract. Deliberately thin — everything it calls (back end, IPC registration,
// argv parsing, the native-module choice) lives in electron/node and is tested in plain
// Node, because there is no Electron binary on the build machines (toolchain.md).
//
// This process holds no SQLite connection once the back end has started: every API call is
// answered by the query worker thread (its own connection) and every write — imports above
// all — runs in the ingest worker thread, so the window never waits on a query or on a
// capture being read (backend.ts, query_client.ts).
//
// Security: contextIsolation + sandbox, no nodeIntegration, the page only from our own
// files with a strict CSP, no navigation, no new windows, no permissions, and every IPC
// call checked to come from our own index.html.

import { app, BrowserWindow, dialog, ipcMain, Menu, session, shell, type MenuItemConstructorOptions } from 'electron';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { IPC_EVENT_CHANNEL } from '../../shared/api/contract.ts';
import { openBackend, type Backend } from '../node/api/backend.ts';
import { CONTENT_SECURITY_POLICY } from '../node/api/csp.ts';
import { appPageCheck, registerApiIpc } from '../node/api/ipc_registration.ts';
import { dialogExportTarget, type SaveDialog } from '../node/export/export_target.ts';
import { filesFromArgv, parseAppArgs, CAPTURE_EXTENSIONS } from '../node/api/app_args.ts';
import { resolveNativeBinding } from '../node/store/native_binding.ts';

// The bundle is out/electron/main.mjs in the checkout and in app.asar alike: the app's root
// is two levels up (app.getAppPath() would name out/electron when started as `electron out/electron/main.mjs`).
const appRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const indexHtml = join(appRoot, 'dist', 'renderer', 'index.html');
const preload = join(appRoot, 'out', 'electron', 'preload.cjs');
const workerUrl = pathToFileURL(join(appRoot, 'out', 'electron', 'ingest_worker.mjs'));
const queryWorkerUrl = pathToFileURL(join(appRoot, 'out', 'electron', 'query_worker.mjs'));

let backend: Backend | null = null;
let window: BrowserWindow | null = null;
/** Files named before the back end was ready (macOS open-file arrives before 'ready'). */
const pendingFiles: string[] = [];

function importPaths(paths: string[]): void {
  if (paths.length === 0) return;
  if (!backend) {
    for (const p of paths) pendingFiles.push(p);
    return;
  }
  void backend.handlers.importPaths({ paths }).catch((e: Error) => dialog.showErrorBox('calltrace', e.message));
  app.addRecentDocument(paths[0]);
}

async function openDialog(): Promise<void> {
  const r = await dialog.showOpenDialog({
    title: 'Open captures, CDR exports or agent events',
    properties: ['openFile', 'multiSelections'],
    filters: [
      { name: 'Captures, CDR and events', extensions: [...CAPTURE_EXTENSIONS, 'csv', 'json', 'jsonl'] },
      { name: 'All files', extensions: ['*'] },
    ],
  });
  if (!r.canceled) importPaths(r.filePaths);
}

/** Linux and Windows dialogs pick files or folders, not both: folders have their own entry. */
async function openFolderDialog(): Promise<void> {
  const r = await dialog.showOpenDialog({ title: 'Open a folder (everything in it is imported)', properties: ['openDirectory', 'multiSelections'] });
  if (!r.canceled) importPaths(r.filePaths);
}

/**
 * The Export… action's save dialog, shown here in the main process: the page asks for an
 * export of call ids and never names a path (exportCalls, export_target.ts).
 */
const saveDialog: SaveDialog = async ({ title, defaultName, filters }) => {
  const options = { title, defaultPath: join(app.getPath('downloads'), defaultName), filters, properties: ['showOverwriteConfirmation' as const, 'createDirectory' as const] };
  const r = window ? await dialog.showSaveDialog(window, options) : await dialog.showSaveDialog(options);
  return r.canceled || !r.filePath ? null : r.filePath;
};

async function buildMenu(): Promise<void> {
  const recent = backend ? await backend.handlers.recentFiles() : [];
  const template: MenuItemConstructorOptions[] = [
    {
      label: 'File',
      submenu: [
        { label: 'Open…', accelerator: 'CmdOrCtrl+O', click: () => void openDialog() },
        { label: 'Open Folder…', accelerator: 'CmdOrCtrl+Shift+O', click: () => void openFolderDialog() },
        {
          label: 'Open Recent',
          enabled: recent.length > 0,
          submenu: recent.map((p) => ({ label: p, click: () => importPaths([p]) })),
        },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

function createWindow(): BrowserWindow {
  const w = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'calltrace',
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  // No navigation away from our page and no new windows; links open in the user's browser.
  w.webContents.on('will-navigate', (e) => e.preventDefault());
  w.webContents.on('will-redirect', (e) => e.preventDefault());
  w.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  void w.loadFile(indexHtml);
  w.on('closed', () => {
    if (window === w) window = null;
  });
  return w;
}

function lockDownSession(): void {
  const s = session.defaultSession;
  // The CSP rides on every response (file:// included), so no page of ours runs without it.
  s.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  // No remote content: only our own files load.
  s.webRequest.onBeforeRequest((details, callback) => {
    const ok = details.url.startsWith('file://') || details.url.startsWith('devtools://') || details.url.startsWith('data:') || details.url.startsWith('blob:');
    callback({ cancel: !ok });
  });
  s.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
}

async function start(): Promise<void> {
  const args = parseAppArgs(process.argv.slice(app.isPackaged ? 1 : 2));
  const binding = resolveNativeBinding({ packaged: app.isPackaged, resourcesPath: process.resourcesPath, appRoot, abi: process.versions.modules });
  if ('error' in binding) {
    dialog.showErrorBox('calltrace cannot open its library', binding.error);
    app.exit(1);
    return;
  }
  backend = openBackend({ dbPath: args.db ?? join(app.getPath('userData'), 'library.db'), workerUrl, queryWorkerUrl, nativeBinding: binding.path, exportTarget: dialogExportTarget(saveDialog) });
  const b = backend;
  registerApiIpc(ipcMain, b.handlers, appPageCheck(indexHtml));
  b.events.subscribe((e) => {
    for (const w of BrowserWindow.getAllWindows()) w.webContents.send(IPC_EVENT_CHANNEL, e);
    if (e.name === 'libraryChanged') void buildMenu();
  });
  lockDownSession();
  await buildMenu();
  window = createWindow();
  importPaths([...args.files, ...pendingFiles.splice(0)]);
}

if (!app.requestSingleInstanceLock()) {
  // A second launch (double-clicked capture) hands its files to the first instance.
  app.quit();
} else {
  app.on('second-instance', (_e, argv, workingDirectory) => {
    importPaths(filesFromArgv(argv.slice(app.isPackaged ? 1 : 2), workingDirectory));
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    }
  });
  // macOS file association / Dock drop.
  app.on('open-file', (e, path) => {
    e.preventDefault();
    importPaths([path]);
  });
  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-attach-webview', (ev) => ev.preventDefault());
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (!window && backend) window = createWindow();
  });
  app.on('will-quit', () => {
    void backend?.close();
  });
  app.whenReady().then(start, (e: Error) => {
    dialog.showErrorBox('calltrace', e.message);
    app.exit(1);
  });
}
