// Shared set-up for the API tests: a real back end (SQLite file, ingest worker) in a temp
// directory, with the fixture captures imported through the worker like the app does it.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ApiEvent } from '../../shared/api/contract.ts';
import { openBackend, type Backend } from '../../electron/node/api/backend.ts';
import { expandPaths } from '../../electron/node/api/handlers.ts';

export const CAPTURES = resolve(import.meta.dirname, '../fixtures/captures');

export interface TestBackend {
  dir: string;
  backend: Backend;
  events: ApiEvent[];
  cleanup(): Promise<void>;
}

export function tempDir(prefix = 'calltrace-api-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function startBackend(opts: { importFixtures?: boolean; dir?: string } = {}): Promise<TestBackend> {
  const t = opts.dir ? { dir: opts.dir, cleanup: () => undefined } : tempDir();
  const backend = openBackend({ dbPath: join(t.dir, 'library.db'), tempDir: t.dir });
  const events: ApiEvent[] = [];
  backend.events.subscribe((e) => events.push(e));
  if (opts.importFixtures) {
    await backend.handlers.importPaths({ paths: [CAPTURES] });
    await backend.imports.idle();
  }
  return {
    dir: t.dir,
    backend,
    events,
    async cleanup() {
      await backend.close();
      t.cleanup();
    },
  };
}

export const fixtureFiles = (): string[] => expandPaths([CAPTURES]);

/** Resolves when an event matching `pred` has arrived (looking at those already seen too). */
export function waitForEvent(events: ApiEvent[], pred: (e: ApiEvent) => boolean, timeoutMs = 30_000): Promise<ApiEvent> {
  return new Promise((res, rej) => {
    const start = Date.now();
    const tick = (): void => {
      const hit = events.find(pred);
      if (hit) return res(hit);
      if (Date.now() - start > timeoutMs) return rej(new Error('event did not arrive'));
      setTimeout(tick, 10);
    };
    tick();
  });
}
