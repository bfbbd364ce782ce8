// Times are µs since the epoch (CapturedPacket.tsUs, the facts, the index). A JavaScript
// Date holds ±8.64e15 ms (ECMA-262 TimeClip), so that — ±8.64e18 µs, about ±273 790 years —
// is the range a time can be shown in; outside it `toISOString()` throws RangeError.
// Captures can carry any 64-bit value (a corrupt pcapng if_tsoffset or if_tsresol), so the
// capture reader keeps times inside this range, and every formatter goes through these
// helpers so that no single bad value (an old index, a CDR) can throw.

/** Largest |time| in µs that a Date can hold. */
export const MAX_TIME_US = 8.64e18;

/** What a formatter prints for a time no date can hold. */
export const INVALID_TIME = 'invalid time';

/** True when `us` is a finite time a Date can hold. */
export function isRepresentableUs(us: number): boolean {
  return Math.abs(us) <= MAX_TIME_US; // false for NaN too
}

/** The Date of a µs time (rounded to the ms), or null when no Date can hold it. */
export function dateFromUs(us: number, round: (ms: number) => number = Math.round): Date | null {
  const ms = round(us / 1000);
  return Math.abs(ms) <= 8.64e15 ? new Date(ms) : null;
}

/** ISO 8601 UTC ('2026-11-21T00:42:10.123Z'), or INVALID_TIME; never throws. */
export function isoFromUs(us: number, round: (ms: number) => number = Math.round): string {
  return dateFromUs(us, round)?.toISOString() ?? INVALID_TIME;
}
