// The parallel import (electron/node/ingest/import_pool.ts) on its own: worker threads of this
// process, each with its own connection to one real SQLite file, importing generated
// captures. What it promises beyond "the same result as one after another" (tested on the
// command line, test/cli/parallel_cli.test.ts): results in input order, progress per file,
// cancellation, a bad file failing alone, and crash safety across threads — the cleanup of
// unfinished imports that each worker runs when it opens the index is keyed by process, and
// must leave the in-flight sources of the other threads of this process alone.

import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importWithPool, groupBySize, type PoolProgress } from '../../electron/node/ingest/import_pool.ts';
import { restoreDuplicateOrder } from '../../electron/node/ingest/duplicate_order.ts';
import { importFile, type AnyOutcome } from '../../electron/node/ingest/import_file.ts';
import { importPath } from '../../electron/node/ingest/import_archive.ts';
import { openIndex } from '../../electron/node/store/index_store.ts';
import { generateCapture, type GeneratorResult } from '../bench/capture_generator.ts';

const dir = mkdtempSync(join(tmpdir(), 'calltrace-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const caps: Array<{ path: string; gen: GeneratorResult }> = [];
beforeAll(() => {
  for (let i = 0; i < 3; i++) {
    const path = join(dir, `cap-${i}.pcap`);
    // Different sizes: equal sizes would be grouped into one worker (groupBySize).
    const gen = generateCapture({ out: path, targetBytes: 600_000 + i * 150_000, seed: 40 + i, concurrentCalls: 5, durationScale: 0.3, lossPct: 0.5, jitterMs: 2 });
    caps.push({ path, gen });
  }
});

let dbNo = 0;
/** A fresh index file, created and migrated on this thread first (as the callers do). */
function freshIndex(): string {
  const db = join(dir, `index-${++dbNo}.sqlite`);
  openIndex(db).close();
  return db;
}

describe('import pool', () => {
  it('imports every file whole, results in input order, a bad path failing alone, progress per file', async () => {
    const db = freshIndex();
    const missing = join(dir, 'no-such.pcap');
    const paths = [caps[2].path, missing, caps[0].path, dir, caps[1].path];
    const progress = new Map<number, PoolProgress[]>();
    const started: number[] = [];
    const ended: number[] = [];
    const results = await importWithPool(paths, {
      dbPath: db, jobs: 2,
      onStart: (i) => started.push(i),
      onProgress: (i, p) => progress.set(i, [...(progress.get(i) ?? []), p]),
      onResult: (i) => ended.push(i),
    });
    expect(results.length).toBe(paths.length);
    expect([...started].sort()).toEqual([0, 1, 2, 3, 4]);
    expect([...ended].sort()).toEqual([0, 1, 2, 3, 4]);
    const byIndex = (i: number) => results[i].result!.outcomes[0];
    for (const [i, c] of [[0, caps[2]], [2, caps[0]], [4, caps[1]]] as const) {
      expect(byIndex(i).status, paths[i]).toBe('ok');
      expect(byIndex(i).packets).toBe(c.gen.packets);
      expect(byIndex(i).calls).toBe(c.gen.calls);
      // The last progress line of a file carries its totals.
      expect(progress.get(i)!.at(-1)!.packets).toBe(c.gen.packets);
      expect(progress.get(i)!.at(-1)!.callsFound).toBe(c.gen.calls);
    }
    expect(byIndex(1)).toMatchObject({ status: 'failed', sourceId: null, error: expect.stringMatching(/cannot read the file \(ENOENT\)/) });
    expect(byIndex(3)).toMatchObject({ status: 'failed', sourceId: null });
    const store = openIndex(db);
    try {
      const sources = store.listSources();
      expect(sources.length).toBe(3);
      expect(sources.every((s) => s.status === 'ok')).toBe(true);
      expect(store.countCalls({})).toBe(caps.reduce((n, c) => n + c.gen.calls, 0));
    } finally {
      store.close();
    }
  });

  it('imports two copies of one capture in one worker, in input order: the later one is the duplicate', async () => {
    const copy = join(dir, 'copy-of-cap-0.pcap');
    copyFileSync(caps[0].path, copy);
    expect(groupBySize([caps[0].path, caps[1].path, copy])).toEqual([[0, 2], [1]]);
    const results = await importWithPool([caps[0].path, caps[1].path, copy], { dbPath: freshIndex(), jobs: 2 });
    expect(results.map((r) => r.result!.outcomes[0].status)).toEqual(['ok', 'ok', 'duplicate']);
    expect(results[2].result!.outcomes[0].sourceId).toBe(results[0].result!.outcomes[0].sourceId);
  });

  it('stops every file when the shared cancel flag names the job', async () => {
    const cancel = new SharedArrayBuffer(4);
    const flag = new Int32Array(cancel);
    Atomics.store(flag, 0, 7);
    const results = await importWithPool(caps.map((c) => c.path), { dbPath: freshIndex(), jobs: 2, cancel, cancelSeq: 7 });
    // Stopped before the first read: nothing of any file was decoded.
    results.forEach((r, i) => expect(r.result!.outcomes[0].packets, caps[i].path).toBeLessThan(caps[i].gen.packets));
    // Another job's number does not stop this one.
    const other = await importWithPool(caps.map((c) => c.path), { dbPath: freshIndex(), jobs: 2, cancel, cancelSeq: 8 });
    other.forEach((r, i) => expect(r.result!.outcomes[0].packets).toBe(caps[i].gen.packets));
  });

  it('imports on the calling thread and in a worker at once: the worker has its file before the calling thread starts', async () => {
    const db = freshIndex();
    const store = openIndex(db);
    const peek = new Database(db, { readonly: true });
    const nap = new Int32Array(new SharedArrayBuffer(4));
    let polls = 0;
    let workerSeen = false;
    try {
      const results = await importWithPool([caps[0].path, caps[1].path], {
        dbPath: db, jobs: 2,
        here: (path) => {
          // The real import on this thread is synchronous until its file is read. Block the
          // same way until the worker has begun its file (its source row): a worker started
          // only after this call returns (the old order) is never seen, and the polls run out.
          for (; polls < 400 && !workerSeen; polls++) {
            workerSeen = (peek.prepare('SELECT count(*) AS n FROM sources').get() as { n: number }).n > 0;
            if (!workerSeen) Atomics.wait(nap, 0, 0, 50);
          }
          return importPath(store, path);
        },
      });
      expect(workerSeen).toBe(true);
      expect(results.map((r) => r.result!.outcomes[0].status)).toEqual(['ok', 'ok']);
      expect(results.map((r) => r.result!.outcomes[0].packets)).toEqual([caps[0].gen.packets, caps[1].gen.packets]);
    } finally {
      peek.close();
      store.close();
    }
  });

  it("leaves this process's in-flight imports alone when its workers open the index, and removes a dead process's", async () => {
    const db = freshIndex();
    const store = openIndex(db);
    // An import in flight on this thread (beginSource marks it with this process as owner)…
    const live = store.transaction(() => store.beginSource({ path: '/live.pcap', name: 'live.pcap', contentHash: 'a'.repeat(64), sizeBytes: 1, format: 'pcap' }));
    // …and one left by a process that is gone (a child that has exited: its pid is free).
    const dead = store.transaction(() => store.beginSource({ path: '/dead.pcap', name: 'dead.pcap', contentHash: 'b'.repeat(64), sizeBytes: 1, format: 'pcap' }));
    const gonePid = spawnSync(process.execPath, ['-e', '0']).pid;
    const raw = new Database(db);
    raw.prepare("UPDATE sources SET import_pid = ?, import_start = 'linux:gone:1' WHERE id = ?").run(gonePid, dead);
    raw.close();
    try {
      // Two workers, each opening the index (and running the cleanup) while `live` is unfinished.
      const results = await importWithPool([caps[0].path, caps[1].path], { dbPath: db, jobs: 2 });
      expect(results.map((r) => r.result!.outcomes[0].status)).toEqual(['ok', 'ok']);
      // By name: a removed row's id is free for the next source.
      const names = store.listSources().map((s) => s.name).sort();
      expect(names).toEqual(['cap-0.pcap', 'cap-1.pcap', 'live.pcap']);
      expect(store.getSource(live)?.name).toBe('live.pcap');
    } finally {
      store.close();
    }
  });
});

describe('duplicate order', () => {
  it('makes the later file in input order the duplicate, whichever import finished first', async () => {
    const store = openIndex(':memory:');
    try {
      const copy = join(dir, 'dup-order-copy.pcap');
      copyFileSync(caps[1].path, copy);
      // The copy (second in input order) finished first; the original then found it indexed.
      const copyOutcome = await importFile(store, copy);
      const original = await importFile(store, caps[1].path);
      expect([copyOutcome.status, original.status]).toEqual(['ok', 'duplicate']);
      const list: AnyOutcome[] = [original, copyOutcome];
      expect(restoreDuplicateOrder(store, [{ list, index: 0 }, { list, index: 1 }])).toBe(1);
      // As a sequential run would have it: the original imported, the copy already indexed.
      expect(list[0]).toMatchObject({ path: caps[1].path, name: 'cap-1.pcap', status: 'ok', sourceId: copyOutcome.sourceId, calls: caps[1].gen.calls, packets: caps[1].gen.packets });
      expect(list[1]).toMatchObject({ path: copy, name: 'dup-order-copy.pcap', status: 'duplicate', sourceId: copyOutcome.sourceId, error: null, warnings: [] });
      expect(store.getSource(copyOutcome.sourceId!)).toMatchObject({ path: caps[1].path, name: 'cap-1.pcap' });
      // Already in order: nothing moves.
      expect(restoreDuplicateOrder(store, [{ list, index: 0 }, { list, index: 1 }])).toBe(0);
    } finally {
      store.close();
    }
  });
});
