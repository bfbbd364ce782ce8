// The index's write lock is waited for against real time (write_lock.ts), not by SQLite's busy
// handler alone, whose budget a signal-heavy process (a profiler, a debugger) spends in
// milliseconds. Real SQLite files in WAL mode and two connections; the waiting connection has
// busy_timeout = 0 — the extreme of a handler cut short — so any wait seen here is the helper's.
// Waits are bounded by counts (busy tries), never by the clock: the other writer lets go after
// the waiter has reported N tries, from another thread or from the waiter's own callback.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { beginImmediate, IndexBusyError, isBusy, retryWhileBusy, writeTransaction } from '../../electron/node/store/write_lock.ts';
import { migrate } from '../../electron/node/store/migrations.ts';
import { workerEntry } from '../../electron/node/ingest/worker_entry.ts';

const tmp = mkdtempSync(join(tmpdir(), 'calltrace-write-lock-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
let path: string;
let waiter: Database.Database;
let holder: Database.Database;

/** A fresh WAL file with one table, and its two connections: the waiter's busy handler is off. */
beforeEach(() => {
  path = join(tmp, `index-${++n}.sqlite`);
  waiter = new Database(path);
  waiter.pragma('journal_mode = WAL');
  waiter.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT NOT NULL)');
  waiter.pragma('busy_timeout = 0');
  holder = new Database(path);
});
afterEach(() => {
  waiter.close();
  holder.close();
});

const rows = (): string[] => waiter.prepare('SELECT who FROM t ORDER BY id').pluck().all() as string[];
const insert = (who: string) => () => waiter.prepare('INSERT INTO t (who) VALUES (?)').run(who);

describe('the write lock', () => {
  it('the setting under test: with busy_timeout = 0 a plain BEGIN IMMEDIATE fails at once', () => {
    holder.exec('BEGIN IMMEDIATE');
    let error: unknown;
    try {
      waiter.exec('BEGIN IMMEDIATE');
    } catch (e) {
      error = e;
    }
    expect(isBusy(error)).toBe(true);
    holder.exec('ROLLBACK');
  });

  it('waits while another thread holds the lock, then writes after it', async () => {
    const shared = new SharedArrayBuffer(8);
    const state = new Int32Array(shared);
    const worker = new Worker(workerEntry(new URL('../support/lock_holder_worker.ts', import.meta.url)), { workerData: { path, shared, releaseAfter: 4 } });
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    try {
      Atomics.wait(state, 0, 0, 20_000);
      expect(Atomics.load(state, 0)).toBe(1);
      let busyTries = 0;
      writeTransaction(waiter, insert('waiter'), {
        what: 'the test write',
        onBusy: (tries) => {
          busyTries = tries;
          Atomics.store(state, 1, tries);
          Atomics.notify(state, 1);
        },
      });
      // The holder let go only after 4 tries were reported, and did not give up waiting for them.
      expect(busyTries).toBeGreaterThanOrEqual(4);
      Atomics.wait(state, 0, 1, 20_000);
      expect(Atomics.load(state, 0)).toBe(2);
      expect(rows()).toEqual(['holder', 'waiter']);
    } finally {
      await exited;
    }
  });

  it('retries by itself with busy_timeout = 0: exactly one try more than the busy ones', () => {
    holder.exec('BEGIN IMMEDIATE');
    holder.prepare("INSERT INTO t (who) VALUES ('holder')").run();
    const busy: number[] = [];
    writeTransaction(waiter, insert('waiter'), {
      onBusy: (tries) => {
        busy.push(tries);
        if (tries === 6) holder.exec('COMMIT');
      },
    });
    expect(busy).toEqual([1, 2, 3, 4, 5, 6]);
    expect(rows()).toEqual(['holder', 'waiter']);
    expect(waiter.inTransaction).toBe(false);
    expect(waiter.pragma('busy_timeout', { simple: true })).toBe(0);
  });

  it("bounds SQLite's own handler while retrying and gives the connection its busy_timeout back", () => {
    waiter.pragma('busy_timeout = 7');
    holder.exec('BEGIN IMMEDIATE');
    const seen: number[] = [];
    beginImmediate(waiter, {
      deadlineMs: 60_000,
      onBusy: (tries) => {
        seen.push(waiter.pragma('busy_timeout', { simple: true }) as number);
        if (tries === 3) holder.exec('ROLLBACK');
      },
    });
    waiter.exec('ROLLBACK');
    // Tries 2 and 3 ran with the handler capped at what was left of the deadline (below 60 s
    // but never above the connection's own 7 ms); afterwards the 7 ms are back.
    expect(seen[0]).toBe(7);
    expect(seen.slice(1).every((ms) => ms >= 0 && ms <= 7)).toBe(true);
    expect(waiter.pragma('busy_timeout', { simple: true })).toBe(7);
  });

  it('ends with an error naming what waited when the lock is never released', () => {
    holder.exec('BEGIN IMMEDIATE');
    let tries = 0;
    let error: unknown;
    try {
      writeTransaction(waiter, insert('waiter'), { what: 'the test write', deadlineMs: 40, onBusy: (t) => (tries = t) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(IndexBusyError);
    const busy = error as IndexBusyError;
    expect(busy.message).toMatch(/^the index is locked by another writer \(another import or the app\) for more than 40 ms: the test write waited \d+ ms over \d+ tries$/);
    expect(busy.what).toBe('the test write');
    expect(busy.tries).toBe(tries);
    expect(tries).toBeGreaterThan(1);
    expect(busy.waitedMs).toBeGreaterThanOrEqual(40);
    expect(isBusy(busy)).toBe(true);
    // Nothing was begun or left behind, and the connection writes once the lock is free.
    expect(waiter.inTransaction).toBe(false);
    holder.exec('ROLLBACK');
    writeTransaction(waiter, insert('after'));
    expect(rows()).toEqual(['after']);
  });

  it('the default deadline is 5 s, in the message as well', () => {
    const e = new IndexBusyError('an import', 5000, 5003.4, 260);
    expect(e.message).toBe('the index is locked by another writer (another import or the app) for more than 5 s: an import waited 5003 ms over 260 tries');
  });

  it('does not retry inside a transaction: a stale snapshot is not cured by waiting', () => {
    holder.prepare("INSERT INTO t (who) VALUES ('first')").run();
    waiter.exec('BEGIN');
    expect(rows()).toEqual(['first']);
    holder.prepare("INSERT INTO t (who) VALUES ('second')").run();
    let calls = 0;
    let error: unknown;
    try {
      retryWhileBusy(waiter, insert('stale'), { onBusy: () => calls++ });
    } catch (e) {
      error = e;
    }
    expect((error as { code?: string }).code).toBe('SQLITE_BUSY_SNAPSHOT');
    expect(calls).toBe(0);
    waiter.exec('ROLLBACK');
  });

  it('rolls back when the work fails, and passes other errors through on the first try', () => {
    let calls = 0;
    expect(() =>
      writeTransaction(waiter, () => {
        insert('gone')();
        waiter.exec('INSERT INTO t (who) VALUES (NULL)');
      }, { onBusy: () => calls++ }),
    ).toThrow(/NOT NULL/);
    expect(calls).toBe(0);
    expect(waiter.inTransaction).toBe(false);
    expect(rows()).toEqual([]);
  });

  it('nests as a savepoint inside an open transaction', () => {
    writeTransaction(waiter, () => {
      insert('outer')();
      expect(() => writeTransaction(waiter, () => {
        insert('inner')();
        throw new Error('inner fails');
      })).toThrow('inner fails');
    });
    expect(rows()).toEqual(['outer']);
  });

  it('a migration waits for the lock the same way', () => {
    const fresh = join(tmp, `migrate-${n}.sqlite`);
    const db = new Database(fresh);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 0');
    const other = new Database(fresh);
    try {
      other.exec('BEGIN IMMEDIATE');
      let released = false;
      // The migration's `up` runs only once the other connection has let go, after 3 busy tries.
      const onBusy = (tries: number): void => {
        if (tries === 3 && !released) {
          other.exec('ROLLBACK');
          released = true;
        }
      };
      const result = migrateWith(db, onBusy);
      expect(released).toBe(true);
      expect(result).toEqual(['1 one']);
    } finally {
      if (other.inTransaction) other.exec('ROLLBACK');
      other.close();
      db.close();
    }
  });
});

/** migrate() with one trivial migration; its busy tries are reported through a wrapped db. */
function migrateWith(db: Database.Database, onBusy: (tries: number) => void): string[] {
  // migrate() passes no onBusy of its own; counting its tries means counting BEGINs it made.
  let begins = 0;
  const exec = db.exec.bind(db);
  const counted = new Proxy(db, {
    get(target, key) {
      if (key === 'exec') {
        return (sql: string) => {
          if (sql === 'BEGIN IMMEDIATE') {
            begins++;
            if (begins > 1) onBusy(begins - 1);
          }
          return exec(sql);
        };
      }
      // The target as receiver: the addon's getters (inTransaction) refuse a proxy as `this`.
      const v = Reflect.get(target, key) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  const migrations = [{ version: 1, name: 'one', up: (d: Database.Database) => d.exec('CREATE TABLE m (x)') }];
  return migrate(counted, db.name, migrations, () => new Database(':memory:')).applied;
}
