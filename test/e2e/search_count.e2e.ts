// A search matching more calls than a page counts (issue 13), in a real browser against
// `calltrace serve` on a generated library of 12 000 calls: the rows show at once with a lower
// bound ("10 000+ calls, counting…", thousands split by a narrow no-break space), then the exact
// total once countCalls answers; a count whose search is no longer the current one is ignored.
//
// The count's requests are held (page.route) until the test has seen the bound, so the
// "counting" state is observed, not raced.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, expect, type Route } from '@playwright/test';
import { REPO, startServe, type Served } from './serve_fixture.ts';

const CALLS = 12_000;

const test = base.extend<object, { served: Served }>({
  served: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const dir = mkdtempSync(join(tmpdir(), 'calltrace-e2e-search-'));
      const db = join(dir, 'library.db');
      // The bench's generator (every From is +1555…): a real index, written as an import writes it.
      const built = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'test/bench/large_index.ts'), '--db', db, '--calls', String(CALLS)], { cwd: REPO, encoding: 'utf8' });
      if (built.status !== 0) throw new Error(`large_index.ts failed: ${built.stderr}`);
      const s = await startServe([], db);
      await use(s.served);
      s.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    { scope: 'worker' },
  ],
});

test('a broad search shows its rows with a lower bound, then the exact total', async ({ page, served }) => {
  test.setTimeout(120_000);
  const held: Route[] = [];
  const counts: string[] = [];
  await page.route('**/api/countCalls', (route) => {
    counts.push(route.request().postData() ?? '');
    held.push(route);
  });
  await page.goto(served.url);
  const total = page.getByTestId('calls-total');
  await expect(total).toHaveText('12\u202f000 calls');

  await page.getByTestId('search-input').fill('1555');
  await page.getByTestId('search-input').press('Enter');
  // Rows at once, the total a bound while the count is held.
  await expect(total).toHaveAttribute('data-exact', 'false');
  await expect(total).toHaveText('10\u202f000+ calls, counting…');
  await expect(page.getByTestId('call-row').first()).toBeVisible();
  expect(await page.getByTestId('call-row').count()).toBeGreaterThan(10);
  await expect.poll(() => held.length).toBe(1);
  expect(JSON.parse(counts[0])).toMatchObject({ filter: { text: '1555' } });

  // The count answers: the list is sized to it.
  await held.shift()!.continue();
  await expect(total).toHaveText('12\u202f000 calls');
  await expect(total).toHaveAttribute('data-exact', 'true');

  // A new broad search, then a narrow one before its count answers: the old count is ignored.
  await page.getByTestId('search-input').fill('@10.0');
  await page.getByTestId('search-input').press('Enter');
  await expect(total).toHaveText('10\u202f000+ calls, counting…');
  await expect.poll(() => held.length).toBe(1);
  await page.getByTestId('search-input').fill('+15551000042');
  await page.getByTestId('search-input').press('Enter');
  await expect(total).toHaveText('1 call');
  const stale = page.waitForResponse('**/api/countCalls');
  await held.shift()!.continue();
  // The stale count's answer reaches the page (then one turn of its event loop) and changes nothing.
  await stale;
  await page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
  await expect(total).toHaveText('1 call');
  await expect(page.getByTestId('call-row')).toHaveCount(1);
  expect(held).toHaveLength(0);
});
