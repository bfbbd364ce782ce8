// How numbers read in the UI. Times are UTC, like the report and the hourly alert windows of
// diagnosis.md §6, so a time in the list matches the hour bar it came from. Missing values
// show as an en dash, never as 0: "no RTP" and "0 % loss" are different facts.

import { INVALID_TIME, dateFromUs } from '../../shared/model/time.ts';

export const MISSING = '–';

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** µs since the epoch → '2026-11-21 00:42:10.123' (UTC). */
export function formatTimeUs(us: number | null | undefined): string {
  if (us === null || us === undefined || !Number.isFinite(us)) return MISSING;
  const d = dateFromUs(us, Math.floor);
  if (!d) return INVALID_TIME;
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}

/** µs since the epoch → '2026-11-21 00:00' (an hour bucket's label). */
export function formatHourUs(us: number): string {
  return formatTimeUs(us).slice(0, 16);
}

/** Milliseconds → '850 ms', '12.4 s', '3:05', '1:02:03'. */
export function formatDurationMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return MISSING;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** Bytes → '1.2 MB' (powers of 1000, like the benchmark figures in the README). */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return MISSING;
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1000 && u < BYTE_UNITS.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? `${Math.round(v)} B` : `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${BYTE_UNITS[u]}`;
}

export function formatRate(bytesPerSecond: number | null | undefined): string {
  return bytesPerSecond === null || bytesPerSecond === undefined ? MISSING : `${formatBytes(bytesPerSecond)}/s`;
}

/** 12345 → '12 345' with a thin space: readable without a locale-dependent separator. */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return MISSING;
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
}

export function formatPct(p: number | null | undefined, digits = 1): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return MISSING;
  return `${p.toFixed(p !== 0 && Math.abs(p) < 1 ? Math.max(digits, 2) : digits)} %`;
}

export function formatMs(ms: number | null | undefined, digits = 1): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return MISSING;
  return `${ms.toFixed(digits)} ms`;
}

export function formatMos(mos: number | null | undefined): string {
  if (mos === null || mos === undefined || !Number.isFinite(mos)) return MISSING;
  return mos.toFixed(2);
}

/** MOS bands of ITU-T G.107 Annex B: ≥ 4.0 satisfied, ≥ 3.6 some, ≥ 3.1 many dissatisfied. */
export function mosTone(mos: number | null | undefined): 'ok' | 'warn' | 'danger' | null {
  if (mos === null || mos === undefined || !Number.isFinite(mos)) return null;
  return mos >= 4 ? 'ok' : mos >= 3.6 ? 'warn' : 'danger';
}

/** Loss tone: codecs conceal ≲ 1 %, ≥ 3 % is clearly audible. */
export function lossTone(pct: number | null | undefined): 'ok' | 'warn' | 'danger' | null {
  if (pct === null || pct === undefined || !Number.isFinite(pct)) return null;
  return pct < 1 ? 'ok' : pct < 3 ? 'warn' : 'danger';
}
