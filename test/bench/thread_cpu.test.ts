// The CPU probe the import-speed targets load into the command line they measure
// (thread_cpu.mjs), and the bound the two-file target derives from it (targets_bench.ts).

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { threadCpu, twoFilesBound } from './targets_bench.ts';

const PROBE = pathToFileURL(fileURLToPath(new URL('./thread_cpu.mjs', import.meta.url))).href;

// Busy work counted in iterations, not time: enough to cost some clock ticks on any machine.
const SPIN = 'let x = 0; for (let i = 0; i < 1e8; i++) x = (x + i) % 1000003; return x;';

describe('thread_cpu.mjs', () => {
  it.runIf(existsSync('/proc/self/stat'))('prints the main thread and the whole process, threads that ended included, once', () => {
    // The worker spins and ends before the main thread spins: its CPU is only in the process total.
    const script = `
      const { Worker } = require('node:worker_threads');
      const w = new Worker(\`(() => { ${SPIN} })()\`, { eval: true });
      w.on('exit', () => { (() => { ${SPIN} })(); });`;
    const r = spawnSync(process.execPath, ['--import', PROBE, '-e', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('CALLTRACE_THREAD_CPU'));
    expect(lines).toHaveLength(1); // the worker loaded the probe too, and stayed silent
    const cpu = threadCpu(r.stderr)!;
    expect(cpu.mainMs).toBeGreaterThan(0);
    // The ended worker's spin is about as long as the main thread's: the total holds both.
    expect(cpu.allMs).toBeGreaterThan(cpu.mainMs * 1.5);
  });

  it('is absent from a run without the probe', () => {
    expect(threadCpu('calltrace: library /tmp/x.db\n')).toBeNull();
  });
});

describe('twoFilesBound', () => {
  it('is cores × wall / CPU, at most 2, and empty without a CPU figure', () => {
    expect(twoFilesBound({ wallMs: 1600, cpu: { allMs: 2400 } }, 2)).toMatch(/^≤ 1\.33×/);
    expect(twoFilesBound({ wallMs: 1000, cpu: { allMs: 1000 } }, 4)).toMatch(/^≤ 2\.00×/);
    expect(twoFilesBound({ wallMs: 1000, cpu: null }, 2)).toBe('');
  });
});
