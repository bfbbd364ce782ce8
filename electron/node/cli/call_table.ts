// The readable per-call table `analyze` prints without --json: one line per call, the
// columns a field engineer scans first, then its streams indented below it.

import type { AnalyzeDocument, CallDoc, CapturePointsDoc, StreamDoc } from './call_document.ts';
import { maxOf } from '../../../shared/util/array_math.ts';

function pad(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s.padEnd(n);
}

function dur(ms: number): string {
  if (ms <= 0) return '-';
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${(ms / 1000).toFixed(1)}s`;
}

function outcome(c: CallDoc): string {
  const end = c.endMethod === 'none' ? 'no end' : c.endMethod === 'final_error' ? 'rejected' : `${c.endMethod}${c.endedBy ? ' by ' + c.endedBy : ''}`;
  return `${c.finalStatus ?? '---'} ${end}${c.q850Cause !== null ? ` Q.850=${c.q850Cause}` : ''}`;
}

const WHY: Record<NonNullable<StreamDoc['measuredWhy']>, string> = {
  only_point: 'only there', nearer_receiver: 'nearer its receiver', more_packets: 'more packets', reference: 'the reference',
};

/** A call several captures saw: which, on whose clock, and where each stream was measured. */
function pointsLine(p: CapturePointsDoc): string {
  const others = p.points.slice(1).map((x) => `${x.source} (${x.offsetMs >= 0 ? '+' : ''}${x.offsetMs.toFixed(1)} ms)`);
  const streams = p.streams.map((s) => `${s.ssrc} at ${s.measuredAt}${s.measuredWhy ? ` (${WHY[s.measuredWhy]})` : ''}`);
  return `     captured at ${p.points.length} points, merged on ${p.reference}'s clock: + ${others.join(', ')}; ${p.ladder.length} SIP message(s); ${streams.length > 0 ? `streams: ${streams.join(', ')}` : 'no RTP'}${p.unaligned.length > 0 ? `; not merged: ${p.unaligned.join(', ')}` : ''}`;
}

export function formatCallTable(doc: AnalyzeDocument, opts: { all?: boolean } = {}): string {
  const lines: string[] = [];
  for (const s of doc.sources) {
    const calls = doc.calls.filter((c) => c.source === s.name && (opts.all || c.kind === 'call'));
    const others = doc.calls.filter((c) => c.source === s.name && c.kind !== 'call').length;
    const size = s.kind === 'capture' ? `${s.packets} packets` : `${s.packets} rows used`;
    lines.push(`== ${s.name}  ${s.format}, ${size}, ${calls.length} call(s)${others && !opts.all ? `, ${others} other dialog(s) (--all shows them)` : ''}${s.status !== 'ok' ? `  [${s.status}: ${s.error}]` : ''}`);
    for (const w of s.warnings) lines.push(`   ! ${w.description} (${w.count}×)`);
    for (const p of s.problems.slice(0, 5)) lines.push(`   ! line ${p.line}: ${p.message}`);
    if (calls.length === 0) continue;
    lines.push(`   ${pad('start (UTC)', 24)} ${pad('from', 16)} ${pad('to', 16)} ${pad('dur', 7)} ${pad('outcome', 26)} ${pad('msgs', 5)} ${pad('verdict', 34)} media`);
    for (const c of calls) {
      const worstLoss = Math.max(0, maxOf(c.streams, (x) => x.lostPct, 0));
      const worstJit = Math.max(0, maxOf(c.streams, (x) => x.maxJitterMs, 0));
      const longest = Math.max(0, maxOf(c.streams, (x) => x.longestGapMs, 0));
      const media = c.streams.length === 0 ? 'no RTP' : `${c.streams.length} stream(s), loss ≤${worstLoss.toFixed(1)}%, jitter ≤${worstJit.toFixed(1)}ms, longest gap ${(longest / 1000).toFixed(1)}s`;
      const d = c.diagnosis;
      const verdict = d ? `${d.bucket ?? '-'} ${d.cause}${d.confidence < 1 ? ` (${Math.round(d.confidence * 100)}%)` : ''}` : '';
      const msgs = c.origin === 'cdr' ? 'CDR' : String(c.sipMessages);
      lines.push(`   ${pad(c.startTime.replace('T', ' ').replace('Z', ''), 24)} ${pad(c.from, 16)} ${pad(c.to, 16)} ${pad(dur(c.durationMs), 7)} ${pad(outcome(c), 26)} ${pad(msgs, 5)} ${pad(verdict, 34)} ${c.origin === 'cdr' ? '(no capture)' : media}`);
      lines.push(`     Call-ID ${c.callId}${c.kind !== 'call' ? ` (${c.kind})` : ''}`);
      if (d && d.problem) lines.push(`     fix: ${d.fix.title}`);
      if (c.capturePoints) lines.push(pointsLine(c.capturePoints));
      for (const r of c.cdr) if (r.join !== 'cdr_only') lines.push(`     CDR ${r.source}:${r.line} joined by ${r.join === 'call_id' ? 'Call-ID' : 'numbers and start time'}${r.joinDeltaMs !== null ? ` (Δ ${Math.round(r.joinDeltaMs)} ms)` : ''}: ${r.disposition}${r.q850Cause !== null ? `, Q.850 ${r.q850Cause}` : ''}`);
    }
  }
  for (const c of doc.captureClocks ?? []) {
    lines.push(c.offsetMs === null
      ? `== clocks: ${c.source} shares ${c.sharedCalls} call(s) with ${c.reference} but ${c.reason}`
      : `== clocks: ${c.source} is ${c.offsetMs >= 0 ? '+' : ''}${c.offsetMs.toFixed(3)} ms against ${c.reference} (${c.matchedMessages} SIP message(s) seen in both, spread ${c.spreadMs!.toFixed(3)} ms${c.transitMs !== null ? `, transit ${c.transitMs.toFixed(3)} ms` : ', one direction only: includes the transit'})`);
  }
  if (doc.unassociatedStreams.length > 0) {
    lines.push(`== RTP streams without signalling (${doc.unassociatedStreams.length})`);
    for (const s of doc.unassociatedStreams) {
      lines.push(`   ${s.ssrc} ${s.src} → ${s.dst} PT ${s.payloadType} ${s.encoding}: ${s.packets} pkts, lost ${s.lost}, max delta ${s.maxDeltaMs.toFixed(1)} ms, max jitter ${s.maxJitterMs.toFixed(2)} ms`);
    }
  }
  return lines.join('\n');
}
