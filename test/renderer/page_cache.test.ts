import { describe, expect, it } from 'vitest';
import { PageCache, type Page } from '../../renderer/lib/page_cache.ts';

type Result = { ok: true; value: Page<number> } | { ok: false; error: { message: string } };

/** A fake queryCalls over `total` rows whose value is offset-based, recording each request. */
function fakeBackend(total: number, tag = 0) {
  const calls: Array<[number, number]> = [];
  const pending: Array<() => void> = [];
  let manual = false;
  const fetcher = (offset: number, limit: number): Promise<Result> => {
    calls.push([offset, limit]);
    const value = { total, rows: Array.from({ length: Math.max(0, Math.min(limit, total - offset)) }, (_, i) => tag + offset + i) };
    if (!manual) return Promise.resolve({ ok: true, value });
    return new Promise((res) => pending.push(() => res({ ok: true, value })));
  };
  return {
    fetcher,
    calls,
    hold() {
      manual = true;
    },
    flush() {
      for (const p of pending.splice(0)) p();
    },
  };
}

describe('PageCache', () => {
  it('fetches only the pages a window needs, once', async () => {
    const be = fakeBackend(100_000);
    let changes = 0;
    const c = new PageCache<number>(be.fetcher, { pageSize: 100, maxPages: 10 }, () => changes++);
    await c.ensure(0, 40);
    expect(be.calls).toEqual([[0, 100]]);
    expect(c.total).toBe(100_000);
    expect(c.get(39)).toBe(39);
    await c.ensure(10, 60);
    expect(be.calls).toHaveLength(1);
    await c.ensure(50_050, 50_120);
    expect(be.calls.slice(1)).toEqual([
      [50_000, 100],
      [50_100, 100],
    ]);
    expect(c.get(50_119)).toBe(50_119);
    expect(c.get(70_000)).toBeUndefined();
    expect(changes).toBe(3);
  });

  it('keeps at most maxPages, dropping the least recently used', async () => {
    const be = fakeBackend(10_000);
    const c = new PageCache<number>(be.fetcher, { pageSize: 10, maxPages: 3 }, () => {});
    for (const p of [0, 1, 2]) await c.ensure(p * 10, p * 10 + 5);
    await c.ensure(0, 5); // page 0 used again
    await c.ensure(30, 35); // evicts page 1, the oldest
    expect(c.loadedPages().sort()).toEqual([0, 2, 3]);
  });

  it('drops answers to a previous query', async () => {
    const be = fakeBackend(1000);
    be.hold();
    const c = new PageCache<number>(be.fetcher, { pageSize: 10, maxPages: 10 }, () => {});
    const first = c.ensure(0, 5);
    const be2 = fakeBackend(5, 1_000_000);
    c.reset(be2.fetcher);
    be.flush();
    await first;
    expect(c.total).toBeNull();
    expect(c.get(0)).toBeUndefined();
    await c.ensure(0, 5);
    expect(c.total).toBe(5);
    expect(c.get(0)).toBe(1_000_000);
  });

  it('refresh keeps rows visible until their fresh page arrives', async () => {
    let tag = 0;
    const fetcher = (offset: number, limit: number): Promise<Result> => Promise.resolve({ ok: true, value: { total: 50, rows: Array.from({ length: limit }, (_, i) => tag + offset + i) } });
    const c = new PageCache<number>(fetcher, { pageSize: 10, maxPages: 10 }, () => {});
    await c.ensure(0, 5);
    tag = 100;
    c.refresh();
    expect(c.get(3)).toBe(3); // stale but shown
    await c.ensure(0, 5);
    expect(c.get(3)).toBe(103);
  });

  it('fetches the first page for an empty window (it carries the total) and reports errors', async () => {
    const c = new PageCache<number>(() => Promise.resolve({ ok: false, error: { message: 'index locked' } }), { pageSize: 10, maxPages: 10 }, () => {});
    await c.ensure(0, 0);
    expect(c.error).toBe('index locked');
    const be = fakeBackend(0);
    c.reset(be.fetcher);
    await c.ensure(0, 0);
    expect(be.calls).toEqual([[0, 10]]);
    expect(c.total).toBe(0);
    expect(c.error).toBeNull();
  });

  it('asks for a page beside a loaded one by cursor (its neighbour row), and for a jump by offset', async () => {
    const asked: Array<[number, unknown]> = [];
    const fetcher = (offset: number, limit: number, near?: { after?: number; before?: number }): Promise<{ ok: true; value: { total: number; rows: number[] } }> => {
      asked.push([offset, near]);
      // Rows are their own index; a cursor answer must land on the same rows as the offset.
      const start = near?.after !== undefined ? near.after + 1 : near?.before !== undefined ? near.before - limit : offset;
      return Promise.resolve({ ok: true, value: { total: 1000, rows: Array.from({ length: limit }, (_, i) => start + i) } });
    };
    const c = new PageCache<number>(fetcher, { pageSize: 10, maxPages: 10 }, () => {});
    await c.ensure(500, 505);
    await c.ensure(510, 515);
    await c.ensure(490, 495);
    expect(asked).toEqual([[500, undefined], [510, { after: 509 }], [490, { before: 500 }]]);
    expect([c.get(489), c.get(490), c.get(499), c.get(510), c.get(519)]).toEqual([undefined, 490, 499, 510, 519]);
    // After a refresh the loaded pages are stale: not trusted as cursors.
    c.refresh();
    await c.ensure(520, 525);
    expect(asked[asked.length - 1]).toEqual([520, undefined]);
  });
});
