// A CDR export read by the CDR row worker, killed mid-import (issue 10: crash safety kept).
// The export is one transaction: a process killed after some of the worker's batches are
// written leaves nothing of it in the index, the worker thread dies with it, and importing the
// file again gives exactly the rows of a clean import. The kill is deterministic: the real CLI
// with test hooks that send this small export through the worker and SIGKILL the process once
// N batches are written. No timing involved.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_ITEMS } from '../../electron/node/ingest/cdr_row_protocol.ts';
import { writeFreeswitchCsv } from '../bench/cdr_bench.ts';
import { REPO_ROOT } from '../support/oracle.ts';

const tmp = mkdtempSync(join(tmpdir(), 'calltrace-cdr-crash-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const CSV = join(tmp, 'daily.csv');
const ROWS = 8 * BATCH_ITEMS;
const THROUGH_WORKER = { CALLTRACE_TEST_CDR_WORKER_MIN_BYTES: '0' };

function calltrace(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/node/cli/main.ts'), ...args], {
    cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 28, env: { ...process.env, ...env },
  });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}

/** What the index holds of CDR imports: sources, CDR rows, CDR-only calls. */
function tally(db: string) {
  const d = new Database(db, { readonly: true });
  try {
    const n = (sql: string) => d.prepare(sql).pluck().get() as number;
    return {
      sources: n("SELECT count(*) FROM sources WHERE format LIKE 'cdr:%'"),
      cdrRows: n('SELECT count(*) FROM cdr_records'),
      cdrCalls: n("SELECT count(*) FROM calls WHERE origin = 'cdr'"),
      integrity: d.prepare('PRAGMA integrity_check').pluck().get(),
    };
  } finally {
    d.close();
  }
}

beforeAll(async () => {
  await writeFreeswitchCsv(CSV, ROWS, 3600, 11);
});

describe('a CDR import through the worker killed with SIGKILL', () => {
  it.each([1, 5])('killed after %i written batch(es): nothing of it stays, and the re-import is whole', (killAfter) => {
    const db = join(tmp, `lib_${killAfter}.db`);
    const killed = calltrace(['analyze', CSV, '--db', db, '--json'], { ...THROUGH_WORKER, CALLTRACE_TEST_KILL_AFTER_CDR_BATCHES: String(killAfter) });
    expect(killed.signal, killed.err).toBe('SIGKILL');
    // Rows of killAfter batches were written, inside the transaction that never committed.
    expect(tally(db)).toEqual({ sources: 0, cdrRows: 0, cdrCalls: 0, integrity: 'ok' });

    const again = calltrace(['analyze', CSV, '--db', db, '--json'], THROUGH_WORKER);
    expect(again.code, again.err).toBe(0);
    expect(tally(db)).toEqual({ sources: 1, cdrRows: ROWS, cdrCalls: ROWS, integrity: 'ok' });
  });
});
