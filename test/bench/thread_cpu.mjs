// Loaded with `node --import <this file>` by the import-speed targets (targets_bench.ts) in the
// command line they measure: when the main thread exits, one line on stderr gives the CPU time
// of the main thread and of the whole process, read from /proc (Linux):
//
//   CALLTRACE_THREAD_CPU main=<ms> all=<ms>
//
// Why: on a machine with few cores the wall clock alone does not say what bounds a figure. The
// main thread's CPU is a floor under one import's wall time (the decoding is on that thread),
// and the process's CPU over the cores is a floor under several imports at once — so the bench
// can print, beside each figure, the best that figure could be with the work as it is.
//
// /proc/self/stat of the process counts every thread, the ones that have already ended too
// (the reader thread, the import workers); /proc/self/task/PID/stat is the main thread alone.
// Times are in clock ticks (USER_HZ, 100 on Linux). Worker threads load this file too (they
// inherit the process's --import) and stay silent. Nothing is printed where /proc is absent.

import { readFileSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

const TICK_MS = 10;

/** utime + stime (fields 14 and 15 of stat, after the parenthesised command name), in ms. */
function cpuMs(statPath) {
  const s = readFileSync(statPath, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_MS;
}

if (isMainThread) {
  process.on('exit', () => {
    try {
      const main = cpuMs(`/proc/self/task/${process.pid}/stat`);
      const all = cpuMs('/proc/self/stat');
      process.stderr.write(`CALLTRACE_THREAD_CPU main=${main} all=${all}\n`);
    } catch {
      // no /proc here: the bench prints the wall clock alone
    }
  });
}
