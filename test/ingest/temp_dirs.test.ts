// The sweep of temporary directories a killed run left behind (issue 11: an archive's
// members are staged on disk while they are imported; a kill -9 skips the finally that
// removes them). Real processes: a pid is "dead" because a child we ran has exited.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LEGACY_AGE_MS, MIN_AGE_MS, makeTempDir, sweepStaleTempDirs } from '../../electron/node/ingest/temp_dirs.ts';

const root = mkdtempSync(join(tmpdir(), 'calltrace-sweep-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The pid of a process that has exited (spawnSync waits for it). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '0']);
  expect(r.status).toBe(0);
  return r.pid as number;
}

function dir(name: string, ageMs: number, now: number): string {
  const p = join(root, name);
  mkdirSync(p);
  writeFileSync(join(p, 'member-1'), 'x');
  const t = (now - ageMs) / 1000;
  utimesSync(p, t, t);
  return p;
}

describe('sweepStaleTempDirs', () => {
  it("removes a dead run's old directories and nothing else", () => {
    const now = Date.now();
    const dead = deadPid();
    const made = {
      deadOld: dir(`calltrace-archive-${dead}-AbC123`, MIN_AGE_MS + 1000, now),
      deadUpload: dir(`calltrace-upload-${dead}-xYz789`, MIN_AGE_MS + 1000, now),
      deadYoung: dir(`calltrace-export-${dead}-qwe456`, 1000, now),
      mine: dir(`calltrace-archive-${process.pid}-mmm111`, LEGACY_AGE_MS * 2, now),
      legacyOld: dir('calltrace-archive-Zz9Zz9', LEGACY_AGE_MS + 1000, now),
      legacyYoung: dir('calltrace-upload-Aa1Aa1', LEGACY_AGE_MS - 60_000, now),
      // Names that are not ours (a test's own directory, another program's) are never touched.
      testDir: dir('calltrace-archive-test-abc123', LEGACY_AGE_MS * 2, now),
      other: dir(`other-archive-${dead}-abc123`, LEGACY_AGE_MS * 2, now),
    };
    const file = join(root, `calltrace-archive-${dead}-file00`);
    writeFileSync(file, 'not a directory');
    utimesSync(file, 0, 0);

    const removed = sweepStaleTempDirs(root, { now });
    expect(removed.sort()).toEqual([`calltrace-archive-${dead}-AbC123`, 'calltrace-archive-Zz9Zz9', `calltrace-upload-${dead}-xYz789`].sort());
    for (const [k, p] of Object.entries(made)) expect(existsSync(p), k).toBe(!['deadOld', 'deadUpload', 'legacyOld'].includes(k));
    expect(existsSync(file)).toBe(true);
  });

  it('keeps the directory of a process that may be alive', () => {
    const now = Date.now();
    const p = dir('calltrace-archive-424242-live00', LEGACY_AGE_MS * 2, now);
    expect(sweepStaleTempDirs(root, { now, isAlive: (pid) => pid === 424242 })).toEqual([]);
    expect(existsSync(p)).toBe(true);
    expect(sweepStaleTempDirs(root, { now, isAlive: () => false })).toContain('calltrace-archive-424242-live00');
  });

  it('a missing root is nothing to sweep', () => {
    expect(sweepStaleTempDirs(join(root, 'absent'))).toEqual([]);
  });
});

describe('makeTempDir', () => {
  it('names the directory with its role and this pid, and sweeps the root once first', () => {
    const fresh = mkdtempSync(join(root, 'root-'));
    const stale = join(fresh, `calltrace-archive-${deadPid()}-OLD000`);
    mkdirSync(stale);
    utimesSync(stale, 0, 0);
    const d = makeTempDir('archive', fresh);
    expect(d).toMatch(new RegExp(`calltrace-archive-${process.pid}-[A-Za-z0-9]{6}$`));
    expect(existsSync(stale)).toBe(false);
    // Once per root: a second stale directory waits for the next process.
    const stale2 = join(fresh, `calltrace-upload-${deadPid()}-OLD111`);
    mkdirSync(stale2);
    utimesSync(stale2, 0, 0);
    makeTempDir('upload', fresh);
    expect(existsSync(stale2)).toBe(true);
    expect(readdirSync(fresh).filter((n) => n.startsWith(`calltrace-`)).length).toBe(3);
  });
});
