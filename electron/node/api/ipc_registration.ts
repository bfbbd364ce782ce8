// Electron IPC, generated from the contract: one `ipcMain.handle('calltrace:<method>')` per
// API method, each checking that the call comes from our own page before running the
// handler, and answering with a result value (errors included) like the bridge does.
//
// Written against a small interface instead of electron's ipcMain, so it runs and is tested
// in plain Node; main.ts passes the real ipcMain (structurally compatible).

import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { API_METHODS, IPC_INVOKE_PREFIX, type ApiHandlers, type ApiMethod, type ApiResult } from '../../../shared/api/contract.ts';
import { invokeHandler } from './api_error.ts';

/** What a handler needs to know about the caller (Electron's IpcMainInvokeEvent has it). */
export interface IpcInvokeEventLike {
  senderFrame: { url: string } | null;
}

/** The part of Electron's ipcMain the registration uses. */
export interface IpcRegistrar {
  handle(channel: string, listener: (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

/**
 * A sender check accepting only our app's page: a file: URL of exactly this index.html
 * (query and hash ignored). A navigated-away frame, an iframe or a remote page are refused.
 */
export function appPageCheck(indexHtml: string): (url: string) => boolean {
  const expected = resolve(indexHtml);
  return (url) => {
    try {
      const u = new URL(url);
      return u.protocol === 'file:' && u.host === '' && resolve(fileURLToPath(u)) === expected;
    } catch {
      return false;
    }
  };
}

/** Registers every method; returns a function that removes them again (window reload, tests). */
export function registerApiIpc(
  ipc: IpcRegistrar,
  handlers: ApiHandlers,
  isTrustedSender: (url: string) => boolean,
  methods: readonly ApiMethod[] = API_METHODS,
): () => void {
  const channels: string[] = [];
  for (const method of methods) {
    const channel = IPC_INVOKE_PREFIX + method;
    ipc.handle(channel, async (event, args): Promise<ApiResult<unknown>> => {
      const url = event.senderFrame?.url ?? '';
      if (!isTrustedSender(url)) return { ok: false, error: { code: 'forbidden', message: `refused ${method} from ${url || 'an unknown frame'}` } };
      return invokeHandler(handlers, method, args);
    });
    channels.push(channel);
  }
  return () => {
    for (const c of channels) ipc.removeHandler(c);
  };
}
