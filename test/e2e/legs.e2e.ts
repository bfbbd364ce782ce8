// One call across legs, in a real browser against `calltrace serve`: a B2BUA call opens as
// one ladder with both legs colour-coded and a legend, its end-to-end verdict from the leg that
// failed first; a heuristic link is marked as a guess and Unlink splits the call (and Link again
// joins it); the corpus's Asterisk B2BUA shows its two legs as one call.

import { join } from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import { REPO, SHOTS, startServe, type Served } from './serve_fixture.ts';
import { CORPUS_DIR, corpusPresent } from '../support/oracle.ts';

const LEGS = join(REPO, 'test/fixtures/legs');

const test = base.extend<object, { served: Served }>({
  served: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const s = await startServe([join(LEGS, 'legs_outbound_503.pcap'), join(LEGS, 'legs_heuristic.pcap'), join(LEGS, 'legs_session_id.pcap')]);
      await use(s.served);
      s.stop();
    },
    { scope: 'worker' },
  ],
});

test.describe.configure({ mode: 'serial' });

const row = (page: Page, callId: string) => page.locator(`[data-testid="call-row"][data-call-id="${callId}"]`);
const arrows = (page: Page, leg?: number) => page.locator(leg === undefined ? '[data-testid="ladder-arrow"]' : `[data-testid="ladder-arrow"][data-leg="${leg}"]`);

test('a B2BUA call opens as one ladder with both legs, a legend and the end-to-end verdict', async ({ page, served }) => {
  await page.goto(served.url);
  await row(page, 'f503-in@10.0.0.10').click();
  const panel = page.getByTestId('legs-panel');
  await expect(panel).toBeVisible();
  const legend = panel.getByTestId('leg-legend-item');
  await expect(legend).toHaveCount(2);
  await expect(legend.nth(0)).toHaveAttribute('data-call-id', 'f503-in@10.0.0.10');
  await expect(legend.nth(1)).toHaveAttribute('data-call-id', 'f503-out@10.0.0.1');
  // Each leg keeps its own verdict; the end-to-end one is the outbound 503 (it came first).
  await expect(legend.nth(0).getByTestId('leg-cause')).toHaveText('sip_480');
  await expect(legend.nth(1).getByTestId('leg-cause')).toHaveText('sip_503');
  await expect(panel.getByTestId('e2e-verdict')).toHaveAttribute('data-cause', 'sip_503');
  await expect(panel.getByTestId('e2e-verdict')).toHaveAttribute('data-from-leg', 'f503-out@10.0.0.1');

  // One ladder: one arrow per SIP message of each leg, each arrow tagged with its leg.
  const counts = await legend.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-messages'))));
  expect(counts.every((n) => n > 0)).toBe(true);
  await expect(arrows(page, 0)).toHaveCount(counts[0]);
  await expect(arrows(page, 1)).toHaveCount(counts[1]);
  await expect(arrows(page)).toHaveCount(counts[0] + counts[1]);
  // One column per host across the legs: caller, PBX, trunk (ports merged).
  await expect(page.locator('.cv-check input[type="checkbox"]')).toBeChecked();
  // The link is a guess and says so.
  await expect(panel.getByTestId('leg-link')).toHaveAttribute('data-method', 'heuristic');
  await page.screenshot({ path: join(SHOTS, '20-legs-ladder.png') });

  // A link from a header is not a guess: no Unlink.
  await row(page, 'sid-in@10.0.0.10').click();
  await expect(page.getByTestId('legs-panel').getByTestId('leg-link')).toHaveAttribute('data-method', 'session_id');
  await expect(page.getByTestId('unlink-button')).toHaveCount(0);
});

test('the list groups legs under one row per end-to-end call, and expands to show them', async ({ page, served }) => {
  await page.goto(served.url);
  await expect(row(page, 'f503-out@10.0.0.1')).toBeVisible();
  await expect(page.getByTestId('call-row')).toHaveCount(7);
  await page.getByTestId('group-legs').check();
  // Three end-to-end calls of two legs and the unrelated 486: four rows.
  await expect(page.getByTestId('call-row')).toHaveCount(4);
  await expect(row(page, 'f503-out@10.0.0.1')).toHaveCount(0);
  const e2e = row(page, 'f503-in@10.0.0.10');
  // The row carries the end-to-end verdict (the outbound 503), not the inbound leg's 480.
  await expect(e2e).toHaveAttribute('data-cause', 'sip_503');
  await expect(e2e).toHaveAttribute('data-legs', '2');
  await expect(row(page, 'heur-other@10.0.0.11').getByTestId('legs-toggle')).toHaveCount(0);
  await e2e.getByTestId('legs-toggle').click();
  const legRows = page.getByTestId('leg-row');
  await expect(legRows).toHaveCount(2);
  await expect(legRows.nth(0)).toHaveAttribute('data-call-id', 'f503-in@10.0.0.10');
  await expect(legRows.nth(1)).toHaveAttribute('data-call-id', 'f503-out@10.0.0.1');
  await page.screenshot({ path: join(SHOTS, '22-legs-grouped-list.png') });
  // A leg opens that leg, in the ladder of the whole end-to-end call.
  await legRows.nth(1).click();
  await expect(page.getByTestId('call-view')).toContainText('f503-out@10.0.0.1');
  await expect(page.getByTestId('legs-panel').getByTestId('leg-legend-item')).toHaveCount(2);
  await e2e.getByTestId('legs-toggle').click();
  await expect(legRows).toHaveCount(0);
  await page.getByTestId('group-legs').uncheck();
  await expect(page.getByTestId('call-row')).toHaveCount(7);
});

test('Unlink splits a heuristic link into two calls, Link again joins them', async ({ page, served }) => {
  await page.goto(served.url);
  await row(page, 'heur-in@10.0.0.10').click();
  const panel = page.getByTestId('legs-panel');
  await expect(panel.getByTestId('leg-legend-item')).toHaveCount(2);
  await panel.getByTestId('unlink-button').click();
  // The call is shown alone: no legend, its own arrows only, the undone link offered again.
  await expect(panel.getByTestId('leg-legend-item')).toHaveCount(0);
  await expect(panel.getByTestId('leg-link')).toHaveAttribute('data-undone', 'true');
  await expect(arrows(page, 0)).toHaveCount(0);
  await expect(arrows(page).first()).toBeVisible();
  await page.screenshot({ path: join(SHOTS, '21-legs-unlinked.png') });
  // The other leg is alone too, after a reload (the undo is in the index, not in the page).
  await page.reload();
  await row(page, 'heur-out@10.0.0.1').click();
  await expect(page.getByTestId('legs-panel').getByTestId('leg-link')).toHaveAttribute('data-undone', 'true');
  await page.getByTestId('relink-button').click();
  await expect(page.getByTestId('legs-panel').getByTestId('leg-legend-item')).toHaveCount(2);
});

test.describe('the corpus', () => {
  // The corpus is third-party data kept beside the project: said loudly when absent.
  test.skip(!corpusPresent, `the corpus is absent (${CORPUS_DIR}): the Asterisk B2BUA check is NOT run`);
  test('sipnab_b2bua_asterisk.pcapng shows its two legs as one call', async ({ page }) => {
    const s = await startServe([join(CORPUS_DIR, 'pcap/sipnab_b2bua_asterisk.pcapng')]);
    try {
      await page.goto(s.served.url);
      const rows = page.getByTestId('call-row');
      await expect(rows.first()).toBeVisible();
      await rows.first().click();
      const legend = page.getByTestId('legs-panel').getByTestId('leg-legend-item');
      await expect(legend).toHaveCount(2);
      const counts = await legend.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-messages'))));
      await expect(arrows(page)).toHaveCount(counts[0] + counts[1]);
    } finally {
      s.stop();
    }
  });
});
