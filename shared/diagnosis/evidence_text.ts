// Formatting for evidence sentences (diagnosis.md §1: every verdict carries the facts it used,
// each with a time and a reference). Sentences are what a field engineer reads, so times are
// wall-clock UTC with milliseconds (as in the ladder) and durations are in s or ms.

import type { CallStream } from '../model/call.ts';
import type { Evidence, EvidenceRef } from '../model/verdict.ts';
import { INVALID_TIME, dateFromUs } from '../model/time.ts';

/** 'HH:MM:SS.mmm UTC' for µs since the epoch. */
export function clock(tsUs: number): string {
  const d = dateFromUs(tsUs, Math.floor);
  if (!d) return INVALID_TIME;
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)} UTC`;
}

/** 6.5 s, 320 ms, 1 h 2 min. */
export function dur(ms: number): string {
  const a = Math.abs(ms);
  if (a < 1000) return `${Math.round(ms)} ms`;
  if (a < 100_000) return `${(ms / 1000).toFixed(1).replace(/\.0$/, '')} s`;
  if (a < 3_600_000) return `${Math.round(ms / 1000)} s`;
  const h = Math.floor(a / 3_600_000);
  return `${h} h ${Math.round((a - h * 3_600_000) / 60_000)} min`;
}

/** Duration between two µs timestamps. */
export function between(fromUs: number, toUs: number): string {
  return dur((toUs - fromUs) / 1000);
}

/** 'ip:port', IPv6 in brackets, as the rest of the app writes endpoints. */
export function endpoint(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export function streamSrc(s: CallStream): string {
  return endpoint(s.src, s.srcPort);
}

export function streamDst(s: CallStream): string {
  return endpoint(s.dst, s.dstPort);
}

export function ssrcHex(ssrc: number): string {
  return `0x${(ssrc >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
}

export function streamRef(s: CallStream): EvidenceRef {
  return { kind: 'stream', ssrc: s.ssrc, src: streamSrc(s), dst: streamDst(s) };
}

/** The trailing silence of a stream as a timeline gap; a plain stream ref when it has none. */
export function trailingGapRef(s: CallStream): EvidenceRef {
  const g = s.trailingGap;
  if (!g) return streamRef(s);
  return { kind: 'gap', ssrc: s.ssrc, src: streamSrc(s), dst: streamDst(s), startUs: g.startUs, durationMs: g.durationMs };
}

export function ev(text: string, tsUs: number | null, ref: EvidenceRef | null): Evidence {
  return { text, tsUs, ref };
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
