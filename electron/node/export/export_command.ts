// calltrace export FILE... --call CALL-ID [--call …] [--pcap OUT.pcapng] [--html OUT.html] [--redact] [--db PATH]
//
// Indexes FILE... (or uses the library given with --db, FILE... then optional), finds the
// calls by Call-ID and writes what was asked, redacted with --redact (export_redaction.ts:
// both outputs with one keyed mapping). Exit status: 0 written; 1 the export could not be
// made (unknown Call-ID, a capture gone or changed since it was indexed, unreadable input);
// 2 bad arguments.

import { EXPORT_USAGE } from '../cli/usage.ts';
import { importFile } from '../ingest/import_file.ts';
import { openIndex } from '../store/index_store.ts';
import { ExportError, findCallsToExport } from './call_packets.ts';
import { runExportJob } from './export_job.ts';

export interface ExportArgs {
  files: string[];
  callIds: string[];
  pcap: string | null;
  html: string | null;
  redact: boolean;
  db: string | null;
}

/** The arguments after `export`, or a one-line problem. */
export function parseExportArgs(argv: readonly string[]): ExportArgs | string {
  const a: ExportArgs = { files: [], callIds: [], pcap: null, html: null, redact: false, db: null };
  for (let i = 0; i < argv.length; i++) {
    const t = argv[i];
    const value = (): string | null => {
      const v = argv[i + 1];
      if (v === undefined || v === '') return null;
      i++;
      return v;
    };
    if (t === '--call' || t === '--pcap' || t === '--html' || t === '--db') {
      const v = value();
      if (v === null) return `${t} needs a value`;
      if (t === '--call') a.callIds.push(v);
      else if (t === '--pcap') a.pcap = v;
      else if (t === '--html') a.html = v;
      else a.db = v;
    } else if (t === '--redact') a.redact = true;
    else if (t.startsWith('--')) return `unknown option ${t} for export`;
    else a.files.push(t);
  }
  if (a.callIds.length === 0) return 'export needs --call CALL-ID (the SIP Call-ID of a call to export)';
  if (a.files.length === 0 && a.db === null) return 'export needs the capture FILE... the calls are in (or a library with --db)';
  if (a.pcap === null && a.html === null) return 'export needs an output: --pcap OUT.pcapng or --html OUT.html';
  return a;
}

type Write = (s: string) => void;

export async function runExport(argv: readonly string[], io: { out: Write; err: Write } = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }): Promise<number> {
  const args = parseExportArgs(argv);
  if (typeof args === 'string') {
    io.err(`calltrace: ${args}\n${EXPORT_USAGE}\n`);
    return 2;
  }
  const store = openIndex(args.db ?? ':memory:');
  try {
    let sourceIds: number[] | undefined;
    /** The path each named file was given as: read from there, even when the library indexed the same bytes elsewhere. */
    const givenPath = new Map<number, string>();
    if (args.files.length > 0) {
      sourceIds = [];
      for (const f of args.files) {
        const o = await importFile(store, f);
        if (o.error) io.err(`calltrace: ${f}: ${o.error}\n`);
        if (o.sourceId !== null) {
          sourceIds.push(o.sourceId);
          givenPath.set(o.sourceId, f);
        }
      }
      if (sourceIds.length === 0) {
        io.err('calltrace: export: none of the files could be read\n');
        return 1;
      }
    }
    // The content hash is checked on every read, so the file named now stands in for the
    // path recorded at an earlier import (moved since, or indexed from another directory).
    const groups = findCallsToExport(store, args.callIds, sourceIds).map((g) => {
      const path = givenPath.get(g.source.id);
      return path === undefined ? g : { ...g, source: { ...g.source, path } };
    });
    const r = await runExportJob(store, groups, { pcap: args.pcap, html: args.html, redact: args.redact });
    if (r.pcap) io.out(`calltrace: wrote ${r.pcap.path}: ${r.pcap.packets} packet(s) of ${r.calls} call(s) from ${r.pcap.sources.map((s) => s.name).join(', ')}\n`);
    if (r.html) io.out(`calltrace: wrote ${r.html.path}: the report of ${r.html.calls} call(s)\n`);
    if (r.redacted.length > 0) io.out(`calltrace: redacted:\n${r.redacted.map((x) => `  - ${x}\n`).join('')}`);
    return 0;
  } catch (e) {
    if (e instanceof ExportError) {
      io.err(`calltrace: ${e.message}\n`);
      return 1;
    }
    throw e;
  } finally {
    store.close();
  }
}
