// The incident report: one self-contained HTML file about one call or a selection of calls,
// for a ticket or an e-mail. It opens in any browser and loads nothing: no network, no
// external script, font or image; a strict Content-Security-Policy meta tag admits only its
// own style sheet and script, by hash (report_assets.ts says why styles are hashed too).
//
// Entry point (the only one):
//
//   buildHtmlReport(store: IndexStore, callRowIds: readonly number[], opts?: HtmlReportOptions): string
//
// `callRowIds` are index row ids (CallSummary.id / CallRow.id, what `findCallsByCallId` and
// `listCalls` return), in the order the report should show them. One id gives one call's
// report; several give a summary page (buckets, causes, KPIs, captures) and then each call.
// It throws an Error naming the id when one is not in the index, and for an empty list.
//
// Wiring `export … --html OUT.html` (electron/node/cli): import the capture(s) into the
// index as `analyze` does, map each `--call CALL-ID` to row ids with
// store.findCallsByCallId(callId) (every row: one per capture that saw the Call-ID; none is
// the CLI's "no such call" error), then
//   writeFileSync(out, buildHtmlReport(store, ids, { redaction, generatedAt: new Date() }));
// test/support/write_report.ts does exactly that for a fixture.
//
// Redaction hook: pass `redaction: { redact, applied }`. `redact` is applied to every string
// the report takes from the index — SIP text, addresses, numbers, names, Call-IDs, evidence
// sentences, file names, CDR values — before anything is laid out, so the ladder, the
// timeline, the tables and the raw messages agree with each other and with a redacted
// capture written by the same function. Only vocabulary keys (cause keys, enums, the source
// hash) are left alone (VOCABULARY below). `applied` is what the report prints under
// "Redacted" (one line per kind of data replaced). Without `redaction` the report says it is
// not redacted.

import { packageVersion } from '../app_root.ts';
import type { CallDetail } from '../../../shared/api/contract.ts';
import { summarize } from '../../../shared/diagnosis/call_summary.ts';
import { html, join, trusted } from '../../../shared/report/html.ts';
import type { DiagnosisSettings } from '../../../shared/model/verdict.ts';
import type { Bucket } from '../../../shared/model/verdict.ts';
import { callDetailOf } from '../api/call_detail.ts';
import { sourceKind, storedSettings } from '../api/handlers.ts';
import { peerOf } from '../ingest/diagnose.ts';
import type { IndexStore } from '../store/index_store.ts';
import { REPORT_CSP, REPORT_CSS, REPORT_SCRIPT } from './report_assets.ts';
import { callSection, redactionBlock, summarySection, utc, type ReportCall, type ReportSource } from './report_sections.ts';

export interface ReportRedaction {
  /** Applied to every string taken from the index (see the top of this file). */
  redact(text: string): string;
  /** What was redacted, one line each ("IP addresses → 10.x.y.z", "phone numbers → +1555…"). */
  applied: readonly string[];
}

export interface HtmlReportOptions {
  redaction?: ReportRedaction;
  /** The "generated at" stamp; default now. Tests pass a fixed date. */
  generatedAt?: Date;
  /** Settings for the summary (own addresses decide the peer); default those stored in the index. */
  settings?: DiagnosisSettings;
  /** The version printed in the header; default package.json's. */
  version?: string;
}

/**
 * Keys whose string values are vocabulary or identifiers of our own making, not capture
 * text: a redactor that rewrites words must not turn a cause key or an enum into something
 * else, and the source hash identifies the file the report was made from.
 */
const VOCABULARY = new Set([
  'cause', 'kind', 'origin', 'direction', 'endMethod', 'endedBy', 'receiver', 'path', 'format', 'status',
  'signallingOnlyWhy', 'transport', 'join', 'severity', 'key', 'contentHash', 'cseqMethod', 'bucketName', 'encoding',
]);

/** A deep copy with `f` applied to every string value, except under VOCABULARY keys. */
export function mapStrings<T>(value: T, f: (s: string) => string, key = ''): T {
  if (typeof value === 'string') return (VOCABULARY.has(key) ? value : f(value)) as T;
  if (Array.isArray(value)) return value.map((x) => mapStrings(x, f, key)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = mapStrings(v, f, k);
    return out as T;
  }
  return value;
}

function reportSource(store: IndexStore, sourceId: number): ReportSource | null {
  const s = store.getSource(sourceId);
  if (!s) return null;
  return {
    id: s.id, kind: sourceKind(s.format), name: s.name, format: s.format, sizeBytes: s.sizeBytes, status: s.status, error: s.error, packets: s.packets,
    firstUs: s.firstUs, lastUs: s.lastUs, contentHash: s.contentHash, captureDrops: s.captureDrops, coverage: s.coverage,
    warnings: store.sourceStats(s.id).filter((w) => w.severity !== 'info'),
  };
}

/** The report as one HTML document (see the top of this file). */
export function buildHtmlReport(store: IndexStore, callRowIds: readonly number[], opts: HtmlReportOptions = {}): string {
  if (callRowIds.length === 0) throw new Error('no call to report on');
  const redact = opts.redaction ? (s: string) => opts.redaction!.redact(s) : null;
  const clean = <T>(x: T): T => (redact ? mapStrings(x, redact) : x);
  const settings = opts.settings ?? storedSettings(store);
  const sources = new Map<number, ReportSource | null>();
  const calls: ReportCall[] = callRowIds.map((id, i) => {
    const d: CallDetail | null = callDetailOf(store, id, settings);
    if (!d) throw new Error(`there is no call #${id} in the index`);
    if (!sources.has(d.row.sourceId)) sources.set(d.row.sourceId, clean(reportSource(store, d.row.sourceId)));
    return { n: i + 1, detail: clean(d), source: sources.get(d.row.sourceId) ?? null };
  });
  const generatedAt = opts.generatedAt ?? new Date();
  const usedSources = [...sources.values()].filter((s): s is ReportSource => s !== null);

  let summary = html``;
  if (calls.length > 1) {
    // Peers come from the (redacted) addresses, so the summary names what the calls show.
    const sum = summarize(
      calls.map(({ detail: { row: r } }) => ({
        startUs: r.startUs, bucket: r.bucket as Bucket | null, cause: r.cause, q850Cause: r.q850Cause, finalStatus: r.finalStatus,
        answered: r.answered, durationMs: r.durationMs, pddMs: r.pddMs, peer: peerOf(r, settings), kind: r.kind,
      })),
      settings,
    );
    summary = summarySection(calls, sum, usedSources);
  }
  const first = calls[0].detail.row;
  const title = calls.length === 1 ? `calltrace report: ${first.from} → ${first.to} (${first.callId})` : `calltrace report: ${calls.length} calls`;
  const toc = calls.length > 1 ? html`<nav class="toc small">Jump to: <a href="#summary">summary</a>${calls.map((c) => html`<a href="#call-${c.n}">call ${c.n}</a>`)}</nav>` : '';

  const doc = html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="calltrace ${opts.version ?? packageVersion()}">
<title>${title}</title>
<style>${trusted(REPORT_CSS)}</style>
</head>
<body>
<header class="report">
<h1>${calls.length === 1 ? 'Why did this call end?' : `Why did these ${calls.length} calls end?`}</h1>
<p class="muted small">calltrace ${opts.version ?? packageVersion()} incident report · generated ${utc(generatedAt.getTime() * 1000)} · ${calls.length === 1 ? '1 call' : `${calls.length} calls`} from ${usedSources.length === 1 ? '1 file' : `${usedSources.length} files`} · self-contained: this file loads nothing from anywhere</p>
${redactionBlock(opts.redaction ? opts.redaction.applied : null)}
${toc}
</header>
<main>
${summary}
${join(calls.map((c) => callSection(c, calls.length)), '\n')}
</main>
<script>${trusted(REPORT_SCRIPT)}</script>
</body>
</html>
`;
  return doc.text;
}
