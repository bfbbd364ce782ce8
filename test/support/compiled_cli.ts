// The compiled command line (dist/cli/calltrace.mjs, built by build/build_cli.ts on `npm
// install` and at the start of `npm test`), run as a user runs it: plain Node, no tsx.
//
// Which tests run which command line, deliberately:
// - test/cli/ and the fuzzer's CLI checks (test/fuzz/fuzz_engine.ts) run this compiled
//   bundle: it is what `calltrace`, `npx calltrace` and `npm run calltrace` start. Before the
//   first run, the bundle on disk is compared with a fresh in-memory build of the sources: a
//   stale bundle (sources edited, `npm run build:cli` not run) fails with that advice instead
//   of testing yesterday's code.
// - The other tests that spawn the command line (engine, ingest, store, export, e2e) run
//   electron/node/cli/main.ts through tsx: they test the sources and need no build.

import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { bundleCli, CLI_ENTRY, CLI_OUT_DIR, ROOT } from '../../build/build_cli.ts';

export { CLI_ENTRY };

let checked: Promise<void> | null = null;

/** Throws when dist/cli is missing or differs from what the sources build now. */
export function checkCompiledCliIsFresh(): Promise<void> {
  checked ??= (async () => {
    const advice = 'run `npm run build:cli` (npm install and npm test run it)';
    if (!existsSync(CLI_ENTRY)) throw new Error(`${relative(ROOT, CLI_ENTRY)} is not built: ${advice}`);
    const fresh = (await bundleCli()).files;
    const stale: string[] = [];
    for (const f of fresh) {
      if (!existsSync(f.path) || readFileSync(f.path, 'utf8') !== f.text) stale.push(relative(ROOT, f.path));
    }
    const expected = new Set(fresh.map((f) => f.path));
    for (const name of readdirSync(CLI_OUT_DIR)) if (!expected.has(join(CLI_OUT_DIR, name))) stale.push(`${relative(ROOT, join(CLI_OUT_DIR, name))} (left over)`);
    if (stale.length > 0) throw new Error(`the compiled command line is older than the sources (${stale.join(', ')}): ${advice}`);
  })();
  return checked;
}

export interface CliRun {
  code: number | null;
  out: string;
  err: string;
}

/** Runs `calltrace ARGS…` from the compiled bundle with plain Node, in the checkout. */
export function compiledCalltrace(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliRun {
  const r: SpawnSyncReturns<string> = spawnSync(process.execPath, [CLI_ENTRY, ...args], {
    cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 28,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
