// The exact count of a list that gave a lower bound: asked step by step until done, and a
// count that was stopped (the filter changed) reports nothing more and asks no further step.

import { describe, expect, it } from 'vitest';
import type { ApiResult, CallCount, CallCountResume } from '../../shared/api/contract.ts';
import { countExactly } from '../../renderer/lib/exact_count.ts';
import { PageCache, type Page } from '../../renderer/lib/page_cache.ts';

/** A countCalls over `total` calls, `chunk` a step; each step waits until released. */
function fakeCount(total: number, chunk: number) {
  const asked: Array<CallCountResume | undefined> = [];
  const waiting: Array<() => void> = [];
  const step = (resume: CallCountResume | undefined): Promise<ApiResult<CallCount>> => {
    asked.push(resume);
    const counted = Math.min(total, (resume?.counted ?? 0) + chunk);
    const more = counted < total ? { counted, afterId: counted, version: 'v1' } : null;
    return new Promise((res) => waiting.push(() => res({ ok: true, value: { counted, more } })));
  };
  const release = async (): Promise<void> => {
    waiting.shift()?.();
    await new Promise((r) => setTimeout(r, 0));
  };
  return { step, asked, release };
}

describe('countExactly', () => {
  it('asks step after step, resuming where the last stopped, and reports progress then the total', async () => {
    const be = fakeCount(25, 10);
    const seen: string[] = [];
    countExactly(be.step, { progress: (n) => seen.push(`p${n}`), done: (n) => seen.push(`d${n}`), failed: (m) => seen.push(m) });
    for (let i = 0; i < 3; i++) await be.release();
    expect(seen).toEqual(['p10', 'p20', 'd25']);
    expect(be.asked.map((r) => r?.counted)).toEqual([undefined, 10, 20]);
  });

  it('stopped: the step under way is ignored and no other is asked', async () => {
    const be = fakeCount(25, 10);
    const seen: string[] = [];
    const stop = countExactly(be.step, { progress: (n) => seen.push(`p${n}`), done: (n) => seen.push(`d${n}`), failed: (m) => seen.push(m) });
    await be.release();
    stop();
    await be.release();
    await be.release();
    expect(seen).toEqual(['p10']);
    expect(be.asked).toHaveLength(2);
  });

  it('a failed step ends the count with its message', async () => {
    const seen: string[] = [];
    countExactly(() => Promise.resolve({ ok: false, error: { code: 'internal', message: 'disk gone' } }), { progress: () => {}, done: () => {}, failed: (m) => seen.push(m) });
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toEqual(['disk gone']);
  });
});

describe('PageCache with a lower bound of the total', () => {
  it('takes the bound, grows it, then the exact total; a newer query ignores an older count', async () => {
    let bound = 100;
    let exact = false;
    const fetcher = (offset: number, limit: number): Promise<{ ok: true; value: Page<number> }> =>
      Promise.resolve({ ok: true, value: { total: bound, totalExact: exact, rows: Array.from({ length: limit }, (_, i) => offset + i) } });
    const c = new PageCache<number>(fetcher, { pageSize: 10, maxPages: 10 }, () => {});
    await c.ensure(0, 10);
    expect([c.total, c.totalExact]).toEqual([100, false]);
    const g = c.currentGeneration;
    c.raiseTotal(5000, g);
    expect(c.total).toBe(5000);
    // A later page's bound does not shrink what a count has found.
    await c.ensure(20, 30);
    expect(c.total).toBe(5000);
    c.setExactTotal(123_456, g);
    expect([c.total, c.totalExact]).toEqual([123_456, true]);
    // Pages of the counted query keep the exact total.
    await c.ensure(40, 50);
    expect([c.total, c.totalExact]).toEqual([123_456, true]);
    // A new query: the old count's answer is dropped.
    c.reset();
    bound = 50;
    await c.ensure(0, 10);
    c.setExactTotal(999, g);
    c.raiseTotal(999, g);
    expect([c.total, c.totalExact]).toEqual([50, false]);
    // An exact page answer (the back end counted it since) replaces the bound.
    exact = true;
    bound = 70;
    await c.ensure(60, 70);
    expect([c.total, c.totalExact]).toEqual([70, true]);
  });
});
