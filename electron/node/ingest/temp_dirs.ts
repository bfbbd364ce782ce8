// Our private temporary directories (archive members being imported, uploads being staged,
// exports waiting to be downloaded), and the sweep of those a killed process left behind.
//
// A run killed mid-import (kill -9, a crash, a power cut) never reaches its `finally`, and an
// archive's staged members can be gigabytes: left alone they fill /tmp a ticket at a time.
// Each directory is named `calltrace-<role>-<pid>-XXXXXX`, so a later run can tell whose it
// is: the directory of a process that no longer exists is removed, once per process and temp
// root, the first time a directory is made there. A process that may still be alive (the pid
// answers, or belongs to another user: EPERM) is never touched, and a dead owner's directory
// is left a few minutes (MIN_AGE_MS) in case /tmp is shared with another pid namespace whose
// live processes we cannot see. Directories of the earlier naming (no pid) go after a day.

import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pidExists } from '../store/import_owner.ts';

export type TempRole = 'archive' | 'upload' | 'export' | 'index';

const ROLES: readonly TempRole[] = ['archive', 'upload', 'export', 'index'];
const OWNED = new RegExp(`^calltrace-(${ROLES.join('|')})-(\\d+)-[A-Za-z0-9]{6}$`);
/** Before the pid was in the name (sessions up to 2026-12): mkdtemp's six characters only. */
const LEGACY = new RegExp(`^calltrace-(${ROLES.join('|')})-[A-Za-z0-9]{6}$`);

export const MIN_AGE_MS = 5 * 60_000;
export const LEGACY_AGE_MS = 24 * 3600_000;

const swept = new Set<string>();


export interface SweepOptions {
  now?: number;
  isAlive?: (pid: number) => boolean;
}

/** Removes the left-behind directories under `root`; returns the names removed. */
export function sweepStaleTempDirs(root: string, o: SweepOptions = {}): string[] {
  const now = o.now ?? Date.now();
  const check = o.isAlive ?? pidExists;
  // This process's own directories are in use, whatever the check says.
  const isAlive = (pid: number): boolean => pid === process.pid || check(pid);
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return removed;
  }
  for (const name of names) {
    const owned = OWNED.exec(name);
    const legacy = owned ? null : LEGACY.exec(name);
    if (!owned && !legacy) continue;
    const path = join(root, name);
    let age: number;
    try {
      const st = statSync(path);
      if (!st.isDirectory()) continue;
      age = now - st.mtimeMs;
    } catch {
      continue;
    }
    const stale = owned ? age >= MIN_AGE_MS && !isAlive(Number(owned[2])) : age >= LEGACY_AGE_MS;
    if (!stale) continue;
    try {
      rmSync(path, { recursive: true, force: true });
      removed.push(name);
    } catch {
      // another run is sweeping it, or it is not ours to remove: leave it
    }
  }
  return removed;
}

/** A new private directory for `role` under `root` (default: the OS temp directory). */
export function makeTempDir(role: TempRole, root: string = tmpdir()): string {
  if (!swept.has(root)) {
    swept.add(root);
    sweepStaleTempDirs(root);
  }
  return mkdtempSync(join(root, `calltrace-${role}-${process.pid}-`));
}
