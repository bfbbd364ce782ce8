// Writes the HTML incident report for captures, the way `export --html` will:
//
//   npx tsx test/support/write_report.ts OUT.html CAPTURE... [--call CALL-ID]...
//
// Imports the captures into an in-memory index, picks the named calls (every INVITE call
// when none is named) and writes buildHtmlReport's page. Used by the report tests and the
// e2e spec, and by hand to look at a report. The date is fixed unless --now is given, so
// the same captures give the same bytes.

import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildHtmlReport, type HtmlReportOptions } from '../../electron/node/export/html_report.ts';
import { importCapture } from '../../electron/node/ingest/import_capture.ts';
import { openIndex, type IndexStore } from '../../electron/node/store/index_store.ts';

export const FIXED_DATE = new Date('2026-12-01T12:00:00Z');

/** Imports `captures` into `store` and returns the row ids of `callIds` (all calls when empty), in order. */
export async function importForReport(store: IndexStore, captures: readonly string[], callIds: readonly string[] = []): Promise<number[]> {
  const sourceIds: number[] = [];
  for (const c of captures) {
    const o = await importCapture(store, c);
    if (o.sourceId === null) throw new Error(`${c}: ${o.error ?? 'not imported'}`);
    sourceIds.push(o.sourceId);
  }
  if (callIds.length > 0) {
    // Every row of a Call-ID: one per capture that saw it (both legs of a trace, say).
    return callIds.flatMap((id) => {
      const rows = store.findCallsByCallId(id);
      if (rows.length === 0) throw new Error(`no call ${id} in ${captures.join(', ')}`);
      return rows.map((r) => r.id);
    });
  }
  return sourceIds.flatMap((sid) => store.listCalls({ sourceId: sid, limit: 100_000 }).filter((c) => c.kind === 'call').map((c) => c.id));
}

export async function writeReport(out: string, captures: readonly string[], callIds: readonly string[] = [], opts: HtmlReportOptions = { generatedAt: FIXED_DATE }): Promise<string> {
  const store = openIndex(':memory:');
  try {
    const ids = await importForReport(store, captures, callIds);
    const page = buildHtmlReport(store, ids, opts);
    writeFileSync(out, page);
    return page;
  } finally {
    store.close();
  }
}

if (import.meta.url === pathToFileURL(resolve(process.argv[1] ?? '')).href) {
  const args = process.argv.slice(2);
  const calls: string[] = [];
  const files: string[] = [];
  let now = false;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--call') calls.push(args[++i]);
    else if (args[i] === '--now') now = true;
    else files.push(args[i]);
  }
  const [out, ...captures] = files;
  if (!out || captures.length === 0) {
    process.stderr.write('usage: tsx test/support/write_report.ts OUT.html CAPTURE... [--call CALL-ID]... [--now]\n');
    process.exit(2);
  }
  await writeReport(out, captures, calls, { generatedAt: now ? new Date() : FIXED_DATE });
  process.stdout.write(`${out}\n`);
}
