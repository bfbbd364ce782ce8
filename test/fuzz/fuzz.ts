// npm run fuzz -- [--seconds N] [--count N] [--seed S] [--from I] [--cli-every N] [--workers N] [--out DIR] [--timeout S]
// Replay one failing input: npm run fuzz -- --seed S --from I --count 1
// Runs the mutation fuzzer (fuzz_engine.ts) and writes each failing input to DIR (default
// fuzz-out/, git-ignored) beside a .txt with its one-line reason and how to make it again
// (seed + index). Exit status 1 when anything failed.

import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, runFuzz } from './fuzz_engine.ts';

function opt(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(argv: string[]): Promise<number> {
  const seed = Number(opt(argv, '--seed') ?? Math.floor(Math.random() * 2 ** 31));
  const seconds = opt(argv, '--seconds') !== undefined ? Number(opt(argv, '--seconds')) : undefined;
  const count = opt(argv, '--count') !== undefined ? Number(opt(argv, '--count')) : undefined;
  const outDir = opt(argv, '--out') ?? join(REPO_ROOT, 'fuzz-out');
  const cliEvery = Number(opt(argv, '--cli-every') ?? 50);
  const workers = Number(opt(argv, '--workers') ?? availableParallelism());
  const timeoutMs = Number(opt(argv, '--timeout') ?? 20) * 1000;
  const bounded = seconds ?? (count === undefined ? 60 : undefined);
  console.log(`calltrace fuzz: seed ${seed}, ${bounded !== undefined ? `${bounded} s` : ''}${count !== undefined ? ` ${count} inputs` : ''}, CLI every ${cliEvery}, ${workers} workers, failing inputs → ${outDir}`);
  const from = Number(opt(argv, '--from') ?? 0);
  const r = await runFuzz({ seed, from, workers, seconds: bounded, count, cliEvery, timeoutMs, outDir, log: (l) => console.log(l) });
  const perMin = r.inputs / (r.ms / 60_000);
  console.log(`${r.inputs} inputs (${r.cliRuns} through the CLI) in ${(r.ms / 1000).toFixed(1)} s: ${Math.round(perMin)} inputs/min, worker peak RSS ${Math.round(r.maxRssMb)} MB, ${r.failures.length} failing`);
  const byKnown = new Map<string, number>();
  for (const f of r.failures) byKnown.set(f.known ?? 'not a known defect', (byKnown.get(f.known ?? 'not a known defect') ?? 0) + 1);
  for (const [k, n] of byKnown) console.log(`  ${n} × ${k}`);
  return r.failures.length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: Error) => {
    console.error(`fuzz: ${e.message}`);
    process.exitCode = 2;
  },
);
