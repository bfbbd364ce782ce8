// The mutation fuzzer (issue 10): seeds are the project's own fixtures (captures, synthetic
// link layers and transports including HEP, CDR exports, agent-event JSON lines); each input
// is one seed with 1–4 seeded mutations (mutate.ts), checked in a worker process through the
// same functions `calltrace analyze` uses (target.ts), with a time bound and an RSS bound, and
// every `cliEvery`-th input also through the real CLI as a child process. Input i of a run with
// seed S is the same on every machine: (S, i) reproduces a failure.
//
// The real CLI is the compiled one (dist/cli/calltrace.mjs), what `calltrace` starts: checked
// against the sources before the first run (a stale bundle fails with the advice to rebuild it;
// `npm run fuzz` and `npm test` build it first). Through tsx each of these runs spent about half
// a second compiling TypeScript (0.56 s against 0.20 s for a small capture): with one run every
// 50 inputs, a fifth to a third of a 600 s run's time on two busy cores.

import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkCompiledCliIsFresh, CLI_ENTRY } from '../support/compiled_cli.ts';
import { inputSeed, mutate, Rng } from './mutate.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(HERE, '..', '..');
const SEED_DIRS = ['test/fixtures/captures', 'test/fixtures/synthetic', 'test/fixtures/cdr', 'test/fixtures/archives'];
const SEED_EXT = /\.(pcap|pcapng|pcap\.gz|pcapng\.gz|csv|jsonl|json|txt|zip|tgz)$/;

export interface Seed {
  name: string;
  ext: string;
  bytes: Uint8Array;
}

/** The seed corpus, in a fixed order (labels.json and expected.json are not inputs). */
export function loadSeeds(): Seed[] {
  const out: Seed[] = [];
  for (const d of SEED_DIRS) {
    for (const f of readdirSync(join(REPO_ROOT, d)).sort()) {
      const m = SEED_EXT.exec(f);
      if (!m || f === 'labels.json' || f === 'expected.json' || f.endsWith('.mapping.json')) continue;
      out.push({ name: `${basename(d)}/${f}`, ext: m[0], bytes: new Uint8Array(readFileSync(join(REPO_ROOT, d, f))) });
    }
  }
  return out;
}

export interface FuzzInput {
  index: number;
  seed: Seed;
  ops: string[];
  bytes: Uint8Array;
}

/** Input `index` of a run seeded with `seed`. */
export function makeInput(seeds: readonly Seed[], seed: number, index: number): FuzzInput {
  const r = new Rng(inputSeed(seed, index));
  const s = seeds[r.int(seeds.length)];
  const m = mutate(s.bytes, r);
  return { index, seed: s, ops: m.ops, bytes: m.bytes };
}

export interface FuzzFailure {
  index: number;
  seedFile: string;
  ops: string[];
  reasons: string[];
  /** Where the failing input was written (when the run has an output folder). */
  file?: string;
  /** A defect being fixed elsewhere that this failure matches, when one does (KNOWN). */
  known?: string;
}

export interface FuzzOptions {
  seed: number;
  /** First input index (default 0): `from: i, count: 1` replays input i alone. */
  from?: number;
  /** Stop after this many inputs… */
  count?: number;
  /** …or after this many seconds, whichever comes first. */
  seconds?: number;
  /** Every n-th input also runs through the real CLI (0: never). */
  cliEvery?: number;
  /** An input not answered within this is a hang. */
  timeoutMs?: number;
  rssLimitMb?: number;
  /** Worker processes checking inputs side by side (default 1; `npm run fuzz` uses one a core). */
  workers?: number;
  /** Failing inputs are written here, each with a .txt holding its one-line reason. */
  outDir?: string;
  log?: (line: string) => void;
}

export interface FuzzResult {
  inputs: number;
  cliRuns: number;
  ms: number;
  failures: FuzzFailure[];
  maxRssMb: number;
}

/**
 * Defects being fixed elsewhere (on another branch) while the fuzzer runs: a failure matching
 * one is still reported (never skipped), and labelled so its cause is known. Empty when every
 * known defect is fixed on this branch, so that a new failure is never mistaken for an old one
 * (a CDR time past the range of dates was once labelled as the fixed capture-timestamp defect).
 */
export const KNOWN: Array<{ label: string; test: RegExp }> = [];

interface ChildAnswer {
  id: number;
  ready?: boolean;
  violations?: string[];
  ms?: number;
  rssMb?: number;
}

class Worker {
  private proc: ChildProcess | null = null;
  private waiting: ((a: ChildAnswer | { died: string }) => void) | null = null;

  async start(): Promise<void> {
    this.proc = fork(join(HERE, 'fuzz_child.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    this.proc.stderr?.resume();
    const p = this.proc;
    p.on('message', (m: ChildAnswer) => {
      const w = this.waiting;
      this.waiting = null;
      w?.(m);
    });
    p.on('exit', (code, signal) => {
      const w = this.waiting;
      this.waiting = null;
      if (this.proc === p) this.proc = null;
      w?.({ died: `worker exited (${signal ?? `code ${code}`})` });
    });
    const ready = await new Promise<ChildAnswer | { died: string }>((res) => (this.waiting = res));
    if ('died' in ready) throw new Error(`fuzz worker did not start: ${ready.died}`);
  }

  async check(path: string, id: number, timeoutMs: number): Promise<ChildAnswer | { died: string } | { hang: true }> {
    if (!this.proc) await this.start();
    const p = this.proc!;
    let timer: NodeJS.Timeout | undefined;
    const answer = new Promise<ChildAnswer | { died: string }>((res) => (this.waiting = res));
    const timeout = new Promise<{ hang: true }>((res) => (timer = setTimeout(() => res({ hang: true }), timeoutMs)));
    p.send({ id, path });
    const r = await Promise.race([answer, timeout]);
    clearTimeout(timer);
    if ('hang' in r) await this.stop();
    return r;
  }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    this.waiting = null;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const gone = new Promise<void>((res) => p.once('exit', () => res()));
    p.kill('SIGKILL');
    await gone;
  }
}

/** The real CLI on one input: exit status, stderr and stdout as a user sees them. */
export async function checkCli(path: string, timeoutMs: number): Promise<string[]> {
  const r = await runCli(path, timeoutMs);
  const v: string[] = [];
  if (r.timedOut) return [`CLI hang: no exit within ${timeoutMs / 1000} s`];
  if (r.signal) return [`CLI killed by ${r.signal}`];
  if (r.status !== 0 && r.status !== 1) v.push(`CLI exit status ${r.status}`);
  if (/\n\s+at\s/.test(r.stderr) || /^\s+at\s/m.test(r.stderr)) v.push(`CLI printed a stack trace: ${r.stderr.slice(0, 300).replace(/\n/g, '⏎')}`);
  for (const line of r.stderr.split('\n').filter((l) => l !== '')) {
    if (!line.startsWith('calltrace: ')) v.push(`CLI stderr line not of the form "calltrace: FILE: problem": ${line.slice(0, 200)}`);
  }
  if (r.status === 1 && !r.stderr.includes(path)) v.push('CLI exit 1 without naming the file on stderr');
  if (r.status === 0) {
    try {
      const doc = JSON.parse(r.stdout) as { sources: Array<{ status: string }> };
      if (doc.sources.some((s) => s.status !== 'ok') && !r.stderr.includes(path)) v.push('CLI: a partial/failed source not reported on stderr');
    } catch (e) {
      v.push(`CLI --json stdout is not valid JSON: ${(e as Error).message}`);
    }
  }
  return v;
}

interface CliRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** `calltrace analyze FILE --json` (the compiled CLI) as a child process, without blocking the other lanes. */
function runCli(path: string, timeoutMs: number): Promise<CliRun> {
  return new Promise((res) => {
    const p = spawn(process.execPath, [CLI_ENTRY, 'analyze', path, '--json'], {
      cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (b: Buffer) => out.push(b));
    p.stderr.on('data', (b: Buffer) => err.push(b));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      p.kill('SIGKILL');
    }, timeoutMs);
    p.on('close', (status, signal) => {
      clearTimeout(timer);
      res({ status, signal: timedOut ? null : signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), timedOut });
    });
  });
}

/** One worker lane: fork once, check inputs one at a time, replace the worker after a hang, crash or RSS excess. */
async function runLane(o: FuzzOptions, seeds: readonly Seed[], work: string, next: () => number | null, r: FuzzResult): Promise<void> {
  const timeoutMs = o.timeoutMs ?? 20_000;
  const rssLimit = o.rssLimitMb ?? 1024;
  const cliEvery = o.cliEvery ?? 0;
  const log = o.log ?? (() => {});
  const worker = new Worker();
  try {
    for (let i = next(); i !== null; i = next()) {
      const input = makeInput(seeds, o.seed, i);
      const path = join(work, `in_${i}${input.seed.ext}`);
      writeFileSync(path, input.bytes);
      const reasons: string[] = [];
      const a = await worker.check(path, i + 1, timeoutMs);
      if ('hang' in a) reasons.push(`hang: no answer within ${timeoutMs / 1000} s (${input.seed.name})`);
      else if ('died' in a) reasons.push(`crash: ${a.died}`);
      else {
        reasons.push(...(a.violations ?? []));
        r.maxRssMb = Math.max(r.maxRssMb, a.rssMb ?? 0);
        if ((a.rssMb ?? 0) > rssLimit) {
          reasons.push(`RSS ${Math.round(a.rssMb!)} MB > ${rssLimit} MB`);
          await worker.stop();
        }
      }
      if (cliEvery > 0 && i % cliEvery === cliEvery - 1 && reasons.length === 0) {
        r.cliRuns++;
        reasons.push(...(await checkCli(path, Math.max(timeoutMs, 60_000))));
      }
      r.inputs++;
      if (reasons.length > 0) {
        const f: FuzzFailure = { index: i, seedFile: input.seed.name, ops: input.ops, reasons };
        const k = KNOWN.find((x) => reasons.some((why) => x.test.test(why)));
        if (k) f.known = k.label;
        if (o.outDir) {
          mkdirSync(o.outDir, { recursive: true });
          const base = join(o.outDir, `seed${o.seed}-${i}${input.seed.ext}`);
          writeFileSync(base, input.bytes);
          writeFileSync(`${base}.txt`, `${reasons[0]}\nseed ${o.seed} index ${i}: ${input.seed.name} ${input.ops.join(' ')}${k ? `\nknown: ${k.label}` : ''}\n${reasons.slice(1).join('\n')}\n`);
          f.file = base;
        }
        r.failures.push(f);
        log(`FAIL seed ${o.seed} index ${i} (${input.seed.name} ${input.ops.join(' ')}): ${reasons[0]}${k ? ` [${k.label}]` : ''}`);
      }
      rmSync(path, { force: true });
    }
  } finally {
    await worker.stop();
  }
}

/**
 * Runs inputs from..from+count (or until `seconds` have passed) on `workers` lanes, each with
 * its own worker process: input i is the same whichever lane checks it, so (seed, i) still
 * reproduces a failure, and the failures are returned in index order.
 */
export async function runFuzz(o: FuzzOptions): Promise<FuzzResult> {
  // Before any input: a missing or stale bundle would test other code than the sources.
  if ((o.cliEvery ?? 0) > 0) await checkCompiledCliIsFresh();
  const seeds = loadSeeds();
  const work = mkdtempSync(join(tmpdir(), 'calltrace-fuzz-'));
  const r: FuzzResult = { inputs: 0, cliRuns: 0, ms: 0, failures: [], maxRssMb: 0 };
  const t0 = performance.now();
  const from = o.from ?? 0;
  let i = from;
  const next = (): number | null => {
    if (o.count !== undefined && i >= from + o.count) return null;
    if (o.seconds !== undefined && performance.now() - t0 >= o.seconds * 1000) return null;
    return i++;
  };
  const lanes = Math.max(1, Math.min(o.workers ?? 1, o.count ?? Infinity));
  try {
    await Promise.all(Array.from({ length: lanes }, () => runLane(o, seeds, work, next, r)));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  r.failures.sort((a, b) => a.index - b.index);
  r.ms = performance.now() - t0;
  return r;
}
