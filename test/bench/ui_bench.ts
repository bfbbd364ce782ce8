// UI benchmark (issue 13, "Speed where users feel it"): each UI target measured in Debian's
// Chromium against the built `calltrace serve` on a library of a million calls, printed
// beside its target with met / NOT MET and the 1-minute load average at that moment.
//
//   npm run bench:ui [-- --calls 1000000] [--db PATH (reused if it exists, kept)] [--seed-calls 10000] [--keep]
//                    [--only dashboard (the open, then the dashboard's lines, 3 times each on a new page)]
//
// The library is made by copied_library.ts (a few thousand calls through the store, the rest
// copied in SQL: about 3 minutes for a million on 2 cores). With --db it is built once, kept,
// and reused by later runs (`npm run bench:library -- --db PATH` reads the same file).
//
// Timed from Node around Playwright actions, until the result is in the DOM (ui_page.ts):
// - library open: `serve` started on the existing index → the list's first rows; its parts:
//   serve up (address printed), then the page's navigation → first rows;
// - list first paint: navigation → first rows, on a serve already running;
// - filters (bucket, buckets, final status, cause, peer, source, time range) and searches
//   (number, Call-ID fragment, no match): the action → the first rows of the new list;
// - sort by every sortable column, both ways: header click → first rows of the new order;
// - scrolling: the list jumped to the middle and to the end (an offset query) → rows there;
//   then one page further (asked for by cursor: keyset) at the top, the middle and the end;
//   and frame times while scrolling ~20 screens at each depth;
// - the dashboard: switch to it → its figures; the 2 000-message ladder: click → first arrow;
// - the index size per call: the file with its WAL, over the calls.
// Beside each figure, the API calls the page made meanwhile and their time on the serve side.
// Figures, not assertions: speed is measured here, never asserted in tests.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildCopiedLibrary, DAY_US, T0_US } from './copied_library.ts';
import { machine } from './machine.ts';
import { ApiLog, describeApi, navigationSteps, newListPainted, rowsPaintedAt, scrollFrames, scrollListTo, sleep } from './ui_page.ts';

const REPO = resolve(import.meta.dirname, '../..');
const argv = process.argv.slice(2);
const arg = (k: string, d: string): string => (argv.includes(k) ? argv[argv.indexOf(k) + 1] : d);
const calls = Number(arg('--calls', '1000000'));
const keep = argv.includes('--keep');
// One part alone, so a change to it is measured without loading the shared machine for minutes.
const only = arg('--only', '');
if (only && only !== 'dashboard') throw new Error(`--only: unknown part "${only}" (known: dashboard)`);

const load = (): string => loadavg()[0].toFixed(2);

function line(label: string, ms: number, target: number | null, extra = ''): void {
  const verdict = target === null ? ''.padEnd(26) : (ms < target ? `met (< ${target} ms)` : `NOT MET (< ${target} ms, ×${(ms / target).toFixed(1)})`).padEnd(26);
  process.stdout.write(`  ${label.padEnd(58)} ${ms.toFixed(0).padStart(7)} ms  ${verdict} load ${load()}${extra ? `  ${extra}` : ''}\n`);
}

/** Starts the built CLI's `serve` on the index (what a user runs); resolves when it prints its address. */
function startServe(db: string): Promise<{ url: string; child: ChildProcess }> {
  const cli = join(REPO, 'dist/cli/calltrace.mjs');
  if (!existsSync(cli) || !existsSync(join(REPO, 'dist/renderer/index.html'))) throw new Error('build first: npm run -s build:cli && npm run -s build');
  const child = spawn(process.execPath, [cli, 'serve', '--db', db], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((res, rej) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\S*token=\S+)/.exec(out);
      if (m) res({ url: m[1], child });
    });
    child.on('exit', (code) => rej(new Error(`serve exited (${code}); stderr: ${err}`)));
  });
}

async function firstRows(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.locator('[data-testid="call-row"][aria-rowindex="2"]').waitFor({ timeout: 120_000 });
}

/**
 * The dashboard: switch to it → its figures and its chart (the first time on a page the summary
 * is asked for), then back to the list and to it again (the summary kept by the page). The
 * chart's last segment is waited for too: a chart drawn after the figures is still the user's wait.
 */
async function dashboardLines(page: Page, api: ApiLog): Promise<void> {
  const shown = async (timeout?: number): Promise<void> => {
    await page.getByTestId('kpi-attempts').waitFor({ timeout });
    await page.locator('[data-testid="hour-bar"]').last().waitFor({ timeout });
  };
  let t = performance.now();
  await page.getByTestId('view-dashboard').click();
  await shown(120_000);
  line('dashboard summary (switch → figures)', performance.now() - t, 300, `${await page.getByTestId('hour-bar').count()} hour-bar segments drawn; ${describeApi(api.take())}`);
  await page.getByTestId('view-calls').click();
  await page.locator('[data-testid="call-row"][aria-rowindex="2"]').waitFor();
  await sleep(200);
  api.take();
  t = performance.now();
  await page.getByTestId('view-dashboard').click();
  await shown();
  line('dashboard again (summary kept by the page)', performance.now() - t, 300, describeApi(api.take()));
  await page.getByTestId('view-calls').click();
  await page.locator('[data-testid="call-row"][aria-rowindex="2"]').waitFor();
}

async function main(): Promise<void> {
  let db = arg('--db', '');
  let dir: string | null = null;
  if (!db) {
    dir = mkdtempSync(join(tmpdir(), 'calltrace-uibench-'));
    db = join(dir, 'library.db');
  }
  if (!existsSync(db)) {
    process.stdout.write(`building a ${calls}-call library in ${db} (load ${load()})…\n`);
    const t = performance.now();
    const b = buildCopiedLibrary(db, calls, { seedCalls: Number(arg('--seed-calls', '10000')), onProgress: (n) => process.stdout.write(`\r  ${n} calls`) });
    process.stdout.write(`\n  ${((performance.now() - t) / 1000).toFixed(1)} s (seed of ${b.seedCalls} through the store ${b.seedS.toFixed(1)} s, copies ${b.copyS.toFixed(1)} s; load ${load()})\n`);
  } else process.stdout.write(`reusing ${db}\n`);

  // What the bench needs to know of the library: its size, its 2 000-message call, a number.
  const ro = new Database(db, { readonly: true });
  const n = ro.prepare("SELECT count(*) FROM calls WHERE kind = 'call'").pluck().get() as number;
  const big = ro.prepare('SELECT call_id, sip_messages FROM calls ORDER BY id LIMIT 1').get() as { call_id: string; sip_messages: number };
  const mid = ro.prepare('SELECT from_user FROM calls WHERE id = ?').pluck().get(Math.floor(n / 2) + 42) as string;
  ro.close();
  const bytes = statSync(db).size + (existsSync(`${db}-wal`) ? statSync(`${db}-wal`).size : 0);

  const browser: Browser = await chromium.launch({
    executablePath: process.env.CALLTRACE_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  let page = await context.newPage();
  let api = new ApiLog(page);
  let serve: ChildProcess | null = null;
  try {
    process.stdout.write(`\nUI benchmark: ${n} calls (${db}); Chromium ${browser.version()}, headless; ${machine()}\n`);
    process.stdout.write(`  ${'measure'.padEnd(58)} ${'figure'.padStart(10)}  ${'target'.padEnd(26)} 1-min load  (API calls meanwhile: time on the serve side)\n`);

    // Library open: serve started on the existing index → the list's first rows painted.
    let t = performance.now();
    const started = await startServe(db);
    serve = started.child;
    const upMs = performance.now() - t;
    const tNav = performance.now();
    await firstRows(page, started.url);
    const openMs = performance.now() - t;
    const navMs = performance.now() - tNav;
    line('library open (serve start → first rows)', openMs, 200, `serve up ${upMs.toFixed(0)} ms + navigation → rows ${navMs.toFixed(0)} ms; ${describeApi(api.take())}`);
    line('list first paint, first navigation after the open', navMs, 300);

    if (only === 'dashboard') {
      // Each round on a new page, so its first switch asks for the summary as a user's first one does.
      for (let i = 0; i < 3; i++) {
        if (i > 0) {
          await page.close();
          page = await context.newPage();
          api = new ApiLog(page);
          await firstRows(page, started.url);
          await sleep(300);
          api.take();
        }
        await dashboardLines(page, api);
      }
      return;
    }

    // Navigation → first rows on a running serve: a new page each time, 3 times.
    const navs: number[] = [];
    for (let i = 0; i < 3; i++) {
      await page.close();
      page = await context.newPage();
      api = new ApiLog(page);
      t = performance.now();
      await firstRows(page, started.url);
      navs.push(performance.now() - t);
      if (i === 0) process.stdout.write(`    (${describeApi(api.take())})\n`);
    }
    navs.sort((a, b) => a - b);
    line('list first paint (navigation → first rows), median of 3', navs[1], 300, `runs ${navs.map((x) => x.toFixed(0)).join(' / ')} ms`);
    process.stdout.write(`    where the last one's time went (ms from navigation start, the page's clock): ${await navigationSteps(page)}\n`);
    api.take();

    const reset = async (): Promise<void> => {
      await firstRows(page, started.url);
      await sleep(300); // the prefetch of the margin rows lands before the next figure
      api.take();
    };

    await dashboardLines(page, api);

    // Filters and searches: the action → first rows of the new list.
    const day = T0_US + Math.floor(Math.ceil(n / 10_000) / 2) * DAY_US;
    const utc = (us: number): string => new Date(us / 1000).toISOString().slice(0, 19);
    const seedFragment = big.call_id.slice(big.call_id.indexOf('-'), big.call_id.indexOf('-') + 5);
    const search = async (text: string): Promise<void> => {
      await page.getByTestId('search-input').fill(text);
      await page.getByTestId('search-input').press('Enter');
    };
    const filters: Array<[string, () => Promise<void>, (() => Promise<void>)?]> = [
      ['filter: bucket 3', () => page.locator('[data-testid="bucket-filter"][data-bucket="3"]').click()],
      ['filter: buckets 2,4,6 (the third click)', () => page.locator('[data-testid="bucket-filter"][data-bucket="6"]').click(), async () => {
        for (const b of ['2', '4']) await newListPainted(page, () => page.locator(`[data-testid="bucket-filter"][data-bucket="${b}"]`).click());
      }],
      ['filter: final status 486', () => page.getByTestId('filter-final').press('Enter'), () => page.getByTestId('filter-final').fill('486')],
      ['filter: cause cancel_487', () => page.getByTestId('filter-cause').selectOption('cancel_487').then(() => undefined)],
      ['filter: peer 10.0.0.1 (the caller of every call)', () => page.getByTestId('filter-peer').press('Enter'), () => page.getByTestId('filter-peer').fill('10.0.0.1')],
      ['filter: one source (holding every call)', () => page.getByTestId('source-show-calls').click(), async () => {
        if (!(await page.getByTestId('source').first().isVisible())) await page.getByTestId('library-toggle').click();
        await page.locator('[data-testid="source"] .source-head').first().click();
        await page.getByTestId('source-show-calls').waitFor();
        await sleep(200);
        api.take();
      }],
      [`filter: from ${utc(day)} on (a time range, open end)`, () => page.getByTestId('filter-from').fill(utc(day))],
      ['filter: time range of one hour (the "to" filled in)', () => page.getByTestId('filter-to').fill(utc(day + 3_600_000_000)), async () => {
        await newListPainted(page, () => page.getByTestId('filter-from').fill(utc(day)));
        await sleep(200);
        api.take();
      }],
      // Filled and Enter pressed at once: Enter asks straight away (typing alone waits 250 ms, below).
      [`search: number ${mid} (filled, Enter)`, () => search(mid)],
      [`search: Call-ID fragment "${seedFragment}"`, () => search(seedFragment)],
      ['search: no match "zzzz"', () => search('zzzz')],
    ];
    for (const [label, action, before] of filters) {
      await reset();
      if (before) await before();
      api.take();
      t = performance.now();
      const { total } = await newListPainted(page, action);
      line(label, performance.now() - t, 150, `${total} calls; ${describeApi(api.take())}`);
    }
    {
      await reset();
      // Typing alone: the search box waits 250 ms after the last key (by design), then asks.
      t = performance.now();
      const { total } = await newListPainted(page, () => page.getByTestId('search-input').fill(mid));
      line(`search: number ${mid} typed (no Enter: 250 ms debounce)`, performance.now() - t, null, `${total} calls; ${describeApi(api.take())}`);
    }

    // Sort by every sortable column, both ways: click → first rows of the new order.
    await reset();
    const headers = page.getByTestId('sort-header');
    const keys: string[] = [];
    for (let i = 0; i < (await headers.count()); i++) keys.push((await headers.nth(i).getAttribute('data-sort')) ?? '');
    for (const key of keys) {
      for (let k = 0; k < 2; k++) {
        const header = page.locator(`[data-testid="sort-header"][data-sort="${key}"]`);
        t = performance.now();
        await newListPainted(page, () => header.click());
        const dir = await header.getAttribute('aria-sort');
        line(`sort: ${key} ${dir}`, performance.now() - t, 300, describeApi(api.take()));
        await sleep(300);
        api.take();
      }
    }

    // Scrolling at depth. A jump (the scrollbar dragged: the page there has no loaded
    // neighbour, so it is asked for by offset, a walk to the row) to the top, the middle and
    // the end, each 20 rows into a page of the list's cache (200 rows); then one page further
    // down: the page beside a loaded one, asked for by cursor (keyset: one index seek at any
    // depth). Then frame times while scrolling ~20 screens from there.
    await reset();
    const PAGE = 200;
    const lastPage = Math.floor((n - 1) / PAGE);
    for (const [name, page0] of [['top', 0], ['middle', Math.floor(lastPage / 2)], ['end', lastPage - 3]] as const) {
      const row = page0 * PAGE + 20;
      if (page0 > 0) {
        t = performance.now();
        await scrollListTo(page, row, n);
        await rowsPaintedAt(page, row);
        line(`scroll: jump to the ${name} (row ${row}) → rows there`, performance.now() - t, null, describeApi(api.take()));
        await sleep(400);
        api.take();
      }
      t = performance.now();
      await scrollListTo(page, row + PAGE, n);
      await rowsPaintedAt(page, row + PAGE);
      line(`scroll: one page further at the ${name} (row ${row + PAGE})`, performance.now() - t, null, describeApi(api.take()));
      await sleep(400);
      api.take();
      const frames = await scrollFrames(page);
      const p = (q: number): number => frames[Math.min(frames.length - 1, Math.floor(q * frames.length))];
      line(`scroll: ~20 screens at the ${name}, frame median`, p(0.5), null,
        `p95 ${p(0.95).toFixed(1)} ms, worst ${frames[frames.length - 1].toFixed(1)} ms, ${frames.filter((f) => f > 50).length} of ${frames.length} frames over 50 ms; ${describeApi(api.take())}`);
      await sleep(400);
      api.take();
    }

    // The 2 000-message ladder: search its Call-ID, click its row → first arrow.
    await reset();
    await newListPainted(page, () => search(big.call_id));
    api.take();
    t = performance.now();
    await page.locator(`[data-testid="call-row"][data-call-id="${big.call_id}"]`).click();
    await page.getByTestId('ladder-arrow').first().waitFor({ timeout: 120_000 });
    const arrows = await page.getByTestId('ladder-arrow').count();
    line(`${big.sip_messages}-message ladder (row click → first arrow)`, performance.now() - t, null, `${arrows} arrows in the DOM, the rest virtualized; ${describeApi(api.take())}`);

    process.stdout.write(`  ${'index size per call'.padEnd(58)} ${(bytes / n).toFixed(0).padStart(7)} B   (${(bytes / 1e9).toFixed(2)} GB with its WAL, ${n} calls: SIP text, streams, indexes)\n`);
  } finally {
    await browser.close();
    serve?.kill('SIGTERM');
    if (dir && !keep) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  process.stderr.write(`ui_bench: ${e.stack ?? e.message}\n`);
  process.exitCode = 1;
});
