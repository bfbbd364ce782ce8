// The preload (sandboxed, context-isolated): exposes exactly the API contract to the page as
// window.calltrace = { invoke, onEvent, pathForFile } — the PreloadApi renderer/api/client.ts
// expects. Method names are checked against API_METHODS here too, so the page cannot reach
// any other IPC channel even if main registered one. Bundled to CommonJS (sandboxed preloads
// cannot import modules), see build/build_electron.ts.

import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { API_METHODS, IPC_EVENT_CHANNEL, IPC_INVOKE_PREFIX, type ApiEvent, type ApiMethod, type ApiResult } from '../../shared/api/contract.ts';

const methods: readonly string[] = API_METHODS;

const api = {
  invoke(method: ApiMethod, args: unknown): Promise<ApiResult<unknown>> {
    if (typeof method !== 'string' || !methods.includes(method)) {
      return Promise.resolve({ ok: false, error: { code: 'bad_request', message: `no API method ${String(method)}` } });
    }
    return ipcRenderer.invoke(IPC_INVOKE_PREFIX + method, args) as Promise<ApiResult<unknown>>;
  },
  onEvent(listener: (e: ApiEvent) => void): () => void {
    // The IPC event object stays here: it would hand the page ipcRenderer's sender.
    const relay = (_e: unknown, payload: ApiEvent): void => listener(payload);
    ipcRenderer.on(IPC_EVENT_CHANNEL, relay);
    return () => void ipcRenderer.removeListener(IPC_EVENT_CHANNEL, relay);
  },
  /** A dropped file's path (Electron ≥ 32 removed File.path). */
  pathForFile(file: Parameters<typeof webUtils.getPathForFile>[0]): string {
    return webUtils.getPathForFile(file);
  },
};

contextBridge.exposeInMainWorld('calltrace', api);
