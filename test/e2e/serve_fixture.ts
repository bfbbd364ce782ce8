// Starts the real `calltrace serve` on a fresh temporary index and hands the tests its URL
// (with the token) — the same command a user runs, on loopback only.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test as base } from '@playwright/test';

export const REPO = resolve(import.meta.dirname, '../..');
export const FIXTURES = join(REPO, 'test/fixtures/captures');
export const SHOTS = join(REPO, 'test-results/screenshots');

export interface Served {
  url: string;
  origin: string;
  token: string;
}

/** Starts serve on `db` (default: a fresh index in a temp dir, removed at stop). */
export async function startServe(args: string[] = [], db?: string): Promise<{ served: Served; stop: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'calltrace-e2e-'));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'electron/node/cli/main.ts'), 'serve', '--db', db ?? join(dir, 'library.db'), ...args], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error(`serve printed no URL in 60 s; stderr: ${err}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\S*token=\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res(m[1]);
      }
    });
    child.on('exit', (code) => rej(new Error(`serve exited (${code}); stderr: ${err}`)));
  });
  const u = new URL(url);
  return {
    served: { url, origin: u.origin, token: u.searchParams.get('token') ?? '' },
    stop: () => {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A test with a `serve` per Playwright worker: it lives as long as the worker, which runs test
 * files one after another, so a file may find what earlier files imported. A test that needs
 * an empty library starts a serve of its own (see dashboard.e2e.ts).
 */
export const test = base.extend<object, { served: Served }>({
  served: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const s = await startServe();
      await use(s.served);
      s.stop();
    },
    { scope: 'worker' },
  ],
});
export { expect } from '@playwright/test';
