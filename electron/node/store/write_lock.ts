// Taking the index's write lock, retried against real elapsed time. Every write transaction of
// the index begins here (BEGIN IMMEDIATE: IndexStore, InputStore, the kept counts, the
// migrations, the removal of unfinished imports), and so do the few writes made outside one.
//
// Why not simply busy_timeout: SQLite's own busy handler sleeps with usleep() between tries and
// adds up the time it *asked* for, not the time that passed. A signal cuts every one of those
// sleeps short (EINTR), so in a signal-heavy process — a profiler (node --cpu-prof sends SIGPROF
// every few hundred µs), a debugger, a storm of terminal resizes — its 5 s budget is spent in a
// few milliseconds, and a parallel import (import_pool.ts) failed with "database is locked"
// while the other importer held the lock for one short slice. Here the deadline is read from a
// monotonic clock (performance.now()), so a cut-short pause only means one more try, never a
// shorter wait. The pauses are Atomics.wait on a private SharedArrayBuffer: the thread blocks
// without spinning a core (V8 re-arms the wait after a spurious wake-up), and it works on
// Node's main thread and in worker threads alike — the only places that open the index.
//
// The connection's busy_timeout stays on: when nothing interrupts it, SQLite's handler is the
// quicker waiter (it polls the lock in its own loop). While retrying, it is bounded by the time
// left, so the whole wait ends near the deadline instead of up to one busy_timeout after it.

import type BetterSqlite3 from 'better-sqlite3';

type Db = BetterSqlite3.Database;

/** How long a write waits for another writer (an import's slice, the app) before giving up. */
export const WRITE_LOCK_DEADLINE_MS = 5000;

/** Pauses between tries, ms; the last repeats. Short: an import holds the lock for one slice. */
const PAUSES_MS = [1, 2, 5, 10, 20];

export interface WriteLockOptions {
  /** What is waiting, for the error: 'migration 9 (kept counts)', 'saving a setting' … */
  what?: string;
  /** Overrides WRITE_LOCK_DEADLINE_MS (tests use a short one). */
  deadlineMs?: number;
  /** Called after each try that found the lock taken, with the number of tries so far. */
  onBusy?: (tries: number) => void;
}

/** The index stayed locked by another writer past the deadline. */
export class IndexBusyError extends Error {
  /** Kept as SQLite's code, so a caller that tells busy from other failures still can. */
  readonly code = 'SQLITE_BUSY';
  constructor(
    readonly what: string,
    readonly deadlineMs: number,
    readonly waitedMs: number,
    readonly tries: number,
  ) {
    super(
      `the index is locked by another writer (another import or the app) for more than ${seconds(deadlineMs)}: ` +
        `${what} waited ${Math.round(waitedMs)} ms over ${tries} tries`,
    );
    this.name = 'IndexBusyError';
  }
}

const seconds = (ms: number): string => (ms >= 1000 ? `${Number((ms / 1000).toFixed(1))} s` : `${ms} ms`);

/** SQLITE_BUSY and its extended codes (SQLITE_BUSY_RECOVERY, SQLITE_BUSY_TIMEOUT …). */
export function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Blocks this thread for about ms without using the CPU (nothing ever notifies `sleeper`). A
 * thread where Atomics.wait is refused (a host that disallows it on its main thread; Electron's
 * main process only migrates the index there, and was never run here) waits by polling the
 * clock instead: a spinning pause of a few ms beats failing an import.
 */
function pause(ms: number): void {
  try {
    Atomics.wait(sleeper, 0, 0, ms);
  } catch {
    const until = performance.now() + ms;
    while (performance.now() < until) {
      // spin
    }
  }
}

/**
 * Runs `attempt` until it does not fail with SQLITE_BUSY or the deadline passes (then throws
 * IndexBusyError). `attempt` must leave nothing behind when it fails busy: a BEGIN, or one
 * statement in autocommit. Inside a transaction nothing is retried — a statement there cannot
 * be repeated on its own, and a busy one means its snapshot is stale (SQLITE_BUSY_SNAPSHOT),
 * which waiting does not cure — so it runs once, as it would without this helper.
 */
export function retryWhileBusy<T>(db: Db, attempt: () => T, options: WriteLockOptions = {}): T {
  if (db.inTransaction) return attempt();
  const start = performance.now();
  try {
    return attempt();
  } catch (e) {
    if (!isBusy(e)) throw e;
  }
  const deadlineMs = options.deadlineMs ?? WRITE_LOCK_DEADLINE_MS;
  const deadline = start + deadlineMs;
  const ownTimeout = db.pragma('busy_timeout', { simple: true }) as number;
  let tries = 1;
  try {
    for (;;) {
      options.onBusy?.(tries);
      const left = deadline - performance.now();
      if (left <= 0) throw new IndexBusyError(options.what ?? 'a write', deadlineMs, performance.now() - start, tries);
      pause(Math.min(PAUSES_MS[Math.min(tries, PAUSES_MS.length) - 1]!, left));
      if (ownTimeout > 0) db.pragma(`busy_timeout = ${Math.max(0, Math.min(ownTimeout, Math.ceil(deadline - performance.now())))}`);
      tries++;
      try {
        return attempt();
      } catch (e) {
        if (!isBusy(e)) throw e;
      }
    }
  } finally {
    if (ownTimeout > 0) db.pragma(`busy_timeout = ${ownTimeout}`);
  }
}

/** BEGIN IMMEDIATE, waiting for the write lock as above; the caller commits or rolls back. */
export function beginImmediate(db: Db, options: WriteLockOptions = {}): void {
  retryWhileBusy(db, () => db.exec('BEGIN IMMEDIATE'), options);
}

/**
 * Runs fn in a write transaction that holds the lock from its start (IMMEDIATE: see
 * index_store.ts, transaction), committed when fn returns and rolled back when it throws.
 * Inside a transaction already open on this connection it is a savepoint, as with
 * better-sqlite3's db.transaction, whose `.immediate()` it replaces: that one begins with no
 * retry of its own, so it fails at the first cut-short busy_timeout.
 */
export function writeTransaction<T>(db: Db, fn: () => T, options: WriteLockOptions = {}): T {
  if (db.inTransaction) return db.transaction(fn)();
  beginImmediate(db, options);
  try {
    const out = fn();
    if (out instanceof Promise) throw new TypeError('writeTransaction: fn must not return a promise (use transactionAsync)');
    db.exec('COMMIT');
    return out;
  } catch (e) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw e;
  }
}
