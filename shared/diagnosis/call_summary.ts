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

/**
 * What a summary is made of: counts that add up call by call, so they can be kept in the index
 * as the calls change (summary_aggregates.ts) instead of being recounted over every call.
 * One group is the calls of one UTC hour or one peer in one bucket; `answered` counts the
 * answered among them.
 */
export interface SummaryParts {
  /** hourStartUs → calls per bucket. */
  hours: Map<number, BucketCounts>;
  /** peer → calls per bucket, and the answered among them. */
  peers: Map<string, { buckets: BucketCounts; answered: number }>;
  causes: Map<string, number>;
  q850: Map<number, number>;
  attempts: number;
  answered: number;
  /**
   * Answered duration summed in whole microseconds: an integer sum is the same in any order,
   * so the ACD of kept counts equals the ACD recounted call by call to the last bit.
   */
  answeredUs: number;
  pddMs: Percentiles;
}

/** A duration in ms (from µs timestamps) as whole microseconds, for order-independent sums. */
export function durationUs(ms: number): number {
  return Math.round(ms * 1000);
}

export function hourStartOf(startUs: number): number {
  return Math.floor(startUs / HOUR_US) * HOUR_US;
}

/** Nearest-rank percentiles of the PDD values, sorted ascending. */
export function pddPercentiles(sorted: readonly number[]): Percentiles {
  return { count: sorted.length, p50: percentile(sorted, 50), p90: percentile(sorted, 90), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
}

const BUCKET_NUMBERS: readonly Bucket[] = [1, 2, 3, 4, 5, 6, 7];

function problemsOf(b: BucketCounts): number {
  return BUCKET_NUMBERS.reduce((n, k) => n + (isProblemBucket(k) ? b[String(k) as keyof BucketCounts] : 0), 0);
}

export function summarize(calls: readonly SummaryInput[], settings: Pick<DiagnosisSettings, 'alertThresholdPct'> = DEFAULT_SETTINGS): Summary {
  const inputs = calls.filter((c) => c.kind !== 'other');
  const parts: SummaryParts = { hours: new Map(), peers: new Map(), causes: new Map(), q850: new Map(), attempts: inputs.length, answered: 0, answeredUs: 0, pddMs: pddPercentiles([]) };
  const pdds: number[] = [];
  for (const c of inputs) {
    const key = bucketKey(c.bucket);
    const hourStartUs = hourStartOf(c.startUs);
    let h = parts.hours.get(hourStartUs);
    if (!h) parts.hours.set(hourStartUs, (h = emptyBuckets()));
    h[key]++;
    let p = parts.peers.get(c.peer);
    if (!p) parts.peers.set(c.peer, (p = { buckets: emptyBuckets(), answered: 0 }));
    p.buckets[key]++;
    if (c.cause) parts.causes.set(c.cause, (parts.causes.get(c.cause) ?? 0) + 1);
    if (c.q850Cause !== null) parts.q850.set(c.q850Cause, (parts.q850.get(c.q850Cause) ?? 0) + 1);
    if (c.pddMs !== null && Number.isFinite(c.pddMs)) pdds.push(c.pddMs);
    if (c.answered) {
      parts.answered++;
      parts.answeredUs += durationUs(c.durationMs);
      p.answered++;
    }
  }
  pdds.sort((a, b) => a - b);
  parts.pddMs = pddPercentiles(pdds);
  return summaryFromParts(parts, settings);
}

export function summaryFromParts(parts: SummaryParts, settings: Pick<DiagnosisSettings, 'alertThresholdPct'> = DEFAULT_SETTINGS): Summary {
  const buckets = emptyBuckets();
  const byHour: HourRow[] = [...parts.hours]
    .map(([hourStartUs, b]): HourRow => {
      const calls = Object.values(b).reduce((x, y) => x + y, 0);
      for (const k of Object.keys(buckets) as Array<keyof BucketCounts>) buckets[k] += b[k];
      const problems = problemsOf(b);
      return { hourStartUs, hour: hourLabel(hourStartUs), calls, buckets: { ...b }, problems, problemPct: pct(problems, calls) ?? 0 };
    })
    .filter((h) => h.calls > 0)
    .sort((a, b) => a.hourStartUs - b.hourStartUs);
  const byPeer: PeerRow[] = [...parts.peers]
    .map(([peer, g]): PeerRow => {
      const calls = Object.values(g.buckets).reduce((x, y) => x + y, 0);
      return { peer, calls, answered: g.answered, asrPct: pct(g.answered, calls), buckets: { ...g.buckets }, problems: problemsOf(g.buckets) };
    })
    .filter((p) => p.calls > 0)
    .sort((a, b) => b.calls - a.calls || a.peer.localeCompare(b.peer));

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
    attempts: parts.attempts,
    answered: parts.answered,
    asrPct: pct(parts.answered, parts.attempts),
    acdMs: parts.answered > 0 ? parts.answeredUs / 1000 / parts.answered : null,
    pddMs: parts.pddMs,
    buckets,
    byHour,
    byPeer,
    byCause: [...parts.causes].filter(([, count]) => count > 0).map(([cause, count]) => ({ cause, count })).sort((a, b) => b.count - a.count || a.cause.localeCompare(b.cause)),
    q850: [...parts.q850].filter(([, count]) => count > 0).map(([code, count]) => ({ code, name: q850Name(code), count })).sort((a, b) => b.count - a.count || a.code - b.code),
    alerts,
  };
}
