// analyze, report and serve: the commands that open an index, loaded by main.ts only when
// one of them runs (so --version and -h stay light). See main.ts for the command line.

import { restoreAfterRecovery } from '../ingest/cdr_orphans.ts';
import { readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { pushAll } from '../../../shared/util/array_math.ts';
import { summarize } from '../../../shared/diagnosis/call_summary.ts';
import { invalidCidrs } from '../../../shared/diagnosis/cidr.ts';
import { validateMapping, type ColumnMapping } from '../../../shared/cdr/index.ts';
import { DEFAULT_SETTINGS, type DiagnosisSettings } from '../../../shared/model/verdict.ts';
import { endToEndSummaryInputs } from '../ingest/leg_calls.ts';
import type { AnyOutcome } from '../ingest/import_file.ts';
import { importPath, type InputProblem } from '../ingest/import_archive.ts';
import { importWithPool, type PoolResult } from '../ingest/import_pool.ts';
import { restoreDuplicateOrder } from '../ingest/duplicate_order.ts';
import { expandInputs, isCaptureOrArchive, type ExpandedInputs, type SkippedInput } from '../ingest/input_paths.ts';
import { makeTempDir } from '../ingest/temp_dirs.ts';
import { importTestHooks } from '../ingest/import_test_hooks.ts';
import { openIndex, type IndexStore } from '../store/index_store.ts';
import { analyzeDocumentParts, collectAnalyzeDocument, collectReportInputs } from './call_document.ts';
import { writeJsonWithArray } from './json_stream.ts';
import { formatCallTable } from './call_table.ts';
import { formatReport } from './report_table.ts';
import { USAGE } from './usage.ts';

interface Args {
  command: string;
  files: string[];
  json: boolean;
  all: boolean;
  db: string;
  /** --db was given (serve keeps a library file by default instead of an in-memory index). */
  dbGiven: boolean;
  /** --settings or --own was given (serve saves them into the library). */
  settingsGiven: boolean;
  port?: number;
  settings: DiagnosisSettings;
  mapping?: ColumnMapping;
  /** Files imported at once (--jobs; default: the cores). 1 imports them one after another. */
  jobs: number;
}

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${what} ${path}: ${(e as Error).message}`, { cause: e });
  }
}

function parseArgs(argv: string[]): Args | string {
  const [command, ...rest] = argv;
  const a: Args = { command: command ?? '', files: [], json: false, all: false, db: ':memory:', dbGiven: false, settingsGiven: false, settings: { ...DEFAULT_SETTINGS, ownAddresses: [] }, jobs: availableParallelism() };
  for (let i = 0; i < rest.length; i++) {
    const t = rest[i];
    const value = (): string | null => rest[++i] ?? null;
    if (t === '--json') a.json = true;
    else if (t === '--all') a.all = true;
    else if (t === '--jobs') {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 1 || v > 256) return '--jobs needs a number of parallel imports (1–256)';
      a.jobs = v;
    } else if (t === '--port') {
      const v = Number(value());
      if (!Number.isInteger(v) || v < 0 || v > 65535) return '--port needs a port number (0–65535)';
      a.port = v;
    } else if (t === '--db' || t === '--settings' || t === '--own' || t === '--mapping') {
      const v = value();
      if (!v) return `${t} needs a value`;
      try {
        if (t === '--db') {
          a.db = v;
          a.dbGiven = true;
        } else if (t === '--own') {
          a.settings.ownAddresses = v.split(',').map((x) => x.trim()).filter(Boolean);
          a.settingsGiven = true;
        } else if (t === '--settings') {
          a.settings = { ...a.settings, ...(readJson(v, 'settings') as Partial<DiagnosisSettings>) };
          a.settingsGiven = true;
        }
        else a.mapping = readJson(v, 'mapping') as ColumnMapping;
      } catch (e) {
        return (e as Error).message;
      }
    } else if (t.startsWith('--')) return `unknown option ${t}`;
    else a.files.push(t);
  }
  const bad = invalidCidrs(a.settings.ownAddresses);
  if (bad.length > 0) return `not an address range: ${bad.join(', ')}`;
  if (a.mapping) {
    const problem = validateMapping(a.mapping);
    if (problem) return `column mapping: ${problem}`;
  }
  return a;
}

/** One stderr line per unfinished import of an earlier run that opening the index removed. */
function reportRecovered(store: IndexStore, write: (line: string) => void): void {
  for (const r of store.recovered) {
    write(`calltrace: ${r.path}: an earlier import did not finish (process ${r.pid} was killed or crashed); its ${r.calls} partial call(s) were removed from the index, import the file again to index it whole\n`);
  }
}

/** Skipped files named one per line on stderr before the rest are only counted. */
const MAX_SKIPPED_LINES = 20;

/**
 * The files that go to parallel workers: captures and archives (the long imports), when
 * there are at least two and more than one job. CDR and agent-event files are imported on
 * this connection once the captures are in, so their join onto captured calls sees every
 * capture (the cross-file step); the document's leg links and clock alignment are built
 * after that, from the index.
 */
function parallelFiles(files: readonly string[], jobs: number): number[] {
  if (jobs <= 1) return [];
  const picked = files.flatMap((f, i) => (isCaptureOrArchive(f) ? [i] : []));
  return picked.length >= 2 ? picked : [];
}

/**
 * Imports every file (a folder: what is in it; an archive: each member), reporting problems
 * on stderr, one line each, named by the path as given (`bundle.zip!inner/x.pcap` for a
 * member); returns the sources read and what was skipped. With several captures they are
 * imported in parallel (import_pool.ts); results are still taken, and reported, in input
 * order, so the output is the same as a sequential run's.
 */
async function importAll(store: IndexStore, args: Args, inputs: ExpandedInputs): Promise<{ ids: number[]; anyRead: boolean; skipped: SkippedInput[]; problems: InputProblem[] }> {
  const { files, skipped } = inputs;
  const outcomes: AnyOutcome[] = [];
  const problems: InputProblem[] = [];
  const say = (line: string): void => void process.stderr.write(`calltrace: ${line}\n`);
  // A folder of notes or an archive of thousands of files must not bury the real problems:
  // the first skipped files are named, the rest counted (--json lists them all).
  let skipLines = 0;
  const saySkipped = (list: SkippedInput[]): void => {
    for (const s of list) if (skipLines++ < MAX_SKIPPED_LINES) say(`${s.path}: skipped (${s.reason})`);
  };
  saySkipped(skipped);

  const opts = { settings: args.settings, mapping: args.mapping };
  const results: Array<PoolResult | undefined> = new Array(files.length);
  const pooled = parallelFiles(files, args.jobs);
  if (pooled.length > 0) {
    const r = await importWithPool(pooled.map((i) => files[i]), {
      dbPath: store.path, jobs: args.jobs, ...opts,
      here: (path) => importPath(store, path, { ...opts, ...importTestHooks() }),
    });
    pooled.forEach((fileIndex, k) => (results[fileIndex] = r[k]));
  }
  for (let i = 0; i < files.length; i++) {
    if (results[i] !== undefined) continue;
    try {
      results[i] = { result: await importPath(store, files[i], { ...opts, ...importTestHooks() }), error: null };
    } catch (e) {
      results[i] = { result: null, error: `could not be indexed (${(e as Error).message})` };
    }
  }

  // Of two equal captures imported side by side, the one listed as already indexed must be
  // the later in input order, as in a sequential run (duplicate_order.ts).
  if (pooled.length > 0) {
    restoreDuplicateOrder(store, results.flatMap((r) => (r?.result ? r.result.outcomes.map((_, index, list) => ({ list, index })) : [])));
  }
  files.forEach((f, i) => {
    const { result: r, error } = results[i]!;
    if (r === null) {
      outcomes.push({ path: f, name: f, status: 'failed', sourceId: null, error, calls: 0, packets: 0, warnings: [], kind: 'capture' });
      problems.push({ name: f, path: f, error });
      say(`${f}: ${error}`);
      return;
    }
    for (const o of r.outcomes) {
      outcomes.push(o);
      if (o.error) say(`${o.path}: ${o.error}`);
      else if (o.status === 'duplicate') say(`${o.path}: already indexed (same content), showing the indexed calls`);
      if (o.status === 'failed') problems.push({ name: o.name, path: o.path, error: o.error ?? 'could not be read' });
    }
    saySkipped(r.skipped);
    for (const p of r.problems) say(`${p.path}: ${p.error}`);
    pushAll(skipped, r.skipped);
    pushAll(problems, r.problems);
  });
  if (skipLines > MAX_SKIPPED_LINES) say(`${skipLines - MAX_SKIPPED_LINES} more file(s) skipped (not inputs); --json lists them all under "skipped"`);
  const ids = [...new Set(outcomes.map((o) => o.sourceId).filter((x): x is number => x !== null))];
  return { ids, anyRead: outcomes.some((o) => o.sourceId !== null), skipped, problems };
}

async function run(args: Args): Promise<number> {
  const inputs = expandInputs(args.files, { tabularIsInput: args.mapping !== undefined });
  if (inputs.files.length === 0 && inputs.skipped.length === 0) {
    process.stderr.write(`calltrace: ${args.command} needs at least one file\n${USAGE}\n`);
    return 2;
  }
  // Parallel workers each open the index: an in-memory one cannot be shared, so the
  // default (no --db) becomes a private file in a temp directory, removed at exit.
  const scratch = args.db === ':memory:' && parallelFiles(inputs.files, args.jobs).length > 0 ? makeTempDir('index') : null;
  const store = openIndex(scratch ? join(scratch, 'index.sqlite') : args.db);
  reportRecovered(store, (l) => process.stderr.write(l));
  restoreAfterRecovery(store, args.settings);
  try {
    const r = await importAll(store, args, inputs);
    if (args.command === 'analyze' && args.json) {
      // Printed as the calls are read: the document is never whole in memory, nor one string.
      const parts = analyzeDocumentParts(store, r.ids, args.settings);
      const write = (text: string): void => void process.stdout.write(text);
      writeJsonWithArray(write, 'calls', parts.calls, { ...parts.rest, skipped: r.skipped, inputProblems: r.problems });
      write('\n');
    } else if (args.command === 'analyze') {
      const doc = { ...collectAnalyzeDocument(store, r.ids, args.settings).doc, skipped: r.skipped, inputProblems: r.problems };
      process.stdout.write(formatCallTable(doc, { all: args.all }) + '\n');
    } else {
      // The report prints counts, not calls: no call document is built (only sources and legs).
      const built = collectReportInputs(store, r.ids);
      const calls = r.ids.flatMap((id) => store.listCalls({ sourceId: id, limit: 1e9 }));
      // An end-to-end call of several legs (B2BUA) counts once, with its end-to-end verdict.
      const summary = summarize(endToEndSummaryInputs(calls, built.legs, args.settings), args.settings);
      const sources = built.sources.map((s) => ({ name: s.name, kind: s.kind, status: s.status, calls: s.calls }));
      process.stdout.write(args.json ? JSON.stringify({ summary, settings: args.settings, sources }, null, 2) + '\n' : formatReport(summary, sources, args.settings) + '\n');
    }
    return r.anyRead ? 0 : 1;
  } finally {
    store.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

/** analyze, report or serve, with its arguments (argv[0] is the command). */
export async function runCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`calltrace: ${args}\n${USAGE}\n`);
    return 2;
  }
  switch (args.command) {
    case 'analyze':
    case 'report':
      return run(args);
    case 'serve': {
      // The HTTP bridge and the API handlers are needed by serve only.
      const { serve } = await import('../api/serve.ts');
      return serve({
        files: args.files,
        db: args.dbGiven ? args.db : undefined,
        port: args.port,
        settings: args.settingsGiven ? args.settings : undefined,
      });
    }
    case 'help':
    case '':
      process.stdout.write(USAGE + '\n');
      return args.command === '' ? 2 : 0;
    default:
      process.stderr.write(`calltrace: unknown command '${args.command}'\n${USAGE}\n`);
      return 2;
  }
}
