// Command-line start-up benchmark: what a user waits for before `calltrace` reads a byte, and
// for a small capture, against the targets of the command-line issue:
//   calltrace --version   within 3× of `node -e 0`
//   analyze of a 1 MB capture   under 0.4 s wall
// beside the old path (the TypeScript sources compiled at every start by tsx) for comparison.
//
//   npm run bench:cli [-- --runs 9 --size 1M --no-npm]
//
// Each line is the median wall time of --runs runs (min and max beside it): the machine is
// shared, and a single run says little. Every run is a fresh process started with spawnSync
// from this one, so the time includes Node's own start-up, as in a shell. The compiled bundle
// is rebuilt first (build/build_cli.ts), so it is the one of these sources. The capture is
// generated (capture_generator.ts, seed 1) into a temp directory removed at the end.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli, CLI_ENTRY, ROOT } from '../../build/build_cli.ts';
import { generateCapture, parseSize } from './capture_generator.ts';
import { machine } from './machine.ts';

interface Args {
  runs: number;
  size: string;
  npm: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { runs: 9, size: '1M', npm: true };
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i];
    if (t === '--runs') a.runs = Math.max(1, Math.floor(Number(argv[++i])));
    else if (t === '--size') a.size = argv[++i] ?? a.size;
    else if (t === '--no-npm') a.npm = false;
    else throw new Error(`unknown option ${t} (--runs N, --size 1M, --no-npm)`);
  }
  return a;
}

interface Timing {
  median: number;
  min: number;
  max: number;
}

/** Wall seconds of `cmd args` run `runs` times (after one unmeasured warm-up run). */
function time(cmd: string, args: string[], runs: number): Timing {
  const once = (): number => {
    const t = performance.now();
    const r = spawnSync(cmd, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    const s = (performance.now() - t) / 1000;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    return s;
  };
  once(); // the page cache and V8's code cache, as for a user's second run
  const xs = Array.from({ length: runs }, once).sort((a, b) => a - b);
  return { median: xs[Math.floor(xs.length / 2)], min: xs[0], max: xs[xs.length - 1] };
}

const ms = (s: number): string => `${(s * 1000).toFixed(0)} ms`;
const row = (name: string, t: Timing, note = ''): string => `${name.padEnd(52)} ${ms(t.median).padStart(8)}   (${ms(t.min)}–${ms(t.max)})${note ? `   ${note}` : ''}`;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const node = process.execPath;
  const tsxMain = ['--import', 'tsx', join(ROOT, 'electron/node/cli/main.ts')];
  const built = await buildCli();
  const dir = mkdtempSync(join(tmpdir(), 'calltrace-clibench-'));
  try {
    const capture = join(dir, `bench_${args.size}.pcap`);
    const gen = generateCapture({ out: capture, targetBytes: parseSize(args.size), format: 'pcap', seed: 1, concurrentCalls: 10, durationScale: 0.1 });
    spawnSync('sync');
    process.stdout.write(`${machine()}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
    process.stdout.write(`compiled command line: ${built.length} files in dist/cli; capture: ${(statSync(capture).size / 1e6).toFixed(2)} MB, ${gen.packets} packets, ${gen.calls} calls\n`);
    process.stdout.write(`median of ${args.runs} runs (min–max)\n\n`);

    const base = time(node, ['-e', '0'], args.runs);
    process.stdout.write(row('node -e 0', base) + '\n');
    const version = time(node, [CLI_ENTRY, '--version'], args.runs);
    const ratio = version.median / base.median;
    process.stdout.write(row('calltrace --version (compiled)', version, `${ratio.toFixed(2)}× node -e 0 (target ≤ 3×: ${ratio <= 3 ? 'met' : 'NOT met'})`) + '\n');
    process.stdout.write(row('calltrace --version (shebang, as the bin)', time(CLI_ENTRY, ['--version'], args.runs)) + '\n');
    process.stdout.write(row('calltrace -h (compiled)', time(node, [CLI_ENTRY, '-h'], args.runs)) + '\n');
    const analyze = time(node, [CLI_ENTRY, 'analyze', capture, '--json'], args.runs);
    process.stdout.write(row(`calltrace analyze ${args.size} --json (compiled)`, analyze, `target < 400 ms: ${analyze.median < 0.4 ? 'met' : 'NOT met'}`) + '\n');
    process.stdout.write(row(`calltrace analyze ${args.size} (table, compiled)`, time(node, [CLI_ENTRY, 'analyze', capture], args.runs)) + '\n');
    if (args.npm) {
      process.stdout.write(row('npm run -s calltrace -- --version (compiled)', time('npm', ['run', '-s', 'calltrace', '--', '--version'], args.runs)) + '\n');
      process.stdout.write(row('npx calltrace --version (compiled)', time('npx', ['calltrace', '--version'], args.runs)) + '\n');
    }
    process.stdout.write('\nthe old path, TypeScript compiled by tsx at every start:\n');
    process.stdout.write(row('tsx main.ts --version', time(node, [...tsxMain, '--version'], args.runs)) + '\n');
    process.stdout.write(row(`tsx main.ts analyze ${args.size} --json`, time(node, [...tsxMain, 'analyze', capture, '--json'], args.runs)) + '\n');
    if (args.npm) process.stdout.write(row('npm run -s calltrace:dev -- --version (the old npm run calltrace)', time('npm', ['run', '-s', 'calltrace:dev', '--', '--version'], args.runs)) + '\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
