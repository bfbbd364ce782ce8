// The import-speed targets of issue 13, measured by `npm run bench` (ingest_bench.ts) beside
// their figures:
//   - a 400 MB capture of 300 concurrent calls, 0.5 % loss, ± 2 ms arrival jitter, imported
//     by the compiled command line in one run, start-up included, at ≥ 10× the speed of
//     `tshark -z rtp,streams` on the same file (tshark measured in the same run);
//   - the same kind of capture at 1 GB: ≥ 15×;
//   - two such 400 MB captures given together (parallel workers, one per core): ≥ 1.6× the
//     throughput of one.
//
// Why it is measured this way:
// - "Ours" is the whole `node dist/cli/calltrace.mjs analyze FILE… --db INDEX --json` process,
//   as a user runs it: start-up, import, and the document printed (and checked afterwards:
//   every file ok, every generated packet read). tshark is its whole process too.
// - The index is a file (--db) in every run, one or two captures alike, so the throughput
//   comparison is between the same kinds of work; it is removed before each run.
// - The machine may be shared: the 1-minute load average is printed beside every figure
//   (os.loadavg before and after the run), since a loaded machine slows both tools unevenly.
// - Each capture is generated, measured and deleted before the next is written: at most two
//   400 MB captures, or one 1 GB, are on disk at once.

import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateCapture, type GeneratorResult } from './capture_generator.ts';

export interface TargetShape {
  concurrentCalls: number;
  lossPct: number;
  jitterMs: number;
  /**
   * Ring and talk times × this: 0.5 lets all 300 slots be busy at once within 400 MB (a slot
   * stops starting calls once the planned bytes reach the target; outcome thresholds are kept).
   */
  durationScale: number;
}

export const TARGET_SHAPE: TargetShape = { concurrentCalls: 300, lossPct: 0.5, jitterMs: 2, durationScale: 0.5 };

/** What the targets read of a measured child process (ingest_bench.ts's runMeasured gives more). */
export interface MeasuredRun {
  code: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
  peakRssKb: number | null;
}

export interface TargetsContext {
  work: string;
  repoRoot: string;
  seed: number;
  hasTshark: boolean;
  /** The bench's measured spawn (wall time and peak RSS of the child). */
  runMeasured: (cmd: string, args: string[]) => Promise<MeasuredRun>;
  say: (s: string) => void;
  sizes?: { single: number; big: number };
  /** Cores of this machine (the CLI's default --jobs). */
  cores: number;
}

interface Run {
  wallMs: number;
  peakRssKb: number | null;
  load: [number, number];
  /** CPU time of the main thread and of every thread (thread_cpu.mjs); null for tshark or without /proc. */
  cpu: { mainMs: number; allMs: number } | null;
}

export interface TargetRow {
  target: string;
  figure: string;
  required: string;
  met: boolean | null;
  load: string;
  /**
   * The best the figure could be with the CPU this run used (from the figure's own runs): the
   * main thread's CPU bounds one import's wall time, the CPU of all threads over the cores
   * bounds several at once. '' when not measured.
   */
  bound: string;
}

const la = (): number => loadavg()[0];
const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);
const loadText = (r: Run) => `${f2(r.load[0])}→${f2(r.load[1])}`;

const CPU_LINE = /^CALLTRACE_THREAD_CPU main=(\d+) all=(\d+)$/m;

/** The CPU line thread_cpu.mjs printed on stderr, if any. */
export function threadCpu(stderr: string): { mainMs: number; allMs: number } | null {
  const m = CPU_LINE.exec(stderr);
  return m ? { mainMs: Number(m[1]), allMs: Number(m[2]) } : null;
}

async function oursRun(ctx: TargetsContext, files: string[], gens: GeneratorResult[], db: string): Promise<Run> {
  for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
  const cli = resolve(ctx.repoRoot, 'dist/cli/calltrace.mjs');
  const cpuProbe = pathToFileURL(resolve(ctx.repoRoot, 'test/bench/thread_cpu.mjs')).href;
  const l0 = la();
  const m = await ctx.runMeasured(process.execPath, ['--import', cpuProbe, cli, 'analyze', ...files, '--db', db, '--json']);
  const load: [number, number] = [l0, la()];
  if (m.code !== 0) throw new Error(`calltrace analyze failed (${m.code}): ${m.stderr.slice(0, 2000)}`);
  // Checked after the clock stopped: every capture read whole.
  const doc = JSON.parse(m.stdout) as { sources: Array<{ name: string; status: string; packets: number }> };
  files.forEach((f, i) => {
    const s = doc.sources.find((x) => f.endsWith(x.name));
    if (!s || s.status !== 'ok' || s.packets !== gens[i].packets) {
      throw new Error(`calltrace analyze did not read ${f} whole: ${JSON.stringify(s ?? null)} (generated ${gens[i].packets} packets)`);
    }
  });
  return { wallMs: m.wallMs, peakRssKb: m.peakRssKb, load, cpu: threadCpu(m.stderr) };
}

async function tsharkRun(ctx: TargetsContext, file: string): Promise<Run> {
  const l0 = la();
  const m = await ctx.runMeasured('tshark', ['-q', '-o', 'rtp.heuristic_rtp:TRUE', '-z', 'rtp,streams', '-r', file]);
  if (m.code !== 0) throw new Error(`tshark failed (${m.code}): ${m.stderr.slice(0, 2000)}`);
  return { wallMs: m.wallMs, peakRssKb: m.peakRssKb, load: [l0, la()], cpu: null };
}

function generate(ctx: TargetsContext, out: string, bytes: number, seed: number): GeneratorResult {
  ctx.say(`  generating ${out.split('/').pop()} (${f1(bytes / 1e6)} MB, ${TARGET_SHAPE.concurrentCalls} concurrent, ${TARGET_SHAPE.lossPct} % loss, ±${TARGET_SHAPE.jitterMs} ms, seed ${seed})… `);
  const t = performance.now();
  const g = generateCapture({ out, targetBytes: bytes, seed, ...TARGET_SHAPE });
  // Flushed, so our run (first) does not compete with write-back that tshark (later) is spared.
  spawnSync('sync');
  ctx.say(`${f1(g.bytes / 1e6)} MB, ${g.packets} packets, ${g.calls} calls, up to ${g.maxLiveCalls} live; ${f1((performance.now() - t) / 1000)} s\n`);
  return g;
}

export async function runTargets(ctx: TargetsContext): Promise<TargetRow[]> {
  const single = ctx.sizes?.single ?? 400e6;
  const big = ctx.sizes?.big ?? 1e9;
  const rows: TargetRow[] = [];
  const db = join(ctx.work, 'targets.sqlite');
  const a = join(ctx.work, 'target-a.pcap');
  const b = join(ctx.work, 'target-b.pcap');
  const c = join(ctx.work, 'target-big.pcap');
  const remove = (...fs: string[]) => {
    for (const f of [...fs, db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
  };
  const mbOf = (g: GeneratorResult) => g.bytes / 1e6;
  const ratioRow = (label: string, g: GeneratorResult, ours: Run, ts: Run | null, need: number): TargetRow => {
    const cpuText = ours.cpu ? `, CPU ${f2(ours.cpu.mainMs / 1000)} s main thread / ${f2(ours.cpu.allMs / 1000)} s all threads` : '';
    const oursText = `ours ${f2(ours.wallMs / 1000)} s (${f1(mbOf(g) / (ours.wallMs / 1000))} MB/s, RSS ${ours.peakRssKb === null ? '?' : f1(ours.peakRssKb / 1024)} MB${cpuText})`;
    if (!ts) return { target: label, figure: `${oursText}; tshark not installed`, required: `≥ ${need}× tshark`, met: null, load: loadText(ours), bound: '' };
    const ratio = ts.wallMs / ours.wallMs;
    return {
      target: label,
      figure: `${f1(ratio)}× — ${oursText}, tshark ${f2(ts.wallMs / 1000)} s (${f1(mbOf(g) / (ts.wallMs / 1000))} MB/s)`,
      required: `≥ ${need}×`, met: ratio >= need, load: `ours ${loadText(ours)}, tshark ${loadText(ts)}`,
      // The run cannot take less wall time than its main thread's CPU.
      bound: ours.cpu && ours.cpu.mainMs > 0 ? `≤ ${f1(ts.wallMs / ours.cpu.mainMs)}× (tshark's time over our main thread's CPU)` : '',
    };
  };

  try {
    ctx.say(`[targets] 1 of 3: one ${f1(single / 1e6)} MB capture vs tshark\n`);
    const ga = generate(ctx, a, single, ctx.seed);
    const oursA = await oursRun(ctx, [a], [ga], db);
    ctx.say(`  ours (compiled CLI, one run, start-up included): ${f2(oursA.wallMs / 1000)} s, load ${loadText(oursA)}\n`);
    const tsA = ctx.hasTshark ? await tsharkRun(ctx, a) : null;
    if (tsA) ctx.say(`  tshark -z rtp,streams: ${f2(tsA.wallMs / 1000)} s, load ${loadText(tsA)}\n`);
    rows.push(ratioRow(`${f1(mbOf(ga))} MB, ${ga.maxLiveCalls} live calls, ${TARGET_SHAPE.lossPct} % loss, ±${TARGET_SHAPE.jitterMs} ms`, ga, oursA, tsA, 10));

    ctx.say(`[targets] 2 of 3: two ${f1(single / 1e6)} MB captures together vs one\n`);
    const gb = generate(ctx, b, single, ctx.seed + 1);
    // One file again, right before the pair, so both see about the same machine.
    const one = await oursRun(ctx, [a], [ga], db);
    const two = await oursRun(ctx, [a, b], [ga, gb], db);
    const oneRate = mbOf(ga) / (one.wallMs / 1000);
    const twoRate = (mbOf(ga) + mbOf(gb)) / (two.wallMs / 1000);
    ctx.say(`  one: ${f2(one.wallMs / 1000)} s (${f1(oneRate)} MB/s), load ${loadText(one)}; two: ${f2(two.wallMs / 1000)} s (${f1(twoRate)} MB/s), load ${loadText(two)}\n`);
    const cpuOf = (r: Run): string => (r.cpu ? `, CPU ${f2(r.cpu.allMs / 1000)} s` : '');
    rows.push({
      target: `two ${f1(single / 1e6)} MB captures at once (--jobs default: ${ctx.cores} cores)`,
      figure: `${f2(twoRate / oneRate)}× the throughput of one — two ${f2(two.wallMs / 1000)} s (${f1(twoRate)} MB/s${cpuOf(two)}), one ${f2(one.wallMs / 1000)} s (${f1(oneRate)} MB/s${cpuOf(one)})`,
      required: '≥ 1.6×', met: twoRate / oneRate >= 1.6, load: `one ${loadText(one)}, two ${loadText(two)}`,
      bound: twoFilesBound(one, ctx.cores),
    });
    remove(a, b);

    ctx.say(`[targets] 3 of 3: one ${f1(big / 1e6)} MB capture vs tshark\n`);
    const gc = generate(ctx, c, big, ctx.seed + 2);
    const oursC = await oursRun(ctx, [c], [gc], db);
    ctx.say(`  ours: ${f2(oursC.wallMs / 1000)} s, load ${loadText(oursC)}\n`);
    const tsC = ctx.hasTshark ? await tsharkRun(ctx, c) : null;
    if (tsC) ctx.say(`  tshark: ${f2(tsC.wallMs / 1000)} s, load ${loadText(tsC)}\n`);
    rows.push(ratioRow(`${f1(mbOf(gc))} MB, ${gc.maxLiveCalls} live calls, same shape`, gc, oursC, tsC, 15));
  } finally {
    remove(a, b, c);
  }
  return rows;
}

/**
 * How much faster two captures at once can be than one, given what one used: two need twice its
 * CPU, which `cores` cores deliver in no less than 2·CPU/cores of wall time, so the throughput
 * ratio 2·wall/that is at most cores·wall/CPU (and at most 2). It holds while each import keeps
 * the CPU it used alone; sharing the cores only adds to that.
 */
export function twoFilesBound(one: { wallMs: number; cpu: { allMs: number } | null }, cores: number): string {
  if (!one.cpu || one.cpu.allMs <= 0) return '';
  const best = Math.min(2, (cores * one.wallMs) / one.cpu.allMs);
  return `≤ ${f2(best)}× (one used ${f2(one.cpu.allMs / 1000)} s of CPU in ${f2(one.wallMs / 1000)} s; ${cores} cores)`;
}

/** The targets as a table: target, figure, required, met, the best the CPU allows, load average (1 min, before→after). */
export function targetsTable(rows: TargetRow[]): string {
  const head = ['target', 'figure', 'required', 'met', 'best with this CPU', 'load avg'];
  const cells = rows.map((r) => [r.target, r.figure, r.required, r.met === null ? '?' : r.met ? 'yes' : 'NO', r.bound || '–', r.load]);
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => c.map((x, i) => x.padEnd(w[i])).join(' | ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('-|-'), ...cells.map(line)].join('\n');
}
