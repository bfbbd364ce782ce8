// The renderer's one way to the back end: the typed CalltraceClient of the contract, over
// whichever transport this page was started with. Both transports go through createClient, so
// the views cannot tell them apart and cannot call anything the contract does not name.
//
//  - Electron: the preload exposes window.calltrace = { invoke, onEvent } (IPC).
//  - Browser on the loopback bridge (`calltrace serve`): POST /api/<method> with the JSON
//    argument, events over Server-Sent Events, the session token taken from the page URL.

import type { ApiEvent, ApiEventName, ApiMethod, ApiResult, ApiTransport, CalltraceClient, ExportedFile, ImportJob } from '../../shared/api/contract.ts';
import { BRIDGE_API_PREFIX, BRIDGE_DOWNLOAD_PREFIX, BRIDGE_EVENTS_PATH, BRIDGE_UPLOAD_PATH, createClient } from '../../shared/api/contract.ts';
import { parseEvent, tokenFromUrl } from './wire.ts';

/** What electron/preload exposes through contextBridge (exactly the contract, nothing else). */
export interface PreloadApi {
  invoke(method: ApiMethod, args: unknown): Promise<ApiResult<unknown>>;
  onEvent(listener: (e: ApiEvent) => void): (() => void) | void;
  /** Electron ≥ 32 removed File.path; the preload may offer webUtils.getPathForFile instead. */
  pathForFile?(file: File): string;
}

declare global {
  interface Window {
    calltrace?: PreloadApi;
  }
}

export type TransportKind = 'ipc' | 'http';

export interface ClientHandle {
  client: CalltraceClient;
  kind: TransportKind;
  /**
   * Imports browser File objects. On the bridge the file is posted as the raw request body
   * straight from disk (a 1 GB capture is never copied into the JS heap); over IPC, a dropped
   * file with a real path is imported by path, else its bytes are sent.
   */
  importFiles(files: readonly File[]): Promise<Array<ApiResult<ImportJob> & { file: string }>>;
  /** Connection state of the event stream (the bridge's SSE); IPC is always 'open'. */
  onConnection(listener: (state: 'open' | 'reconnecting') => void): () => void;
  /**
   * Fetches an exported file into the browser's downloads (the bridge's one-time
   * downloadId). Over IPC the main process has already saved it: nothing to do.
   */
  download(file: ExportedFile): void;
}

// ---- Electron (IPC) ---------------------------------------------------------------------

function ipcHandle(api: PreloadApi): ClientHandle {
  const transport: ApiTransport = (method, args) => api.invoke(method, args);
  const listeners = new Set<(e: ApiEvent) => void>();
  // One preload subscription shared by every view: the preload listener is never re-added.
  api.onEvent((e) => {
    for (const l of [...listeners]) l(e);
  });
  const client = createClient(transport, (l) => {
    listeners.add(l);
    return () => void listeners.delete(l);
  });
  return {
    client,
    kind: 'ipc',
    async importFiles(files) {
      const withPath = files.map((f) => ({ f, path: pathOf(api, f) }));
      const out: Array<ApiResult<ImportJob> & { file: string }> = [];
      const byPath = withPath.filter((x) => x.path);
      if (byPath.length) {
        const r = await client.importPaths({ paths: byPath.map((x) => x.path!) });
        out.push({ ...r, file: byPath.map((x) => x.f.name).join(', ') });
      }
      for (const { f } of withPath.filter((x) => !x.path)) {
        const r = await client.importUpload({ name: f.name, data: new Uint8Array(await f.arrayBuffer()) });
        out.push({ ...r, file: f.name });
      }
      return out;
    },
    onConnection(listener) {
      listener('open');
      return () => {};
    },
    download() {
      // Saved by the main process where the user chose in its save dialog.
    },
  };
}

function pathOf(api: PreloadApi, f: File): string | null {
  try {
    const p = api.pathForFile?.(f) ?? (f as File & { path?: string }).path;
    return typeof p === 'string' && p.length > 0 ? p : null;
  } catch {
    return null;
  }
}

// ---- Browser on the loopback bridge (HTTP + SSE) ----------------------------------------

export const TOKEN_HEADER = 'x-calltrace-token';

function networkError(method: string, e: unknown): ApiResult<never> {
  return { ok: false, error: { code: 'unreachable', message: `The calltrace back end did not answer ${method} (${e instanceof Error ? e.message : String(e)}). Is \`calltrace serve\` still running?` } };
}

async function readResult(res: Response, method: string): Promise<ApiResult<unknown>> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // Not JSON: fall through with the HTTP status as the message.
  }
  if (body && typeof body === 'object' && 'ok' in body) return body as ApiResult<unknown>;
  if (res.status === 401 || res.status === 403)
    return { ok: false, error: { code: 'unauthorized', message: 'The back end refused this page: open the exact URL `calltrace serve` printed (it carries the session token).' } };
  return { ok: false, error: { code: 'http_' + res.status, message: `${method}: HTTP ${res.status} ${res.statusText}` } };
}

function httpHandle(base: URL, token: string | null): ClientHandle {
  const headers = (extra: Record<string, string>): Record<string, string> => {
    const h: Record<string, string> = { ...extra };
    // The bridge also set an HttpOnly cookie when this page loaded with ?token=; the header
    // keeps calls working if the cookie is refused (e.g. storage blocked). Same-origin, loopback.
    if (token) h[TOKEN_HEADER] = token;
    return h;
  };
  const apiUrl = (path: string): URL => new URL(path.replace(/^\//, ''), base);

  const post = async (method: ApiMethod, body: BodyInit | undefined, contentType: string, query = ''): Promise<ApiResult<unknown>> => {
    try {
      const res = await fetch(apiUrl(`${method === 'importUpload' ? BRIDGE_UPLOAD_PATH : BRIDGE_API_PREFIX + method}${query}`), {
        method: 'POST',
        headers: headers({ 'Content-Type': contentType }),
        body,
        credentials: 'same-origin',
        cache: 'no-store',
      });
      return await readResult(res, method);
    } catch (e) {
      return networkError(method, e);
    }
  };

  const transport: ApiTransport = (method, args) => {
    if (method === 'importUpload') {
      // Captures are binary: the contract's Uint8Array travels as the raw body (BRIDGE_UPLOAD_PATH).
      const a = args as { name: string; data: Uint8Array<ArrayBuffer> };
      return post(method, new Blob([a.data]), 'application/octet-stream', `?name=${encodeURIComponent(a.name)}`);
    }
    // Void methods send an empty body (the bridge's convention), the others their JSON argument.
    return post(method, args === undefined ? undefined : JSON.stringify(args), 'application/json');
  };

  // One EventSource for the page; EventSource reconnects by itself after a drop, and we tell
  // the views so they can re-query what they may have missed.
  const listeners = new Set<(e: ApiEvent) => void>();
  const connListeners = new Set<(s: 'open' | 'reconnecting') => void>();
  let connState: 'open' | 'reconnecting' = 'reconnecting';
  const setConn = (s: 'open' | 'reconnecting'): void => {
    if (s === connState) return;
    connState = s;
    for (const l of [...connListeners]) l(s);
  };
  const deliver = (e: ApiEvent): void => {
    for (const l of [...listeners]) l(e);
  };
  const eventsUrl = apiUrl(BRIDGE_EVENTS_PATH);
  // EventSource cannot send headers: the bridge's cookie authenticates it, and the query token
  // is a fallback for when the cookie was not stored.
  if (token) eventsUrl.searchParams.set('token', token);
  let source: EventSource | null = null;
  const open = (): void => {
    if (source || typeof EventSource === 'undefined') return;
    source = new EventSource(eventsUrl, { withCredentials: true });
    source.onopen = () => setConn('open');
    source.onerror = () => setConn('reconnecting');
    // Unnamed messages carry a whole ApiEvent; named ones ('event: importProgress') carry the payload.
    source.onmessage = (m) => {
      const e = parseEvent(m.data, null);
      if (e) deliver(e);
    };
    for (const name of ['importProgress', 'libraryChanged'] as const satisfies readonly ApiEventName[]) {
      source.addEventListener(name, (m) => {
        const e = parseEvent((m as MessageEvent<string>).data, name);
        if (e) deliver(e);
      });
    }
  };

  const client = createClient(transport, (l) => {
    listeners.add(l);
    open();
    return () => void listeners.delete(l);
  });

  return {
    client,
    kind: 'http',
    async importFiles(files) {
      const out: Array<ApiResult<ImportJob> & { file: string }> = [];
      // One upload at a time: the bridge imports sequentially anyway, and parallel multi-GB
      // bodies would only compete for the same disk.
      for (const f of files) {
        const r = (await post('importUpload', f, 'application/octet-stream', `?name=${encodeURIComponent(f.name)}`)) as ApiResult<ImportJob>;
        out.push({ ...r, file: f.name });
      }
      return out;
    },
    onConnection(listener) {
      connListeners.add(listener);
      open();
      listener(connState);
      return () => void connListeners.delete(listener);
    },
    download(file) {
      if (file.downloadId === null) return;
      // A plain same-origin link: the browser's own download (Content-Disposition: attachment),
      // streamed to disk, never through the JS heap. The HttpOnly cookie set at page load
      // carries the token; the token is not put in this URL, which lands in the downloads list.
      const a = document.createElement('a');
      a.href = apiUrl(BRIDGE_DOWNLOAD_PREFIX + encodeURIComponent(file.downloadId)).href;
      a.download = file.name;
      a.rel = 'noopener';
      document.body.appendChild(a);
      a.click();
      a.remove();
    },
  };
}

// ---- choosing ---------------------------------------------------------------------------

/** Picks the transport once, at start: the preload's object means Electron. */
export function connect(win: Window = window): ClientHandle {
  if (win.calltrace && typeof win.calltrace.invoke === 'function') return ipcHandle(win.calltrace);
  const href = win.location.href;
  return httpHandle(new URL('./', href), tokenFromUrl(href));
}
