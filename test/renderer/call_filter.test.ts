import { describe, expect, it } from 'vitest';
import { buildQuery, bucketKeyOf, DEFAULT_SORT, filterChips, filterKey, formatStatusList, HOUR_US, hourBucketFilter, isFilterEmpty, localInputToUs, nextSort, normalizeFilter, parseStatusList, toggleIn, usToLocalInput, withoutPart } from '../../renderer/lib/call_filter.ts';

describe('call filter', () => {
  it('normalizes so equal filters have equal keys', () => {
    expect(normalizeFilter({ buckets: [5, 4, 5], text: '  ', causes: [], peer: ' trunk1 ' })).toEqual({ buckets: [4, 5], peer: 'trunk1' });
    expect(filterKey({ buckets: [5, 4] }, DEFAULT_SORT)).toBe(filterKey({ buckets: [4, 5], causes: [] }, DEFAULT_SORT));
    expect(isFilterEmpty({ text: '', buckets: [] })).toBe(true);
    expect(isFilterEmpty({ includeOther: true })).toBe(false);
  });

  it('builds the API query with offset and limit', () => {
    expect(buildQuery({ text: ' 555 ' }, { key: 'minMos', descending: false }, 200, 100)).toEqual({ filter: { text: '555' }, sort: { key: 'minMos', descending: false }, offset: 200, limit: 100 });
  });

  it('turns a dashboard segment into bucket + UTC hour', () => {
    const h = Date.UTC(2026, 10, 21, 3) * 1000;
    expect(hourBucketFilter(h, '4')).toEqual({ buckets: [4], fromUs: h, toUs: h + HOUR_US });
    expect(hourBucketFilter(h, 'none').buckets).toEqual([0]);
    expect(bucketKeyOf(null)).toBe('none');
    expect(bucketKeyOf(7)).toBe('7');
  });

  it('sorts worst first for quality columns, flips on a second click', () => {
    expect(nextSort(DEFAULT_SORT, 'worstLossPct')).toEqual({ key: 'worstLossPct', descending: true });
    expect(nextSort({ key: 'worstLossPct', descending: true }, 'worstLossPct')).toEqual({ key: 'worstLossPct', descending: false });
    expect(nextSort(DEFAULT_SORT, 'startUs')).toEqual({ key: 'startUs', descending: true });
  });

  it('parses SIP code lists with classes and reports junk', () => {
    expect(parseStatusList('486, 503;408')).toEqual({ codes: [486, 503, 408], invalid: [] });
    const r = parseStatusList('5xx abc 999');
    expect(r.codes).toHaveLength(100);
    expect(r.invalid).toEqual(['abc', '999']);
    expect(formatStatusList(parseStatusList('486 5xx').codes)).toBe('5xx, 486');
  });

  it('reads and writes datetime-local values as UTC', () => {
    const us = Date.UTC(2026, 10, 21, 0, 42, 10) * 1000;
    expect(usToLocalInput(us)).toBe('2026-11-21T00:42:10');
    expect(localInputToUs('2026-11-21T00:42:10')).toBe(us);
    expect(localInputToUs('2026-11-21T00:42')).toBe(Date.UTC(2026, 10, 21, 0, 42) * 1000);
    expect(localInputToUs('')).toBeUndefined();
    expect(localInputToUs('garbage')).toBeUndefined();
  });

  it('describes and removes active parts', () => {
    const f = { buckets: [4], causes: ['sip_503'], text: '555' };
    const chips = filterChips(f, { bucket: (b) => `b${b}` });
    expect(chips.map((c) => c.part)).toEqual(['buckets', 'causes', 'text']);
    expect(withoutPart(f, 'causes')).toEqual({ buckets: [4], text: '555' });
    expect(toggleIn([1, 2], 2)).toEqual([1]);
    expect(toggleIn(undefined, 3)).toEqual([3]);
  });
});
