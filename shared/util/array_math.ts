// Minimum, maximum and append over arrays of any length. `Math.min(...xs)` and
// `a.push(...xs)` pass every element as a call argument, which overflows the stack past
// roughly 120 000 elements: a call with 150 000 SIP messages lost its whole capture that way.
// These loop instead; eslint forbids the spread forms outside tests (eslint.config.js).

/** Smallest `f(x)` over `items`; `empty` when there are none. NaN values are skipped. */
export function minOf<T>(items: Iterable<T>, f: (x: T) => number, empty: number): number {
  let best = Infinity;
  let any = false;
  for (const x of items) {
    const v = f(x);
    if (v < best) best = v;
    any ||= v === v;
  }
  return any ? best : empty;
}

/** Largest `f(x)` over `items`; `empty` when there are none. NaN values are skipped. */
export function maxOf<T>(items: Iterable<T>, f: (x: T) => number, empty: number): number {
  let best = -Infinity;
  let any = false;
  for (const x of items) {
    const v = f(x);
    if (v > best) best = v;
    any ||= v === v;
  }
  return any ? best : empty;
}

/** Appends `items` to `target` (in place) and returns it. */
export function pushAll<T>(target: T[], items: Iterable<T>): T[] {
  for (const x of items) target.push(x);
  return target;
}

/** Median of `xs` (the mean of the middle two for an even count); NaN when empty. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
