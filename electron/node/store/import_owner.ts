// Who is importing a source: the process id, the host, and a start token that tells this
// process apart from an earlier one that had the same pid. Written on the source row while
// an import runs (beginSource) and cleared when it finishes (finishSource), so opening the
// index can tell an import that is running now — in this process or another — from one
// whose process died (kill -9, crash, power cut) and left a partial source behind.
//
// The start token on Linux is the boot id plus the process's start time in clock ticks
// since boot (/proc/<pid>/stat field 22): exact, and readable for any pid. Elsewhere there
// is no portable way to read another process's start time: the token is this process's
// start in ms, and another live pid is taken to be the importer (a stale source is then
// removed only once that pid is gone).

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

export interface ImportOwner {
  pid: number;
  host: string;
  start: string;
}

export type OwnerState = 'running' | 'dead';

/** The Linux start token of a process (boot id + start time in ticks), null elsewhere or when it is gone. */
export function linuxStartToken(pid: number): string | null {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) is in parentheses and may hold spaces: count from the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = rest[19]; // field 22 overall
    return boot && startTicks ? `linux:${boot}:${startTicks}` : null;
  } catch {
    return null;
  }
}

let self: ImportOwner | null = null;

/** This process as an importer. */
export function thisProcess(): ImportOwner {
  self ??= {
    pid: process.pid,
    host: hostname(),
    start: linuxStartToken(process.pid) ?? `ms:${Math.round(Date.now() - process.uptime() * 1000)}`,
  };
  return self;
}

/** ms tokens are computed per thread from the process's uptime: equal within a second or two. */
function sameStart(a: string | null, b: string): boolean {
  if (a === b) return true;
  if (a?.startsWith('ms:') && b.startsWith('ms:')) return Math.abs(Number(a.slice(3)) - Number(b.slice(3))) <= 2000;
  return false;
}

/** Whether a process with this pid exists (EPERM counts: it is another user's). */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the importer recorded on a source row still runs. A row without an owner (pid 0:
 * left by a build before schema 5) is dead. A row from another host cannot be checked from
 * here: it counts as running, so it is never removed under a live import on a shared disk.
 */
export function ownerState(o: { pid: number; host: string | null; start: string | null }): OwnerState {
  if (o.pid <= 0) return 'dead';
  const me = thisProcess();
  if (o.host !== null && o.host !== me.host) return 'running';
  if (o.pid === me.pid) return sameStart(o.start, me.start) ? 'running' : 'dead';
  if (!pidExists(o.pid)) return 'dead';
  if (o.start?.startsWith('linux:')) {
    const now = linuxStartToken(o.pid);
    if (now !== null) return now === o.start ? 'running' : 'dead';
  }
  return 'running';
}
