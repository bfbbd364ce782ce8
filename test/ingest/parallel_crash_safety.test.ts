// Crash safety of the parallel import: the whole process (the calling thread and its pool
// workers, electron/node/ingest/import_pool.ts) is killed with SIGKILL while two captures are
// being imported at once. Each importer leaves its committed slices under a source that says
// 'import did not finish', all owned by the dead process; the next run removes every one of
// them, says so, and ends with exactly the calls of a clean import of both files.
//
// The kill is fixed by counts, as in crash_safety.test.ts: every call is its own slice, and
// the first importer to commit 3 slices SIGKILLs the process (a worker thread's
// process.kill ends the whole process). How far the other importer got is up to the
// scheduler, so only what must hold whatever it is is asserted.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCapture } from '../bench/capture_generator.ts';
import { REPO_ROOT } from '../support/oracle.ts';

const tmp = mkdtempSync(join(tmpdir(), 'calltrace-pcrash-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const A = join(tmp, 'a.pcap');
const B = join(tmp, 'b.pcap');

function calltrace(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/node/cli/main.ts'), ...args], {
    cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env },
  });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}

interface DocCall { callId: string; source: string }
const callsOf = (json: string): DocCall[] =>
  (JSON.parse(json) as { calls: DocCall[] }).calls.map((c) => ({ callId: c.callId, source: c.source })).sort((x, y) => (x.callId < y.callId ? -1 : 1));

let clean: DocCall[] = [];
beforeAll(() => {
  generateCapture({ out: A, targetBytes: 2_000_000, concurrentCalls: 8, seed: 21, durationScale: 0.1 });
  generateCapture({ out: B, targetBytes: 2_500_000, concurrentCalls: 8, seed: 22, durationScale: 0.1 });
  const r = calltrace(['analyze', A, B, '--json', '--jobs', '1']);
  expect(r.code, r.err).toBe(0);
  clean = callsOf(r.out);
  expect(clean.length).toBeGreaterThan(10);
});

describe('a parallel import killed with SIGKILL, then run again', () => {
  it('leaves only unfinished sources of the dead process, and the next run removes them all and imports both whole', () => {
    const db = join(tmp, 'killed.db');
    const killed = calltrace(['analyze', A, B, '--db', db, '--json', '--jobs', '2'], { CALLTRACE_TEST_SLICE_CALLS: '1', CALLTRACE_TEST_KILL_AFTER_SLICES: '3' });
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.out).toBe('');
    const raw = new Database(db);
    const left = raw.prepare(`SELECT name, status, error, import_pid AS pid, (SELECT count(*) FROM calls c WHERE c.source_id = s.id) AS calls
      FROM sources s ORDER BY name`).all() as Array<{ name: string; status: string; error: string; pid: number; calls: number }>;
    raw.close();
    // At least the importer that killed the process has its source; both are unfinished, one process's.
    expect(left.length).toBeGreaterThanOrEqual(1);
    expect(left.length).toBeLessThanOrEqual(2);
    for (const s of left) expect(s).toMatchObject({ status: 'failed', error: 'import did not finish', pid: left[0].pid });
    expect(Math.max(...left.map((s) => s.calls))).toBe(3);

    const again = calltrace(['analyze', A, B, '--db', db, '--json', '--jobs', '2']);
    expect(again.code, again.err).toBe(0);
    for (const s of left) {
      expect(again.err).toContain(`${s.name === 'a.pcap' ? A : B}: an earlier import did not finish (process ${s.pid} was killed or crashed); its ${s.calls} partial call(s) were removed`);
    }
    expect(callsOf(again.out)).toEqual(clean);
    const check = new Database(db);
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(check.prepare('SELECT count(*) FROM sources').pluck().get()).toBe(2);
    expect(check.prepare('SELECT count(*) FROM calls').pluck().get()).toBe(clean.length);
    expect(check.prepare('SELECT count(*) FROM sources WHERE import_pid IS NOT NULL').pluck().get()).toBe(0);
    check.close();
  });
});
