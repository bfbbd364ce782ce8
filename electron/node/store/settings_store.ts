// App settings kept in the index (migration 3): one JSON value per key. The index is the
// library, so its thresholds, own addresses and recent files travel with it; values are
// plain JSON and validated by the caller (the API layer knows their shapes, the store does not).

import type BetterSqlite3 from 'better-sqlite3';
import { retryWhileBusy } from './write_lock.ts';

type Db = BetterSqlite3.Database;
type Stmt = BetterSqlite3.Statement<unknown[], unknown>;

export class SettingsStore {
  private readonly db: Db;
  private readonly getStmt: Stmt;
  private readonly setStmt: Stmt;
  private readonly deleteStmt: Stmt;

  constructor(db: Db) {
    this.db = db;
    this.getStmt = db.prepare('SELECT value_json FROM settings WHERE key = ?').pluck();
    this.deleteStmt = db.prepare('DELETE FROM settings WHERE key = ?');
    this.setStmt = db.prepare(`INSERT INTO settings (key, value_json, updated_at) VALUES (?, ?, ?)
      ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json, updated_at = excluded.updated_at`);
  }

  /** The stored value, or null when the key was never set (the caller supplies the default). */
  get(key: string): unknown {
    const v = this.getStmt.get(key) as string | undefined;
    return v === undefined ? null : (JSON.parse(v) as unknown);
  }

  // Outside a transaction a write here waits for the lock like any other (write_lock.ts).
  set(key: string, value: unknown): void {
    retryWhileBusy(this.db, () => this.setStmt.run(key, JSON.stringify(value), Date.now()), { what: 'saving a setting' });
  }

  /** Forgets a key (a one-time marker once its work is done). */
  delete(key: string): void {
    retryWhileBusy(this.db, () => this.deleteStmt.run(key), { what: 'forgetting a setting' });
  }
}
