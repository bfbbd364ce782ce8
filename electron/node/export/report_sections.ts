// The parts of the incident report, each a function of already-redacted data returning escaped
// markup (shared/report/html.ts): the summary of a selection, and per call its facts, the
// verdict with evidence and fix, the SIP ladder with the raw messages, the RTP gap timeline,
// the stream metrics under Wireshark's column names, and the capture it came from.

import type { CallDetail, LadderMessage, MeasuredStream, SourceKind } from '../../../shared/api/contract.ts';
import { bucketName } from '../../../shared/diagnosis/buckets.ts';
import { DECISION_TREE } from '../../../shared/diagnosis/decision_tree.ts';
import type { Summary } from '../../../shared/diagnosis/call_summary.ts';
import { clock, dur, ssrcHex } from '../../../shared/diagnosis/evidence_text.ts';
import { q850Label } from '../../../shared/diagnosis/q850_causes.ts';
import { sipLabel } from '../../../shared/diagnosis/sip_responses.ts';
import { layoutLadder, relativeTime } from '../../../shared/layout/ladder_layout.ts';
import type { CaptureCoverage } from '../../../shared/model/capture.ts';
import type { Stat } from '../../../shared/model/stats.ts';
import { INVALID_TIME, isoFromUs } from '../../../shared/model/time.ts';
import type { Bucket } from '../../../shared/model/verdict.ts';
import { html, type Html } from '../../../shared/report/html.ts';
import { minOf } from '../../../shared/util/array_math.ts';
import { ladderSvg } from '../../../shared/report/ladder_svg.ts';
import { timelineSvg, type TimelineIds } from '../../../shared/report/timeline_svg.ts';
import { evidenceTarget, type EvidenceTarget } from '../../../shared/layout/evidence_target.ts';
import { gapKey, streamKey } from '../../../shared/layout/stream_key.ts';

/** The file a call came from (a capture, or a CDR / agent-event export), as the report shows it. */
export interface ReportSource {
  id: number;
  kind: SourceKind;
  name: string;
  format: string;
  sizeBytes: number;
  status: string;
  error: string | null;
  packets: number;
  /** First and last packet (µs); tshark's "Start time" counts from the first. */
  firstUs: number | null;
  lastUs: number | null;
  /** sha256 of the file's bytes, as imported. */
  contentHash: string;
  captureDrops: number | null;
  coverage: CaptureCoverage | null;
  warnings: Stat[];
}

export interface ReportCall {
  /** 1-based position in the report: every id in the page derives from it, never from capture text. */
  n: number;
  detail: CallDetail;
  source: ReportSource | null;
}

/**
 * Ladder arrows and raw messages drawn per call. A call of 150 000 messages (a re-INVITE
 * storm) would make a page of hundreds of megabytes that no browser opens; past this the
 * report draws the first ones and says how many are left out.
 */
export const MAX_LADDER_MESSAGES = 5000;

export const callAnchor = (n: number): string => `call-${n}`;
export const messageAnchor = (n: number, index: number): string => `c${n}-m${index}`;

/** '2026-11-21 00:42:10.123 UTC'. */
export function utc(us: number | null): string {
  if (us === null) return '–';
  const iso = isoFromUs(us);
  return iso === INVALID_TIME ? iso : `${iso.replace('T', ' ').replace('Z', '')} UTC`;
}

const fixed = (x: number | null | undefined, digits: number): string => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits));

function bucketChip(bucket: number | null, name?: string): Html {
  const b = bucket === null ? null : (bucket as Bucket);
  return html`<span class="chip ${b === null ? 'bnone' : `b${b}`}" data-testid="verdict-bucket">${b === null ? (name ?? bucketName(null)) : `Bucket ${b} · ${name ?? bucketName(b)}`}</span>`;
}

function endText(d: CallDetail): string {
  const r = d.row;
  if (r.endMethod === 'none') return 'no end on the wire (no BYE, CANCEL or final error)';
  const what = r.endMethod === 'final_error' ? 'final error response' : r.endMethod;
  return r.endedBy ? `${what} from the ${r.endedBy}` : what;
}

// ─── Summary of a selection ──────────────────────────────────────────────────────────────

export function summarySection(calls: readonly ReportCall[], sum: Summary, sources: readonly ReportSource[]): Html {
  const pct = (x: number | null): string => (x === null ? '–' : `${x.toFixed(1)} %`);
  const ms = (x: number | null): string => (x === null ? '–' : dur(x));
  const bucketRows = (['1', '2', '3', '4', '5', '6', '7', 'none'] as const)
    .filter((k) => sum.buckets[k] > 0)
    .map((k) => {
      const b = k === 'none' ? null : (Number(k) as Bucket);
      return html`<tr data-testid="summary-bucket" data-bucket="${k}"><td>${bucketChip(b)}</td><td>${b !== null && b >= 4 ? 'problem' : b === null ? '—' : 'not a problem'}</td><td class="num">${sum.buckets[k]}</td></tr>`;
    });
  const causeRows = sum.byCause.map((c) => html`<tr data-testid="summary-cause"><td><code>${c.cause}</code></td><td class="num">${c.count}</td></tr>`);
  const q850Rows = sum.q850.map((q) => html`<tr><td>${q850Label(q.code)}</td><td class="num">${q.count}</td></tr>`);
  const callRows = calls.map(({ n, detail: d }) => {
    const v = d.verdict;
    return html`<tr data-testid="summary-call"><td class="num"><a href="#${callAnchor(n)}">${n}</a></td><td class="mono">${d.row.callId}</td><td>${d.row.from} → ${d.row.to}</td><td class="mono">${utc(d.row.startUs)}</td><td>${v ? bucketChip(v.bucket, v.bucketName) : '–'}</td><td>${v ? html`<code>${v.cause}</code>` : 'not a call'}</td><td class="num">${d.row.answered ? dur(d.row.durationMs) : '–'}</td></tr>`;
  });
  return html`<section class="summary" id="summary" data-testid="summary">
<h2>Summary of ${calls.length} calls</h2>
<table class="kpi"><tbody>
<tr><th>Call attempts</th><td class="num">${sum.attempts}</td><th>Answered</th><td class="num">${sum.answered}</td><th>ASR</th><td class="num">${pct(sum.asrPct)}</td></tr>
<tr><th>ACD</th><td class="num">${ms(sum.acdMs)}</td><th>PDD p50 / p90</th><td class="num">${ms(sum.pddMs.p50)} / ${ms(sum.pddMs.p90)}</td><th>Problems (buckets 4–7)</th><td class="num">${sum.buckets[4] + sum.buckets[5] + sum.buckets[6] + sum.buckets[7]}</td></tr>
</tbody></table>
<h3>Buckets</h3>
<table><thead><tr><th>bucket</th><th></th><th>calls</th></tr></thead><tbody>${bucketRows}</tbody></table>
<h3>Causes</h3>
<table><thead><tr><th>cause</th><th>calls</th></tr></thead><tbody>${causeRows}</tbody></table>
${q850Rows.length > 0 ? html`<h3>Q.850 causes</h3><table><thead><tr><th>cause</th><th>calls</th></tr></thead><tbody>${q850Rows}</tbody></table>` : ''}
<h3>Calls</h3>
<table><thead><tr><th>#</th><th>Call-ID</th><th>from → to</th><th>start</th><th>bucket</th><th>cause</th><th>answered for</th></tr></thead><tbody>${callRows}</tbody></table>
<h3>Files</h3>
${sourcesTable(sources)}
</section>`;
}

function sourcesTable(sources: readonly ReportSource[]): Html {
  const rows = sources.map((s) => {
    const w = s.coverage?.window ?? null;
    const window = s.kind === 'capture' ? `${utc(w?.startUs ?? s.firstUs)} → ${utc(w?.endUs ?? s.lastUs)}` : '–';
    return html`<tr data-testid="source-row"><td>${s.name}</td><td>${s.kind === 'capture' ? s.format : s.kind === 'cdr' ? 'CDR export' : 'agent events'}</td><td class="mono">${s.contentHash}</td><td class="mono">${window}</td></tr>`;
  });
  return html`<table><thead><tr><th>file</th><th>kind</th><th>sha256</th><th>capture window</th></tr></thead><tbody>${rows}</tbody></table>`;
}

// ─── One call ────────────────────────────────────────────────────────────────────────────

export function callSection(c: ReportCall, total: number): Html {
  const d = c.detail;
  const r = d.row;
  return html`<section class="call" id="${callAnchor(c.n)}" data-testid="call-section">
<h2>${total > 1 ? `Call ${c.n} of ${total}: ` : ''}${r.from} → ${r.to}</h2>
<p class="muted mono small">Call-ID ${r.callId}</p>
${verdictBlock(c)}
<h3>Call facts</h3>
${factsTable(d)}
<h3>SIP ladder</h3>
${ladderBlock(c)}
<h3>RTP gap timeline</h3>
${timelineBlock(c)}
<h3>RTP streams</h3>
${metricsTable(d.streams, d.capturePoints ? d.capture.firstUs : (c.source?.firstUs ?? null))}
${d.cdr.length > 0 ? cdrBlock(d) : ''}
<h3>Capture</h3>
${c.source?.kind === 'capture' ? captureBlock(c.source) : html`<p class="muted" data-testid="capture">This call is known only from a CDR row${c.source ? html` of ${c.source.name} (${c.source.format}, sha256 <span class="mono" data-testid="source-hash">${c.source.contentHash}</span>)` : ''}: there is no capture behind it.</p>`}
</section>`;
}

function verdictBlock(c: ReportCall): Html {
  const d = c.detail;
  const v = d.verdict;
  if (!v) {
    return html`<div class="verdict" data-testid="verdict"><p class="muted">No verdict: ${d.row.kind === 'other' ? 'this dialog is not a call (REGISTER, OPTIONS, SUBSCRIBE…), so it is not classified.' : 'the classifier has not run on this call.'}</p></div>`;
  }
  const cov = d.capture.coverage;
  const notices: Html[] = [];
  if (cov?.signallingOnly && d.row.answered) {
    notices.push(
      html`<p class="notice" data-testid="media-not-checked">Media could not be checked: this capture is signalling-only (${cov.signallingOnlyWhy === 'filter' ? `its capture filter “${cov.filter ?? ''}” leaves RTP out` : 'no call in it carried RTP and it recorded no capture filter'}). The verdict rests on the SIP alone.</p>`,
    );
  }
  if (d.natMismatch.length > 0) {
    notices.push(
      html`<p class="notice" data-testid="nat-mismatch">NAT: ${d.natMismatch.map((m) => `RTP to ${m.sdpAddr} (named by the ${m.receiver === 'caller' ? 'caller' : 'called side'}'s SDP), which really uses ${m.usedAddr}`).join('; ')}. Those packets never arrive.</p>`,
    );
  }
  const origin = d.messages[0]?.tsUs ?? null;
  const evidence = v.evidence.map((e) => {
    const ref = evidenceLink(c, evidenceTarget(e, d));
    const time = e.tsUs !== null ? html`<time>${clock(e.tsUs)}${origin !== null ? ` · ${relativeTime(e.tsUs, origin)} s` : ''}</time>` : '';
    return html`<li data-testid="evidence-item">${e.text}${time}${ref}</li>`;
  });
  const checks = v.fix.checks.map((x) => html`<li>${x}</li>`);
  return html`<div class="verdict" data-testid="verdict">
<p>${bucketChip(v.bucket, v.bucketName)}${v.bucket !== null ? html`<span class="tag ${v.problem ? 'problem' : 'ok'}">${v.problem ? 'problem' : 'not a problem'}</span>` : ''}</p>
<p data-testid="verdict-cause">cause <code>${v.cause}</code> · confidence <strong>${Math.round(v.confidence * 100)} %</strong></p>
${notices}
<div class="fix" data-testid="verdict-fix"><h4>Recommended fix</h4><p><strong>${v.fix.title}</strong></p><p>${v.fix.text}</p>${checks.length > 0 ? html`<h4>Check first</h4><ul>${checks}</ul>` : ''}</div>
<h4>Evidence</h4>
<ol class="evidence" data-testid="evidence">${evidence.length > 0 ? evidence : html`<li class="muted">No evidence items.</li>`}</ol>
${decisionPath(v.path)}
</div>`;
}

/** Where an evidence item links: its ladder arrow's raw message, or its gap or lane on the timeline. */
function evidenceLink(c: ReportCall, t: EvidenceTarget): Html | string {
  if (t.kind === 'arrow') return t.index < MAX_LADDER_MESSAGES ? html` <a class="ev-link" href="#${messageAnchor(c.n, t.index)}">message #${t.index}</a>` : '';
  const ids = timelineIds(c);
  if (t.kind === 'gap') {
    const id = ids.gap(t.gapKey);
    return id ? html` <a class="ev-link" href="#${id}">the gap</a>` : '';
  }
  if (t.kind === 'stream') {
    const id = ids.lane(t.streamKey);
    return id ? html` <a class="ev-link" href="#${id}">the stream</a>` : '';
  }
  return '';
}

/** Timeline ids by position in the call's stream list: never from capture text. */
function timelineIds(c: ReportCall): TimelineIds {
  const lanes = new Map<string, string>();
  const gaps = new Map<string, string>();
  c.detail.streams.forEach((s, k) => {
    const sk = streamKey(s);
    lanes.set(sk, `c${c.n}-s${k}`);
    (s.trailingGap ? [...s.gaps, s.trailingGap] : s.gaps).forEach((g, j) => gaps.set(gapKey(sk, g.startUs), `c${c.n}-s${k}-g${j}`));
  });
  return { lane: (k) => lanes.get(k), gap: (k) => gaps.get(k) };
}

/** The rules tried, the matched one with its question (diagnosis.md §3, shared/diagnosis/decision_tree.ts). */
function decisionPath(path: readonly string[]): Html {
  const last = path.length > 0 ? DECISION_TREE.find((r) => r.id === path[path.length - 1]) : undefined;
  return html`<p class="small muted" data-testid="decision-path">Decision path: ${path.join(' → ')}${last ? html`. Matched ${last.id}: “${last.question}”` : ''}</p>`;
}

function factsTable(d: CallDetail): Html {
  const r = d.row;
  const rows: Array<[string, string]> = [
    ['Call-ID', r.callId],
    ['From', r.from],
    ['To', r.to],
    ['Caller (sent the INVITE)', r.callerAddr || '–'],
    ['Callee', r.calleeAddr || '–'],
    ['Start', utc(r.startUs)],
    ['Answered', r.answered ? `yes, for ${dur(r.durationMs)}` : 'no'],
    ['Post-dial delay (INVITE → 18x)', r.pddMs === null ? '–' : dur(r.pddMs)],
    ['Final response', r.finalStatus === null ? 'none on the wire' : sipLabel(r.finalStatus)],
    ['End', endText(d)],
    ['Q.850 cause', r.q850Cause === null ? '–' : q850Label(r.q850Cause)],
    ['SIP messages', String(r.sipMessages)],
    ['RTP streams', String(d.streams.length)],
    ['Source', d.sourceName],
    ...(d.capturePoints
      ? [['Capture points', `${d.capturePoints.points.map((p, i) => (i === 0 ? `${p.source} (its clock)` : `${p.source} (${p.offsetUs >= 0 ? '+' : '−'}${(Math.abs(p.offsetUs) / 1000).toFixed(1)} ms)`)).join(', ')}: one ladder, each stream measured once`] as [string, string]]
      : []),
  ];
  return html`<table class="facts" data-testid="call-facts"><tbody>${rows.map(([k, v]) => html`<tr><th>${k}</th><td>${v}</td></tr>`)}</tbody></table>`;
}

function ladderBlock(c: ReportCall): Html {
  const d = c.detail;
  const shown: LadderMessage[] = d.messages.length > MAX_LADDER_MESSAGES ? d.messages.slice(0, MAX_LADDER_MESSAGES) : d.messages;
  if (shown.length === 0 && d.streams.length === 0) return html`<p class="muted">No SIP message of this call is in a capture.</p>`;
  const layout = layoutLadder(shown, d.streams, {}, { caller: d.row.callerAddr, callee: d.row.calleeAddr });
  const originUs = layout.originUs;
  const svg = ladderSvg(layout, { messageId: (i) => messageAnchor(c.n, i) });
  const raw = shown.map(
    (m) =>
      html`<details class="raw-msg" id="${messageAnchor(c.n, m.index)}" data-index="${m.index}"><summary>#${m.index} ${m.label}${m.retransmission ? ' (retransmission)' : ''}${m.quoted ? ' (quoted in an ICMP error)' : ''} · ${m.src} → ${m.dst} · ${m.transport ?? 'transport ?'} · frame ${m.frame} · ${utc(m.tsUs)} · ${relativeTime(m.tsUs, originUs)} s${m.seenAt ? ` · seen at ${m.seenAt.map((x) => `${x.point} (frame ${x.frame})`).join(' and ')}` : ''}</summary>${m.raw === null ? html`<p class="muted">The index holds no raw text for this message.</p>` : html`<pre>${m.raw.replace(/\r\n/g, '\n')}</pre>`}</details>`,
  );
  const cut = d.messages.length > shown.length ? html`<p class="notice">This call has ${d.messages.length} SIP messages: the ladder and the raw messages show the first ${shown.length}.</p>` : '';
  return html`${cut}<p class="small muted">Click an arrow for the message as captured. Dashed arrows are retransmissions; dotted ones were seen only quoted in an ICMP error.</p>
<div class="ladder-wrap"><div class="ladder-scroll">${svg}</div><aside class="raw-panel" data-testid="raw-message" hidden><div class="raw-head mono small"></div><pre class="raw-body"></pre></aside></div>
<details class="raw-list"><summary>All ${shown.length} raw SIP messages</summary>${raw}</details>`;
}

function timelineBlock(c: ReportCall): Html {
  const svg = timelineSvg(c.detail, timelineIds(c));
  if (!svg) return html`<p class="muted">Nothing to place on a time axis.</p>`;
  return html`<p class="small muted">Per stream: packets per second (blue), lost packets per second (red ticks), gaps over 200 ms (red boxes), the silence from the last packet to the call's end (amber). Dashed lines: SIP moments.</p><div class="timeline-wrap">${svg}</div>`;
}

/** Wireshark's RTP Streams columns (tshark -z rtp,streams), then ours. */
export const WIRESHARK_COLUMNS = [
  'Start time', 'End time', 'Src IP addr', 'Port', 'Dest IP addr', 'Port', 'SSRC', 'Payload', 'Pkts', 'Lost',
  'Min Delta(ms)', 'Mean Delta(ms)', 'Max Delta(ms)', 'Min Jitter(ms)', 'Mean Jitter(ms)', 'Max Jitter(ms)',
] as const;
const OUR_COLUMNS = ['Direction', 'Seq errors', 'Est. MOS (E-model)', 'Worst 5 s MOS', 'Longest gap', 'Silence before end', 'Measured at'] as const;

function metricsTable(streams: readonly MeasuredStream[], captureFirstUs: number | null): Html {
  const t0 = captureFirstUs ?? minOf(streams, (s) => s.firstUs, 0);
  const rel = (us: number): string => fixed((us - t0) / 1e6, 6);
  const rows = streams.map((s) => {
    const lostPct = s.expected > 0 ? (100 * s.lost) / s.expected : 0;
    const cells = [
      rel(s.firstUs), rel(s.lastUs), s.src, String(s.srcPort), s.dst, String(s.dstPort), ssrcHex(s.ssrc), s.encoding || `PT ${s.payloadType}`, String(s.packets), `${s.lost} (${lostPct.toFixed(1)}%)`,
      fixed(s.minDeltaMs, 3), fixed(s.meanDeltaMs, 3), fixed(s.maxDeltaMs, 3), fixed(s.minJitterMs, 3), fixed(s.meanJitterMs, 3), fixed(s.maxJitterMs, 3),
      s.direction === 'caller' ? 'caller → callee' : 'callee → caller', String(s.sequenceErrors), fixed(s.mos, 2), fixed(s.minWindowMos, 2), dur(s.longestGapMs), s.silenceBeforeEndMs === null ? '–' : dur(s.silenceBeforeEndMs),
      s.measuredAt + (s.otherViews ?? []).map((o) => ` (at ${o.measuredAt}: ${o.packets} pkts, lost ${o.lost})`).join(''),
    ];
    return html`<tr data-testid="stream-row" data-ssrc="${ssrcHex(s.ssrc)}">${cells.map((x, i) => html`<td class="${i === 2 || i === 4 || i === 16 || i === 22 ? '' : 'num'}">${x}</td>`)}</tr>`;
  });
  return html`<p class="small muted">The first ${WIRESHARK_COLUMNS.length} columns are Wireshark's RTP Streams (tshark -z rtp,streams), computed the same way; times count from the capture's first packet, as there. The last ones are ours.</p>
<div class="ladder-scroll"><table class="metrics" data-testid="stream-metrics"><thead><tr>${WIRESHARK_COLUMNS.map((h) => html`<th>${h}</th>`)}${OUR_COLUMNS.map((h) => html`<th class="ours">${h}</th>`)}</tr></thead><tbody>${rows.length > 0 ? rows : html`<tr><td colspan="${WIRESHARK_COLUMNS.length + OUR_COLUMNS.length}" class="muted">No RTP stream was associated with this call.</td></tr>`}</tbody></table></div>`;
}

function cdrBlock(d: CallDetail): Html {
  const rows = d.cdr.map(
    (r) =>
      html`<tr><td>${r.source} line ${r.line}</td><td>${r.format}</td><td>${r.disposition || '–'}</td><td>${r.q850Cause === null ? '–' : q850Label(r.q850Cause)}</td><td>${r.sipCode ?? '–'}</td><td>${r.endedBy ?? '–'}</td><td>${r.join ?? '–'}</td></tr>`,
  );
  return html`<h3>CDR rows</h3><table><thead><tr><th>row</th><th>format</th><th>disposition</th><th>Q.850</th><th>SIP</th><th>ended by</th><th>joined by</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function captureBlock(s: ReportSource): Html {
  const w = s.coverage?.window ?? null;
  const windowText = w
    ? `${utc(w.startUs)} → ${utc(w.endUs)} (${dur((w.endUs - w.startUs) / 1000)}; ${w.from === 'isb' ? 'from the pcapng interface statistics' : 'first to last packet'})`
    : s.firstUs !== null && s.lastUs !== null
      ? `${utc(s.firstUs)} → ${utc(s.lastUs)} (first to last packet)`
      : '–';
  const rows: Array<[string, Html | string]> = [
    ['File', s.name],
    ['sha256', html`<span class="mono" data-testid="source-hash">${s.contentHash}</span>`],
    ['Format', s.format],
    ['Size', `${s.sizeBytes} bytes`],
    ['Packets', String(s.packets)],
    ['Capture window', html`<span data-testid="capture-window">${windowText}</span>`],
    ['Capture filter', s.coverage?.filter ?? 'none recorded'],
    ['Media captured', s.coverage?.signallingOnly ? `no: signalling-only (${s.coverage.signallingOnlyWhy === 'filter' ? 'the filter leaves RTP out' : 'no call carried RTP'})` : 'yes'],
    ['Drops by the capture', s.captureDrops === null ? 'not recorded' : String(s.captureDrops)],
    ['Read', s.status === 'ok' ? 'whole file' : `${s.status}${s.error ? `: ${s.error}` : ''}`],
  ];
  const warnings = s.warnings.map((x) => html`<li><code>${x.key}</code> ×${x.count}: ${x.description}</li>`);
  return html`<table class="facts" data-testid="capture"><tbody>${rows.map(([k, v]) => html`<tr><th>${k}</th><td>${v}</td></tr>`)}</tbody></table>${warnings.length > 0 ? html`<h4>Warnings while reading</h4><ul>${warnings}</ul>` : ''}`;
}

export function redactionBlock(applied: readonly string[] | null): Html {
  if (applied === null) {
    return html`<div class="redaction none" data-testid="redaction"><strong>Not redacted.</strong> Addresses, numbers, names and SIP text appear as captured.</div>`;
  }
  return html`<div class="redaction" data-testid="redaction"><strong>Redacted.</strong> Every text taken from the capture went through the redaction before it was written here:<ul>${applied.map((x) => html`<li>${x}</li>`)}</ul></div>`;
}

