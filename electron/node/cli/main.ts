// calltrace command line: `analyze FILE... [--json] [--db PATH] [--all]`.
// Exit status is non-zero only when nothing at all could be read (bad input is reported per
// file on stderr, one line each, and everything good is still printed).

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openIndex } from '../store/index_store.ts';
import { importCapture, type ImportOutcome } from '../ingest/import_capture.ts';
import { buildAnalyzeDocument } from './call_document.ts';
import { formatCallTable } from './call_table.ts';

const USAGE = `usage: calltrace analyze FILE|DIR... [--json] [--db PATH] [--all]

  analyze   index the captures (pcap, pcapng, gzip-compressed) and print their calls
  --json    one JSON document {calls, unassociatedStreams, sources} instead of the table
  --db      keep the index in this SQLite file (default: in memory, gone at exit)
  --all     the table also lists non-call dialogs (REGISTER, OPTIONS, SUBSCRIBE…)`;

interface Args {
  command: string;
  files: string[];
  json: boolean;
  all: boolean;
  db: string;
}

function parseArgs(argv: string[]): Args | string {
  const [command, ...rest] = argv;
  const a: Args = { command: command ?? '', files: [], json: false, all: false, db: ':memory:' };
  for (let i = 0; i < rest.length; i++) {
    const t = rest[i];
    if (t === '--json') a.json = true;
    else if (t === '--all') a.all = true;
    else if (t === '--db') {
      const v = rest[++i];
      if (!v) return '--db needs a path';
      a.db = v;
    } else if (t.startsWith('--')) return `unknown option ${t}`;
    else a.files.push(t);
  }
  return a;
}

/** Directories stand for the capture-like files inside them (sorted, not recursive). */
function expand(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      out.push(p); // reported as unreadable by the import
      continue;
    }
    if (!st.isDirectory()) out.push(p);
    else for (const f of readdirSync(p).sort()) if (/\.(pcap|pcapng|cap|gz)$/i.test(f)) out.push(join(p, f));
  }
  return out;
}

async function analyze(args: Args): Promise<number> {
  const files = expand(args.files);
  if (files.length === 0) {
    process.stderr.write(`calltrace: analyze needs at least one file\n${USAGE}\n`);
    return 2;
  }
  const store = openIndex(args.db);
  const outcomes: ImportOutcome[] = [];
  try {
    for (const f of files) {
      let o: ImportOutcome;
      try {
        o = await importCapture(store, f);
      } catch (e) {
        o = { path: f, name: f, status: 'failed', sourceId: null, error: `could not be indexed (${(e as Error).message})`, calls: 0, packets: 0, warnings: [] };
      }
      outcomes.push(o);
      if (o.error) process.stderr.write(`calltrace: ${f}: ${o.error}\n`);
      else if (o.status === 'duplicate') process.stderr.write(`calltrace: ${f}: already indexed (same content), showing the indexed calls\n`);
    }
    const ids = [...new Set(outcomes.map((o) => o.sourceId).filter((x): x is number => x !== null))];
    const doc = buildAnalyzeDocument(store, ids);
    process.stdout.write(args.json ? JSON.stringify(doc, null, 2) + '\n' : formatCallTable(doc, { all: args.all }) + '\n');
    const anyRead = outcomes.some((o) => o.status !== 'failed' || o.packets > 0);
    return anyRead ? 0 : 1;
  } finally {
    store.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`calltrace: ${args}\n${USAGE}\n`);
    return 2;
  }
  switch (args.command) {
    case 'analyze':
      return analyze(args);
    case 'help':
    case '--help':
    case '':
      process.stdout.write(USAGE + '\n');
      return args.command === '' ? 2 : 0;
    default:
      process.stderr.write(`calltrace: unknown command '${args.command}'\n${USAGE}\n`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: Error) => {
    process.stderr.write(`calltrace: ${e.message}\n`);
    process.exitCode = 1;
  },
);
