// UI benchmark on a generated 100 000-call index, in Debian's Chromium against `serve`:
// time to first paint of the call list, frame times while scrolling it, time for a
// filter to apply, and time to first paint of a 2 000-message ladder.
//
//   npm run bench:ui [-- --calls 100000 --keep]
//
// Figures, not assertions: speed is measured here, never asserted in tests.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { startServe } from '../e2e/serve_fixture.ts';
import { buildLargeIndex } from './large_index.ts';

const argv = process.argv.slice(2);
const calls = Number(argv.includes('--calls') ? argv[argv.indexOf('--calls') + 1] : 100_000);
const keep = argv.includes('--keep');

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'calltrace-uibench-'));
  const db = join(dir, 'library.db');
  process.stdout.write(`building a ${calls}-call index… `);
  let t = performance.now();
  const { bigCallId } = buildLargeIndex(db, calls);
  process.stdout.write(`${((performance.now() - t) / 1000).toFixed(1)} s\n`);

  const { served, stop } = await startServe([], db);
  const browser = await chromium.launch({
    executablePath: process.env.CALLTRACE_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    t = performance.now();
    await page.goto(served.url);
    await page.getByTestId('call-row').first().waitFor();
    const firstPaintMs = performance.now() - t;

    // Scroll the list through ~20 screens and record frame intervals in the page.
    // Runs in the page (a string, so the Node-side type check needs no DOM types).
    const frames = (await page.evaluate(`(async () => {
      const table = document.querySelector('[data-testid="calls-table"]');
      const scroller = table.querySelector('[data-scroll]') ?? table;
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
    frames.sort((a, b) => a - b);
    const p = (q: number) => frames[Math.min(frames.length - 1, Math.floor(q * frames.length))];

    t = performance.now();
    await page.getByTestId('search-input').fill('+15551000042');
    // Polled from Node: the page's CSP (rightly) forbids the string eval waitForFunction needs.
    for (;;) {
      const n = await page.getByTestId('call-row').count();
      if (n > 0 && n < 20) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const filterMs = performance.now() - t;
    await page.getByTestId('search-input').fill('');

    t = performance.now();
    await page.getByTestId('search-input').fill(bigCallId);
    await page.locator(`[data-testid="call-row"][data-call-id="${bigCallId}"]`).click();
    await page.getByTestId('ladder-arrow').first().waitFor();
    const ladderMs = performance.now() - t;
    const arrows = await page.getByTestId('ladder-arrow').count();

    process.stdout.write(
      `\nUI benchmark (${calls} calls; Chromium ${browser.version()}; headless)\n` +
        `  call list, first paint after navigation: ${firstPaintMs.toFixed(0)} ms\n` +
        `  scrolling ~20 screens: ${frames.length} frames, median ${p(0.5).toFixed(1)} ms, p95 ${p(0.95).toFixed(1)} ms, worst ${frames[frames.length - 1].toFixed(1)} ms` +
        ` (${frames.filter((f) => f > 50).length} frames over 50 ms)\n` +
        `  filter by number: ${filterMs.toFixed(0)} ms until the list shows the matches\n` +
        `  2 000-message ladder: ${ladderMs.toFixed(0)} ms from search to first arrow (${arrows} arrows in the DOM, the rest virtualized)\n`,
    );
  } finally {
    await browser.close();
    stop();
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  process.stderr.write(`ui_bench: ${e.message}\n`);
  process.exitCode = 1;
});
