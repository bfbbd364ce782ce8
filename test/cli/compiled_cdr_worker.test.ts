// The compiled command line reads a large CDR export with its CDR row worker: the worker is an
// entry of the bundle (dist/cli/cdr_row_worker.mjs, build/build_cli.ts) found beside the code
// that starts it, loads no SQLite, and gives the same analysis as the importing thread alone.
// The test hook CALLTRACE_TEST_CDR_WORKER_MIN_BYTES sends this small export through it (0) or
// keeps it on the importing thread (a size above the file's).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleCli, CLI_OUT_DIR } from '../../build/build_cli.ts';
import { writeFreeswitchCsv } from '../bench/cdr_bench.ts';
import { checkCompiledCliIsFresh, compiledCalltrace } from '../support/compiled_cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'calltrace-bin-cdr-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the compiled command line and the CDR row worker', () => {
  it('the worker is an entry of its own, and neither it nor its chunks load SQLite', async () => {
    await checkCompiledCliIsFresh();
    const { metafile } = await bundleCli();
    const entry = join('dist/cli', 'cdr_row_worker.mjs');
    expect(Object.keys(metafile.outputs)).toContain(entry);
    const loaded = new Set<string>();
    const walk = (out: string): void => {
      if (loaded.has(out)) return;
      loaded.add(out);
      for (const i of metafile.outputs[out].imports) if (!i.external) walk(i.path);
    };
    walk(entry);
    const externals = [...loaded].flatMap((o) => metafile.outputs[o].imports.filter((i) => i.external).map((i) => i.path));
    expect(externals).not.toContain('better-sqlite3');
    expect(readFileSync(join(CLI_OUT_DIR, 'cdr_row_worker.mjs'), 'utf8')).toContain('workerData');
  });

  it('analyze --json of an export read by the worker is the document of the importing thread', async () => {
    const csv = join(tmp, 'daily.csv');
    await writeFreeswitchCsv(csv, 2000, 3600, 12);
    const run = (minBytes: string) => compiledCalltrace(['analyze', csv, '--db', join(tmp, `lib_${minBytes}.db`), '--json'], { env: { ...process.env, CALLTRACE_TEST_CDR_WORKER_MIN_BYTES: minBytes } });
    const worker = run('0');
    const own = run(String(1 << 30));
    expect(worker.code, worker.err).toBe(0);
    expect(own.code, own.err).toBe(0);
    expect((JSON.parse(worker.out) as { calls: unknown[] }).calls.length).toBe(2000);
    expect(worker.out).toBe(own.out);
    expect(worker.err).toBe(own.err);
  });
});
