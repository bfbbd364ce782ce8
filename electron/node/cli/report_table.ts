// The readable form of `report`: carrier KPIs first, then where the problems are (alert
// windows, buckets per hour, worst peers), then the cause and Q.850 distributions.

import type { Summary } from '../../../shared/diagnosis/call_summary.ts';
import { BUCKETS } from '../../../shared/diagnosis/buckets.ts';
import type { Bucket, DiagnosisSettings } from '../../../shared/model/verdict.ts';

const pct = (v: number | null): string => (v === null ? '-' : `${v.toFixed(1)}%`);
const ms = (v: number | null): string => (v === null ? '-' : v >= 10_000 ? `${(v / 1000).toFixed(0)} s` : `${Math.round(v)} ms`);
const KEYS = ['1', '2', '3', '4', '5', '6', '7', 'none'] as const;

export function formatReport(s: Summary, sources: Array<{ name: string; kind: string; status: string; calls: number }>, settings: DiagnosisSettings): string {
  const L: string[] = [];
  L.push(`Sources: ${sources.map((x) => `${x.name} (${x.kind}, ${x.calls} calls${x.status !== 'ok' ? ', ' + x.status : ''})`).join('; ')}`);
  L.push('');
  L.push(`Attempts ${s.attempts}   answered ${s.answered}   ASR ${pct(s.asrPct)}   ACD ${ms(s.acdMs)}   PDD p50 ${ms(s.pddMs.p50)} p90 ${ms(s.pddMs.p90)} p95 ${ms(s.pddMs.p95)} p99 ${ms(s.pddMs.p99)} (${s.pddMs.count} calls)`);
  L.push('');
  L.push('Buckets:');
  for (const k of KEYS) {
    const n = s.buckets[k];
    if (n === 0) continue;
    const name = k === 'none' ? 'not classifiable (capture ended / in progress)' : BUCKETS[Number(k) as Bucket].name;
    L.push(`  ${k.padStart(4)}  ${String(n).padStart(6)}  ${name}`);
  }
  L.push('');
  if (s.alerts.length === 0) L.push(`Alert windows: none (buckets 4–7 never above ${settings.alertThresholdPct}% of an hour's calls)`);
  else {
    L.push(`Alert windows (buckets 4–7 above ${settings.alertThresholdPct}% of the hour's calls):`);
    for (const a of s.alerts) L.push(`  ${a.hour}  ${a.problems}/${a.calls} calls = ${a.problemPct.toFixed(1)}%  (4:${a.buckets['4']} 5:${a.buckets['5']} 6:${a.buckets['6']} 7:${a.buckets['7']})`);
  }
  L.push('');
  L.push('Per hour (UTC)        calls   1   2   3   4   5   6   7   n/a  problems');
  for (const h of s.byHour) {
    L.push(`  ${h.hour.padEnd(18)} ${String(h.calls).padStart(6)} ${KEYS.map((k) => String(h.buckets[k]).padStart(k === 'none' ? 5 : 3)).join(' ')}  ${h.problemPct.toFixed(1)}%`);
  }
  L.push('');
  L.push('Peers (worst first)            calls  ASR     problems');
  for (const p of [...s.byPeer].sort((a, b) => b.problems - a.problems || b.calls - a.calls).slice(0, 15)) {
    L.push(`  ${p.peer.slice(0, 28).padEnd(28)} ${String(p.calls).padStart(6)}  ${pct(p.asrPct).padStart(6)}  ${p.problems}`);
  }
  L.push('');
  L.push('Causes: ' + (s.byCause.map((c) => `${c.cause} ${c.count}`).join(', ') || 'none'));
  L.push('Q.850:  ' + (s.q850.map((q) => `${q.code} ${q.name} ${q.count}`).join(', ') || 'none'));
  return L.join('\n');
}
