// rawFromColumns (the row as read, column name → value, for the UI's raw view) works out its
// keys once per header and row width instead of once per row. The keys must be those the
// per-row rule gives: a repeated name keeps its first value and later ones get a suffix, an
// empty or missing name is colN — here against that rule written out, on awkward headers.

import { describe, expect, it } from 'vitest';
import { rawFromColumns } from '../../shared/cdr/cdr_common.ts';

/** The per-row rule, as rawFromColumns applied it to every row before. */
function reference(names: readonly string[], fields: readonly string[]): Record<string, string> {
  const raw: Record<string, string> = {};
  for (let i = 0; i < fields.length; i++) {
    const key = i < names.length && names[i] !== '' ? names[i] : `col${i + 1}`;
    raw[key in raw ? `${key}_${i + 1}` : key] = fields[i];
  }
  return raw;
}

describe('rawFromColumns', () => {
  const headers: string[][] = [
    ['a', 'b', 'c'],
    ['a', 'a', 'a_2', 'a'],
    ['', 'x', '', 'col1'],
    ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'],
    ['start', 'start_2', 'start'],
    [],
  ];
  for (const names of headers) {
    it(`header [${names.join(',')}]: the same keys, values and key order as the per-row rule, at every width`, () => {
      for (let width = 0; width <= names.length + 3; width++) {
        for (let row = 0; row < 3; row++) {
          const fields = Array.from({ length: width }, (_, i) => `r${row}v${i}`);
          const got = rawFromColumns(names, fields);
          const want = reference(names, fields);
          expect(Object.entries(got)).toEqual(Object.entries(want));
          expect(Object.getPrototypeOf(got)).toBe(Object.getPrototypeOf(want));
        }
      }
    });
  }
});
