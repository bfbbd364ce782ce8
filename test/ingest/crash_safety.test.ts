// Crash safety (issue 10, defect 5). An import killed mid-way (kill -9, a crash, a power
// cut) leaves its committed slices under a source that says 'import did not finish'. Before,
// importing the file again added a second source beside it, and the library held the partial
// calls twice (3,641 calls for a 3,000-call capture). Now opening the index removes an
// unfinished source whose importing process is gone — never one whose import is running —
// and says so, so the re-import ends with exactly the calls of a clean import.
//
// The kill is deterministic: the real CLI, with test hooks that commit every call as its own
// slice and make the process SIGKILL itself after N committed slices. No timing involved.

import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFile } from '../../electron/node/ingest/import_file.ts';
import { linuxStartToken, thisProcess } from '../../electron/node/store/import_owner.ts';
import { openIndex } from '../../electron/node/store/index_store.ts';
import { generateCapture } from '../bench/capture_generator.ts';
import { makeZip } from '../support/archive_writer.ts';
import { writeCallCapture } from '../support/call_capture.ts';
import { REPO_ROOT } from '../support/oracle.ts';

const tmp = mkdtempSync(join(tmpdir(), 'calltrace-crash-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const CAPTURE = join(tmp, 'many_calls.pcap');

function calltrace(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/node/cli/main.ts'), ...args], {
    cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env },
  });
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}

interface DocCall { callId: string; source: string; diagnosis: unknown; streams: unknown[] }
/** The calls of an analyze --json document, comparable across index files (no row ids in it). */
function callsOf(json: string): DocCall[] {
  const doc = JSON.parse(json) as { calls: DocCall[] };
  return doc.calls.sort((a, b) => (a.callId < b.callId ? -1 : a.callId > b.callId ? 1 : 0));
}

let clean: DocCall[] = [];
beforeAll(() => {
  // 15 calls with a mix of outcomes, from the benchmark's deterministic generator.
  generateCapture({ out: CAPTURE, targetBytes: 3_000_000, concurrentCalls: 10, seed: 5, durationScale: 0.1 });
  const r = calltrace(['analyze', CAPTURE, '--json']);
  expect(r.code, r.err).toBe(0);
  clean = callsOf(r.out);
  expect(clean.length).toBeGreaterThan(10);
});

describe('an import killed with SIGKILL, then the index reopened and the file imported again', () => {
  for (const killAfter of [1, 4, 9]) {
    it(`killed after ${killAfter} committed slice(s): exactly the calls of a clean import, integrity ok`, () => {
      const db = join(tmp, `killed_${killAfter}.db`);
      const killed = calltrace(['analyze', CAPTURE, '--db', db, '--json'], { CALLTRACE_TEST_SLICE_CALLS: '1', CALLTRACE_TEST_KILL_AFTER_SLICES: String(killAfter) });
      expect(killed.signal).toBe('SIGKILL');
      expect(killed.out).toBe('');
      // What the dead process left: one unfinished source holding exactly the committed calls.
      const raw = new Database(db);
      const left = raw.prepare('SELECT status, error, import_pid AS pid, (SELECT count(*) FROM calls) AS calls FROM sources').all();
      raw.close();
      expect(left).toEqual([{ status: 'failed', error: 'import did not finish', pid: expect.any(Number), calls: killAfter }]);

      const again = calltrace(['analyze', CAPTURE, '--db', db, '--json']);
      expect(again.code, again.err).toBe(0);
      expect(again.err).toContain(`${CAPTURE}: an earlier import did not finish (process ${(left[0] as { pid: number }).pid} was killed or crashed); its ${killAfter} partial call(s) were removed from the index, import the file again to index it whole`);
      expect(callsOf(again.out)).toEqual(clean);

      const check = new Database(db);
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(check.pragma('foreign_key_check')).toEqual([]);
      expect(check.prepare('SELECT count(*) FROM sources').pluck().get()).toBe(1);
      expect(check.prepare('SELECT count(*) FROM calls').pluck().get()).toBe(clean.length);
      expect(check.prepare('SELECT count(*) FROM sources WHERE import_pid IS NOT NULL').pluck().get()).toBe(0);
      check.close();

      // A third run finds the same bytes indexed, whole, and says nothing about a recovery.
      const third = calltrace(['analyze', CAPTURE, '--db', db, '--json']);
      expect(third.err).not.toMatch(/did not finish/);
      expect(third.err).toMatch(/already indexed/);
    });
  }
});

describe('an archive import killed with SIGKILL', () => {
  it("leaves its staged members behind, and the next run removes them (temp_dirs.ts)", () => {
    const tmpRoot = join(tmp, 'tmp-root');
    mkdirSync(tmpRoot);
    const zip = join(tmp, 'ticket.zip');
    writeFileSync(zip, makeZip([{ name: 'captures/many_calls.pcap', data: readFileSync(CAPTURE) }]));
    const env = { TMPDIR: tmpRoot, CALLTRACE_TEST_SLICE_CALLS: '1', CALLTRACE_TEST_KILL_AFTER_SLICES: '2' };
    const killed = calltrace(['analyze', zip, '--json'], env);
    expect(killed.signal).toBe('SIGKILL');
    // (tsx keeps its compile cache in TMPDIR too: only our directories are looked at.)
    const ours = (): string[] => readdirSync(tmpRoot).filter((n) => n.startsWith('calltrace-'));
    const left = ours();
    expect(left).toEqual([expect.stringMatching(/^calltrace-archive-\d+-[A-Za-z0-9]{6}$/)]);
    expect(readdirSync(join(tmpRoot, left[0])).length).toBeGreaterThan(0);
    // A dead run's directory is left a few minutes (a /tmp shared with another pid namespace):
    // make it look older, as it would be when the user tries again.
    utimesSync(join(tmpRoot, left[0]), 0, 0);

    const again = calltrace(['analyze', zip, '--json'], { TMPDIR: tmpRoot });
    expect(again.code, again.err).toBe(0);
    expect(callsOf(again.out).map((c) => c.callId)).toEqual(clean.map((c) => c.callId));
    expect(ours()).toEqual([]);
  });
});

describe('opening the index tells an import running now from one that died', () => {
  it('leaves the sources of live importers, removes those of dead ones and of older builds', async () => {
    const db = join(tmp, 'owners.db');
    const setup = openIndex(db);
    const mk = (n: number) => setup.beginSource({ path: `/x/${n}.pcap`, name: `${n}.pcap`, contentHash: String(n).repeat(64).slice(0, 64), sizeBytes: 1, format: 'pcap' });
    const mine = mk(1); // this process: running
    const sleeper = spawn('sleep', ['60']);
    const liveChild = mk(2);
    const deadChild = mk(3);
    const legacy = mk(4);
    const otherHost = mk(5);
    const finished = mk(6);
    setup.finishSource(finished, { status: 'ok', packets: 0, firstUs: null, lastUs: null, stats: [], error: null });
    setup.close();
    const gone = spawnSync('true');
    const raw = new Database(db);
    raw.prepare('UPDATE sources SET import_pid = ?, import_start = ? WHERE id = ?').run(sleeper.pid, linuxStartToken(sleeper.pid!) ?? thisProcess().start, liveChild);
    raw.prepare('UPDATE sources SET import_pid = ?, import_start = ? WHERE id = ?').run(gone.pid, 'linux:x:1', deadChild);
    raw.prepare('UPDATE sources SET import_pid = 0, import_host = NULL, import_start = NULL WHERE id = ?').run(legacy);
    raw.prepare("UPDATE sources SET import_pid = 1, import_host = 'elsewhere.example' WHERE id = ?").run(otherHost);
    raw.close();

    const store = openIndex(db);
    expect(store.recovered.map((r) => r.id).sort()).toEqual([deadChild, legacy]);
    expect(store.listSources().map((s) => s.id).sort()).toEqual([mine, liveChild, otherHost, finished]);
    store.close();

    sleeper.kill('SIGKILL');
    await new Promise((r) => sleeper.once('exit', r));
    const after = openIndex(db);
    expect(after.recovered.map((r) => r.id)).toEqual([liveChild]);
    after.close();
  });

  it('CDR rows that had joined a removed call go back to standing alone, and join the re-import', async () => {
    const db = join(tmp, 'cdr_join.db');
    const cap = join(tmp, 'one_call.pcap');
    const startUs = Date.UTC(2024, 4, 2, 10, 0, 0) * 1000;
    writeCallCapture(cap, { callId: 'joined@10.1.0.1', from: '5551234', to: '6001', startUs });
    const csv = join(tmp, 'one_row.csv');
    writeFileSync(csv, '"Alice","5551234","6001","default","2024-05-02 10:00:00","2024-05-02 10:00:01","2024-05-02 10:00:05","5","4","NORMAL_CLEARING","d80e22e0-4c15-11ea-97a0-9dd79410affb","","","PCMU","PCMU"\n');
    const s1 = openIndex(db);
    const capOut = await importFile(s1, cap);
    expect((await importFile(s1, csv)).status).toBe('ok');
    s1.close();
    // Make the capture's source look like an import that died half-way.
    const raw = new Database(db);
    raw.prepare("UPDATE sources SET import_pid = 0, status = 'failed', error = 'import did not finish' WHERE id = ?").run(capOut.sourceId);
    raw.close();
    const s2 = openIndex(db);
    expect(s2.recovered.map((r) => r.id)).toEqual([capOut.sourceId]);
    const [row] = s2.inputs.cdrRecordsOfSource(s2.listSources()[0].id);
    expect([row.joinMethod, row.callRowId]).toEqual(['cdr_only', null]);
    expect((await importFile(s2, cap)).status).toBe('ok');
    const [rejoined] = s2.inputs.cdrRecordsOfSource(row.sourceId);
    expect(rejoined.joinMethod).toBe('numbers_time');
    expect(s2.getCall(rejoined.callRowId!)!.callId).toBe('joined@10.1.0.1');
    s2.close();
  });
});
