// readTime reads 'YYYY-MM-DD HH:MM:SS' (the stamp of nearly every FreeSWITCH and Asterisk row)
// without its regular expression, for speed. The fast reading must be the general one: the same
// time, and the same refusal with the same reason for an impossible date, on every stamp —
// here 50 000 stamps of which most have an impossible field, each compared with the same stamp
// plus a '.0' fraction, which only the general path reads.

import { describe, expect, it } from 'vitest';
import { readTime } from '../../shared/cdr/cdr_common.ts';

describe('the plain-stamp fast path of readTime', () => {
  it('reads every YYYY-MM-DD HH:MM:SS as the general path does, impossible fields included', () => {
    let x = 20261206;
    const next = (n: number): number => {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      return x % n;
    };
    const p2 = (v: number): string => String(v).padStart(2, '0');
    const kinds = new Set<string>();
    for (let i = 0; i < 50_000; i++) {
      const sep = ['-', '/'][next(2)];
      const t = [' ', 'T', 't'][next(3)];
      const s = `${1970 + next(140)}${sep}${p2(next(14))}${sep}${p2(next(33))}${t}${p2(next(26))}:${p2(next(62))}:${p2(next(63))}`;
      const fast = readTime(s);
      expect(fast).toEqual(readTime(`${s}.0`));
      kinds.add(fast.kind === 'bad' ? fast.why.replace(/[\d–]+/g, 'N') : fast.kind);
    }
    // Both accepted and refused stamps were exercised, for each kind of impossible field.
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['ok', 'month N does not exist', 'hour N does not exist', 'minute N does not exist', 'second N does not exist']));
    expect([...kinds].some((k) => k.startsWith('day N does not exist'))).toBe(true);
    expect([...kinds].some((k) => k.startsWith('out of range'))).toBe(true);
  });
});
