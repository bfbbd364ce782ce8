// The HTML incident report in a real browser (Debian's Chromium), opened from disk with the
// network off: it must request nothing but itself, raise no console error and no CSP
// violation, draw the ladder, and show a message's raw text when its arrow is clicked.
// Reports are written by test/support/write_report.ts (what `export --html` will call);
// screenshots land in test-results/report/.

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, test, type Page } from '@playwright/test';
import { buildHostileCallCapture } from '../support/hostile_call_capture.ts';

const REPO = join(import.meta.dirname, '../..');
const FIXTURES = join(REPO, 'test/fixtures/captures');
const OUT = join(REPO, 'test-results/report');

function writeReport(out: string, ...captures: string[]): string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'test/support/write_report.ts'), out, ...captures], { cwd: REPO, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`write_report failed: ${r.stderr}`);
  return pathToFileURL(out).href;
}

interface Watch {
  requests: string[];
  errors: string[];
  dialogs: string[];
  violations(): Promise<string[]>;
}

/** Opens `url` offline and records every request, console error, page error and dialog. */
async function open(page: Page, url: string): Promise<Watch> {
  // Browser-side code as text: the project's type check has no DOM library outside renderer/.
  const w: Watch = { requests: [], errors: [], dialogs: [], violations: () => page.evaluate('window.__csp || []') as Promise<string[]> };
  await page.context().setOffline(true);
  // Runs before the page's own script, outside its CSP: counts violations the page would hide.
  await page.addInitScript({
    content: "window.__csp = []; document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));",
  });
  page.on('request', (r) => w.requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') w.errors.push(m.text());
  });
  page.on('pageerror', (e) => w.errors.push(e.message));
  page.on('dialog', (d) => {
    w.dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(url);
  await page.waitForLoadState('load');
  return w;
}

async function expectQuiet(w: Watch, url: string): Promise<void> {
  expect(w.requests).toEqual([url]);
  expect(w.errors).toEqual([]);
  expect(w.dialogs).toEqual([]);
  expect(await w.violations()).toEqual([]);
}

test.beforeAll(() => mkdirSync(OUT, { recursive: true }));

test('one call: offline, no request but itself, ladder drawn, an arrow shows its raw message', async ({ page }) => {
  const url = writeReport(join(OUT, 'one_way_audio.html'), join(FIXTURES, 'one_way_audio.pcapng'));
  const w = await open(page, url);

  const ladder = page.getByTestId('ladder');
  await expect(ladder).toBeVisible();
  const arrows = page.getByTestId('ladder-arrow');
  await expect(arrows).toHaveCount(7);
  await expect(page.getByTestId('timeline')).toBeVisible();
  await expect(page.getByTestId('verdict-cause')).toContainText('one_way_audio');

  const panel = page.getByTestId('raw-message');
  await expect(panel).toBeHidden();
  await arrows.first().click();
  await expect(panel).toBeVisible();
  await expect(panel.locator('.raw-body')).toContainText('INVITE sip:');
  await expect(panel.locator('.raw-body')).toContainText('m=audio');
  await expect(arrows.first()).toHaveClass(/selected/);
  // Another arrow replaces it; the page did not navigate away.
  await page.locator('[data-testid="ladder-arrow"][data-index="5"]').click();
  await expect(panel.locator('.raw-head')).toContainText('#5 BYE');
  await expect(panel.locator('.raw-body')).toContainText('BYE sip:');
  expect(page.url()).toBe(url);

  await page.screenshot({ path: join(OUT, 'one_way_audio.png'), fullPage: true });
  await expectQuiet(w, url);
});

test('a selection: the summary page and every call, still loading nothing', async ({ page }) => {
  const url = writeReport(join(OUT, 'mixed_outcomes.html'), join(FIXTURES, 'mixed_outcomes.pcapng'));
  const w = await open(page, url);
  await expect(page.getByTestId('summary')).toBeVisible();
  await expect(page.getByTestId('summary-call')).toHaveCount(5);
  await expect(page.getByTestId('call-section')).toHaveCount(5);
  await expect(page.getByTestId('ladder')).toHaveCount(5);
  await page.getByTestId('summary').screenshot({ path: join(OUT, 'mixed_outcomes_summary.png') });
  // Each call's panel is its own: a click in call 3 fills call 3's panel only.
  const third = page.getByTestId('call-section').nth(2);
  await third.getByTestId('ladder-arrow').first().click();
  await expect(third.getByTestId('raw-message')).toBeVisible();
  await expect(page.getByTestId('call-section').nth(0).getByTestId('raw-message')).toBeHidden();
  await page.screenshot({ path: join(OUT, 'mixed_outcomes.png'), fullPage: true });
  await expectQuiet(w, url);
});

test('hostile SIP stays text: no dialog, no element or script of its own, no violation', async ({ page }) => {
  const capture = join(OUT, 'hostile.pcap');
  writeFileSync(capture, buildHostileCallCapture());
  const url = writeReport(join(OUT, 'hostile.html'), capture);
  const w = await open(page, url);
  await expect(page.getByTestId('ladder')).toBeVisible();
  await expect(page.locator('h2').first()).toContainText('x"onmouseover=alert(4)');
  expect(await page.locator('img, iframe, object, embed, link, base, form').count()).toBe(0);
  expect(await page.locator('script').count()).toBe(1);
  expect(await page.locator('body svg svg').count()).toBe(0);
  await page.getByTestId('ladder-arrow').first().click();
  await expect(page.getByTestId('raw-message').locator('.raw-body')).toContainText('<script>alert(1)</script>');
  // Hovering and clicking around the injected text runs nothing either.
  await page.locator('h2').first().hover();
  await page.getByTestId('ladder-arrow').nth(3).click();
  await page.screenshot({ path: join(OUT, 'hostile.png'), fullPage: true });
  await expectQuiet(w, url);
});
