// IPC registration from the contract, with a fake ipcMain: every method gets its channel,
// only our own page may call, and errors come back as values.

import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { API_METHODS, IPC_INVOKE_PREFIX, type ApiHandlers } from '../../shared/api/contract.ts';
import { ApiFailure } from '../../electron/node/api/api_error.ts';
import { appPageCheck, registerApiIpc, type IpcInvokeEventLike, type IpcRegistrar } from '../../electron/node/api/ipc_registration.ts';

type Listener = (event: IpcInvokeEventLike, ...args: unknown[]) => Promise<unknown>;

class FakeIpcMain implements IpcRegistrar {
  readonly channels = new Map<string, Listener>();
  handle(channel: string, listener: Listener): void {
    if (this.channels.has(channel)) throw new Error(`second handler for ${channel}`);
    this.channels.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.channels.delete(channel);
  }
  call(channel: string, url: string | null, args?: unknown): Promise<unknown> {
    return this.channels.get(channel)!({ senderFrame: url === null ? null : { url } }, args);
  }
}

const INDEX = '/opt/calltrace/resources/app.asar/dist/renderer/index.html';
const PAGE = pathToFileURL(INDEX).href;

function fakeHandlers(calls: string[]): ApiHandlers {
  const h: Record<string, (a: unknown) => Promise<unknown>> = {};
  for (const m of API_METHODS) {
    h[m] = async (a) => {
      calls.push(m);
      if (m === 'getCall') throw new ApiFailure('not_found', 'there is no call #7');
      if (m === 'getSource') throw new Error('boom');
      return { method: m, args: a };
    };
  }
  return h as unknown as ApiHandlers;
}

describe('registerApiIpc', () => {
  it('registers exactly one channel per contract method and removes them again', () => {
    const ipc = new FakeIpcMain();
    const dispose = registerApiIpc(ipc, fakeHandlers([]), appPageCheck(INDEX));
    expect([...ipc.channels.keys()].sort()).toEqual(API_METHODS.map((m) => IPC_INVOKE_PREFIX + m).sort());
    dispose();
    expect(ipc.channels.size).toBe(0);
  });

  it('runs the handler for our page and wraps its result or error as a value', async () => {
    const calls: string[] = [];
    const ipc = new FakeIpcMain();
    registerApiIpc(ipc, fakeHandlers(calls), appPageCheck(INDEX));
    expect(await ipc.call('calltrace:queryCalls', PAGE, { offset: 0, limit: 1 })).toEqual({ ok: true, value: { method: 'queryCalls', args: { offset: 0, limit: 1 } } });
    expect(await ipc.call('calltrace:queryCalls', PAGE + '#/calls/3?x=1', {})).toMatchObject({ ok: true });
    expect(await ipc.call('calltrace:getCall', PAGE, { id: 7 })).toEqual({ ok: false, error: { code: 'not_found', message: 'there is no call #7' } });
    expect(await ipc.call('calltrace:getSource', PAGE, { id: 7 })).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(calls).toEqual(['queryCalls', 'queryCalls', 'getCall', 'getSource']);
  });

  it('refuses every other sender without running the handler', async () => {
    const calls: string[] = [];
    const ipc = new FakeIpcMain();
    registerApiIpc(ipc, fakeHandlers(calls), appPageCheck(INDEX));
    for (const url of [null, '', 'https://evil.example/', 'http://127.0.0.1:8080/', pathToFileURL('/tmp/evil/index.html').href, 'file://evil.example' + INDEX, 'devtools://devtools/bundled/index.html', 'data:text/html,hi']) {
      expect(await ipc.call('calltrace:removeSource', url, { id: 1 }), String(url)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    expect(calls).toEqual([]);
  });
});
