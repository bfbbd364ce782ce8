// Across calls (diagnosis.md §6): bucket counts per UTC hour, per peer and per cause, the
// carrier KPIs users expect next to drops (ASR, ACD, PDD percentiles, Q.850 distribution),
// and the alert windows — hours in which buckets 4–7 exceed alertThresholdPct of the calls.

import type { Bucket, CauseKey, DiagnosisSettings } from '../model/verdict.ts';
import { DEFAULT_SETTINGS } from '../model/verdict.ts';
import { isProblemBucket } from './buckets.ts';
import { q850Name } from './q850_causes.ts';
import { INVALID_TIME, isoFromUs } from '../model/time.ts';

export interface SummaryInput {
  startUs: number;
  bucket: Bucket | null;
  cause: CauseKey | string | null;
  q850Cause: number | null;
  finalStatus: number | null;
  answered: boolean;
  /** Answered duration (answer → end), ms; 0 when unanswered. */
  durationMs: number;
  /** Post-dial delay (INVITE → first 18x), ms; null when none. */
  pddMs: number | null;
  /** Peer address / trunk name; '' when unknown. */
  peer: string;
  /** Non-INVITE dialogs (REGISTER, OPTIONS…) are not call attempts and are left out when marked 'other'. */
  kind?: 'call' | 'other';
}

/** Calls per bucket; key 'none' for the not-classifiable verdicts (and calls not classified yet). */
export type BucketCounts = Record<'1' | '2' | '3' | '4' | '5' | '6' | '7' | 'none', number>;

export interface HourRow {
  /** Start of the UTC hour, µs since the epoch. */
  hourStartUs: number;
  /** '2026-11-21T00:00Z'. */
  hour: string;
  calls: number;
  buckets: BucketCounts;
  /** Calls in buckets 4–7. */
  problems: number;
  problemPct: number;
}

export interface PeerRow {
  peer: string;
  calls: number;
  answered: number;
  asrPct: number | null;
  buckets: BucketCounts;
  problems: number;
}

export interface Percentiles {
  count: number;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
}

export interface AlertWindow {
  hourStartUs: number;
  hour: string;
  calls: number;
  problems: number;
  problemPct: number;
  thresholdPct: number;
  /** The problem buckets behind it. */
  buckets: Pick<BucketCounts, '4' | '5' | '6' | '7'>;
}

export interface Summary {
  /** Call attempts: INVITE calls. */
  attempts: number;
  answered: number;
  /** ASR = answered / attempts, %. */
  asrPct: number | null;
  /** ACD = mean answered duration, ms. */
  acdMs: number | null;
  /** Post-dial delay percentiles (nearest rank), ms. */
  pddMs: Percentiles;
  buckets: BucketCounts;
  byHour: HourRow[];
  byPeer: PeerRow[];
  byCause: Array<{ cause: string; count: number }>;
  q850: Array<{ code: number; name: string; count: number }>;
  alerts: AlertWindow[];
}

const HOUR_US = 3_600_000_000;

function emptyBuckets(): BucketCounts {
  return { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0, none: 0 };
}

function bucketKey(b: Bucket | null): keyof BucketCounts {
  return b === null ? 'none' : (String(b) as keyof BucketCounts);
}

function pct(part: number, whole: number): number | null {
  return whole > 0 ? (100 * part) / whole : null;
}

/** Nearest-rank percentile: the smallest value with at least p % of the values at or below it. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

function hourLabel(hourStartUs: number): string {
  const iso = isoFromUs(hourStartUs);
  return iso === INVALID_TIME ? iso : `${iso.slice(0, 13)}:00Z`;
}

export function summarize(calls: readonly SummaryInput[], settings: Pick<DiagnosisSettings, 'alertThresholdPct'> = DEFAULT_SETTINGS): Summary {
  const inputs = calls.filter((c) => c.kind !== 'other');
  const buckets = emptyBuckets();
  const hours = new Map<number, HourRow>();
  const peers = new Map<string, PeerRow>();
  const causes = new Map<string, number>();
  const q850 = new Map<number, number>();
  const pdds: number[] = [];
  let answered = 0;
  let answeredMs = 0;

  for (const c of inputs) {
    const key = bucketKey(c.bucket);
    const problem = isProblemBucket(c.bucket);
    buckets[key]++;

    const hourStartUs = Math.floor(c.startUs / HOUR_US) * HOUR_US;
    let h = hours.get(hourStartUs);
    if (!h) hours.set(hourStartUs, (h = { hourStartUs, hour: hourLabel(hourStartUs), calls: 0, buckets: emptyBuckets(), problems: 0, problemPct: 0 }));
    h.calls++;
    h.buckets[key]++;
    if (problem) h.problems++;

    let p = peers.get(c.peer);
    if (!p) peers.set(c.peer, (p = { peer: c.peer, calls: 0, answered: 0, asrPct: null, buckets: emptyBuckets(), problems: 0 }));
    p.calls++;
    p.buckets[key]++;
    if (problem) p.problems++;

    if (c.cause) causes.set(c.cause, (causes.get(c.cause) ?? 0) + 1);
    if (c.q850Cause !== null) q850.set(c.q850Cause, (q850.get(c.q850Cause) ?? 0) + 1);
    if (c.pddMs !== null && Number.isFinite(c.pddMs)) pdds.push(c.pddMs);
    if (c.answered) {
      answered++;
      answeredMs += c.durationMs;
      p.answered++;
    }
  }

  const byHour = [...hours.values()].sort((a, b) => a.hourStartUs - b.hourStartUs);
  for (const h of byHour) h.problemPct = pct(h.problems, h.calls) ?? 0;
  const byPeer = [...peers.values()].sort((a, b) => b.calls - a.calls || a.peer.localeCompare(b.peer));
  for (const p of byPeer) p.asrPct = pct(p.answered, p.calls);
  pdds.sort((a, b) => a - b);

  const threshold = settings.alertThresholdPct;
  const alerts: AlertWindow[] = byHour
    .filter((h) => h.problemPct > threshold)
    .map((h) => ({
      hourStartUs: h.hourStartUs,
      hour: h.hour,
      calls: h.calls,
      problems: h.problems,
      problemPct: h.problemPct,
      thresholdPct: threshold,
      buckets: { 4: h.buckets[4], 5: h.buckets[5], 6: h.buckets[6], 7: h.buckets[7] },
    }));

  return {
    attempts: inputs.length,
    answered,
    asrPct: pct(answered, inputs.length),
    acdMs: answered > 0 ? answeredMs / answered : null,
    pddMs: { count: pdds.length, p50: percentile(pdds, 50), p90: percentile(pdds, 90), p95: percentile(pdds, 95), p99: percentile(pdds, 99) },
    buckets,
    byHour,
    byPeer,
    byCause: [...causes].map(([cause, count]) => ({ cause, count })).sort((a, b) => b.count - a.count || a.cause.localeCompare(b.cause)),
    q850: [...q850].map(([code, count]) => ({ code, name: q850Name(code), count })).sort((a, b) => b.count - a.count || a.code - b.code),
    alerts,
  };
}
