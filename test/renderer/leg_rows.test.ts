// Screen positions of the call list with legs grouped: expanded end-to-end calls insert their
// legs under their row; mapping both ways agrees, whatever the expansions.

import { describe, expect, it } from 'vitest';
import { screenPos, screenRow, screenTotal, sortExpanded } from '../../renderer/lib/leg_rows.ts';

describe('leg rows', () => {
  const expanded = sortExpanded([
    { index: 5, legs: 3 },
    { index: 1, legs: 2 },
    { index: 9, legs: 0 }, // nothing to show: ignored
  ]);

  it('inserts the legs under their call', () => {
    expect(expanded.map((e) => e.index)).toEqual([1, 5]);
    const shown = Array.from({ length: screenTotal(8, expanded) }, (_, p) => screenRow(p, expanded));
    expect(shown.map((r) => (r.kind === 'row' ? `r${r.index}` : `r${r.index}.${r.leg}`))).toEqual([
      'r0', 'r1', 'r1.0', 'r1.1', 'r2', 'r3', 'r4', 'r5', 'r5.0', 'r5.1', 'r5.2', 'r6', 'r7',
    ]);
  });

  it('maps a row to its screen position and back', () => {
    for (let i = 0; i < 8; i++) expect(screenRow(screenPos(i, expanded), expanded)).toEqual({ kind: 'row', index: i });
    expect(screenPos(6, expanded)).toBe(11);
  });

  it('is the identity with nothing expanded, and ignores expansions past the end', () => {
    expect(screenRow(7, [])).toEqual({ kind: 'row', index: 7 });
    expect(screenPos(7, [])).toBe(7);
    expect(screenTotal(3, sortExpanded([{ index: 10, legs: 4 }]))).toBe(3);
  });
});
