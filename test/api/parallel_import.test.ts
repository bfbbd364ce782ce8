// The app's import queue with a job of several captures: the ingest worker hands them to the
// parallel pool (electron/node/ingest/import_pool.ts). Through the real back end (SQLite file,
// ingest worker, pool workers): one progress line per file from start to end, each file's
// own result, and a cancel that stops every file of the job and keeps nothing of it.

import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvent, ImportProgress } from '../../shared/api/contract.ts';
import { DEFAULT_SETTINGS } from '../../shared/model/verdict.ts';
import { generateCapture, type GeneratorResult } from '../bench/capture_generator.ts';
import { startBackend, waitForEvent, type TestBackend } from './support.ts';

let t: TestBackend;
const caps: Array<{ path: string; gen: GeneratorResult }> = [];

beforeAll(async () => {
  t = await startBackend();
  for (let i = 0; i < 3; i++) {
    const path = join(t.dir, `par-${i}.pcap`);
    // Distinct sizes (equal sizes share one worker) and distinct seeds.
    caps.push({ path, gen: generateCapture({ out: path, targetBytes: 700_000 + 200_000 * i, seed: 70 + i, concurrentCalls: 5, durationScale: 0.3 }) });
  }
});
afterAll(async () => {
  await t.cleanup();
});

const progressOf = (jobId: string) => t.events.filter((e): e is ApiEvent & { name: 'importProgress'; payload: ImportProgress } => e.name === 'importProgress' && e.payload.jobId === jobId).map((e) => e.payload);

describe('app import of several captures at once', () => {
  it('imports each file whole, with a progress line per file from running to done', async () => {
    const job = await t.backend.handlers.importPaths({ paths: caps.map((c) => c.path) });
    await t.backend.imports.idle();
    const events = progressOf(job.jobId);
    caps.forEach((c, i) => {
      const mine = events.filter((p) => p.fileIndex === i);
      expect(mine[0], c.path).toMatchObject({ state: 'running', fileCount: 3 });
      expect(mine.at(-1), c.path).toMatchObject({ state: 'done', packets: c.gen.packets, callsFound: c.gen.calls, message: null });
      expect(mine.at(-1)!.sourceId).not.toBeNull();
    });
    const sources = await t.backend.handlers.listSources();
    for (const c of caps) {
      const s = sources.find((x) => x.path === c.path);
      expect(s, c.path).toMatchObject({ status: 'ok', packets: c.gen.packets, calls: c.gen.calls });
    }
  });

  it('cancels every file of a running job and keeps nothing of it', async () => {
    for (const s of await t.backend.handlers.listSources()) await t.backend.imports.removeSource(s.id, DEFAULT_SETTINGS);
    // Another connection holds the write lock: both workers are certainly still importing
    // (waiting at their first commit) when the cancel arrives.
    const lock = new Database(join(t.dir, 'library.db'));
    lock.exec('BEGIN IMMEDIATE');
    let jobId: string;
    try {
      jobId = (await t.backend.handlers.importPaths({ paths: [caps[0].path, caps[1].path] })).jobId;
      for (const i of [0, 1]) await waitForEvent(t.events, (e) => e.name === 'importProgress' && e.payload.jobId === jobId && e.payload.fileIndex === i && e.payload.state === 'running');
      expect(t.backend.imports.cancelImport(jobId)).toBe(true);
    } finally {
      lock.exec('ROLLBACK');
      lock.close();
    }
    await t.backend.imports.idle();
    const events = progressOf(jobId);
    for (const i of [0, 1]) expect(events.filter((p) => p.fileIndex === i).at(-1)).toMatchObject({ state: 'cancelled', sourceId: null });
    expect(await t.backend.handlers.listSources()).toEqual([]);
  });
});
