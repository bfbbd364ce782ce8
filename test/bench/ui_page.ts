// What the UI bench (ui_bench.ts) does to the page and how it knows a result is on screen.
// Everything is timed from Node around Playwright actions; "painted" means the rows are in
// the DOM, read by polling it. The page's CSP forbids the string eval that waitForFunction
// needs, so the polls are page.evaluate (a CDP call, outside the CSP) or locator waits.
// Page scripts are strings so that the Node-side type check needs no DOM types.

import type { Page, Response } from 'playwright-core';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The API calls the page made while a figure was taken: where the time went on the serve side. */
export interface ApiCall {
  method: string;
  /** Request sent → first byte of the response: the handler's time plus loopback. */
  serverMs: number;
}

export class ApiLog {
  private calls: ApiCall[] = [];
  constructor(page: Page) {
    page.on('requestfinished', (req) => {
      const m = /\/api\/(\w+)/.exec(req.url());
      if (!m) return;
      const t = req.timing();
      let method = m[1];
      if (method === 'queryCalls') {
        // How the list asked: a cursor (keyset: one index seek at any depth) or an offset (a walk to the row).
        const q = JSON.parse(req.postData() ?? '{}') as { offset?: number; after?: unknown; before?: unknown };
        method += q.after || q.before ? '[cursor]' : q.offset ? '[offset]' : '[first page]';
      }
      this.calls.push({ method, serverMs: t.responseStart - t.requestStart });
    });
  }

  /** Empties the log; returns what it held. */
  take(): ApiCall[] {
    const out = this.calls;
    this.calls = [];
    return out;
  }
}

export function describeApi(calls: ApiCall[]): string {
  if (!calls.length) return 'no API call';
  const by = new Map<string, number[]>();
  for (const c of calls) by.set(c.method, [...(by.get(c.method) ?? []), c.serverMs]);
  return [...by].map(([m, ms]) => `${ms.length}× ${m} ${ms.length > 1 ? `slowest ${Math.max(...ms).toFixed(0)}` : ms[0].toFixed(0)} ms`).join(', ');
}

interface PageJson {
  ok: boolean;
  value?: { total: number; rows: Array<{ id: number }> };
}

/**
 * The first page of a new list (offset 0, no cursor) the page asks for after `action`, and
 * its rows on screen: the first row of that response at the top of the list, or the empty
 * state when it has none. A prefetch of the list before the action has a cursor or an
 * offset, so it cannot be taken for the new list's first page.
 */
export async function newListPainted(page: Page, action: () => Promise<void>): Promise<{ total: number }> {
  const first = page.waitForResponse((r: Response) => {
    if (!r.url().includes('/api/queryCalls')) return false;
    const q = JSON.parse(r.request().postData() ?? '{}') as { offset?: number; after?: unknown; before?: unknown };
    return q.offset === 0 && !q.after && !q.before;
  }, { timeout: 120_000 });
  await action();
  const body = (await (await first).json()) as PageJson;
  if (!body.ok || !body.value) throw new Error(`queryCalls failed: ${JSON.stringify(body).slice(0, 300)}`);
  const top = body.value.rows[0];
  if (top) await page.locator(`[data-testid="call-row"][aria-rowindex="2"][data-id="${top.id}"]`).waitFor({ timeout: 120_000 });
  else await page.getByTestId('calls-empty').waitFor({ timeout: 120_000 });
  return { total: body.value.total };
}

/** The rows of the list in the DOM: their positions (aria-rowindex − 2), and whether a loading row shows. */
export async function rowsOnScreen(page: Page): Promise<{ first: number; last: number; loading: number }> {
  return (await page.evaluate(`(() => {
    const rows = Array.from(document.querySelectorAll('[data-testid="calls-table"] [data-testid="call-row"]')).map((e) => Number(e.getAttribute('aria-rowindex')) - 2);
    return { first: rows.length ? Math.min(...rows) : -1, last: rows.length ? Math.max(...rows) : -1, loading: document.querySelectorAll('[data-testid="calls-table"] .ct-skeleton').length };
  })()`)) as { first: number; last: number; loading: number };
}

/** Scrolls the list so that row `row` is at the top (the scroll may be compressed: scrollScale). */
export async function scrollListTo(page: Page, row: number, total: number): Promise<void> {
  await page.evaluate(`(() => {
    const el = document.querySelector('[data-testid="calls-table"]');
    const max = el.scrollHeight - el.clientHeight;
    el.scrollTop = Math.min(max, Math.round(el.scrollHeight * ${row} / ${total}));
  })()`);
}

/** Polls until the rows in the DOM cover `row` with no loading row left (rows at that depth painted). */
export async function rowsPaintedAt(page: Page, row: number, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await rowsOnScreen(page);
    if (s.loading === 0 && s.first >= 0 && s.first <= row + 40 && s.last >= row - 40) return;
    if (Date.now() > until) throw new Error(`rows at ${row} not painted in ${timeoutMs} ms (${JSON.stringify(s)})`);
    await sleep(2);
  }
}

/**
 * Frame intervals while the list scrolls ~20 screens from where it is (1/6 screen per frame),
 * recorded in the page by requestAnimationFrame.
 */
export async function scrollFrames(page: Page): Promise<number[]> {
  const frames = (await page.evaluate(`(async () => {
    const scroller = document.querySelector('[data-testid="calls-table"]');
    const gaps = [];
    let last = performance.now();
    let running = true;
    const tick = (now) => { gaps.push(now - last); last = now; if (running) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
    for (let i = 0; i < 120; i++) {
      scroller.scrollTop += scroller.clientHeight / 6;
      await new Promise((r) => requestAnimationFrame(() => r(null)));
    }
    await new Promise((r) => setTimeout(r, 300));
    running = false;
    return gaps.slice(1);
  })()`)) as number[];
  return frames.sort((a, b) => a - b);
}

/** The steps of the page's last navigation, from its own performance entries: document, script, API calls, paints. */
export async function navigationSteps(page: Page): Promise<string> {
  const e = (await page.evaluate(`(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const res = performance.getEntriesByType('resource').map((r) => ({ name: r.name.replace(/[?].*/, '').split('/').pop(), start: r.startTime, end: r.responseEnd }));
    const paints = performance.getEntriesByType('paint').map((p) => ({ name: p.name, at: p.startTime }));
    return { html: nav.responseEnd, dcl: nav.domContentLoadedEventEnd, res, paints };
  })()`)) as { html: number; dcl: number; res: Array<{ name: string; start: number; end: number }>; paints: Array<{ name: string; at: number }> };
  const r = (x: number): string => x.toFixed(0);
  const script = e.res.find((x) => x.name.endsWith('.js'));
  const apis = e.res.filter((x) => !/\.(js|css)$/.test(x.name)).map((x) => `${x.name} ${r(x.start)}→${r(x.end)}`);
  const fcp = e.paints.find((p) => p.name === 'first-contentful-paint');
  return [`HTML ${r(e.html)}`, script ? `script loaded ${r(script.end)}` : '', `DOMContentLoaded ${r(e.dcl)}`, fcp ? `first contentful paint ${r(fcp.at)}` : '', ...apis].filter(Boolean).join(', ');
}
