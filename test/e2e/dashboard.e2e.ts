// The dashboard with many alert hours, in Debian's Chromium against `calltrace serve`: a CDR
// file (made here, Twilio's export format) with one busy call (bucket 5) in each of 20 hours, so
// every hour is an alert window. The chart shades all 20; the list shows the latest 12 until
// asked for all (at a million calls there were 400, and the list was half the page's elements).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base } from '@playwright/test';
import { expect, startServe, type Served } from './serve_fixture.ts';

// A serve of its own, on an empty library: the shared fixture's serve lives as long as the
// Playwright worker, so it holds what earlier test files imported (their hours would be bars
// and alert bands of this chart too).
const test = base.extend<object, { served: Served }>({
  served: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const s = await startServe();
      await use(s.served);
      s.stop();
    },
    { scope: 'worker' },
  ],
});

const HOURS = 20;
const SHOWN = 12; // ALERTS_SHOWN of DashboardView.tsx
const T0 = Date.UTC(2024, 4, 2, 0, 0, 5);

function twilioCsv(): string {
  const rows = ['Sid,Date Created,Date Updated,Start Time,End Time,Duration,From,To,Direction,Status,Price,Price Unit,Answered By,Parent Call Sid'];
  for (let h = 0; h < HOURS; h++) {
    const t = new Date(T0 + h * 3_600_000).toUTCString().replace('GMT', '+0000');
    rows.push(`CA${h.toString(16).padStart(32, '0')},"${t}","${t}","${t}","${t}",,+15005550101,+1500555${String(h).padStart(4, '0')},outbound-api,busy,,USD,,`);
  }
  return rows.join('\n') + '\n';
}

const hourLabel = (h: number): string => `${new Date(T0 + h * 3_600_000).toISOString().slice(0, 13)}:00Z`;

test('every alert hour is shaded; the list shows the latest 12, all on request; each opens its calls', async ({ page, served }) => {
  const dir = mkdtempSync(join(tmpdir(), 'calltrace-e2e-alerts-'));
  try {
    const csv = join(dir, 'many_alerts_twilio.csv');
    writeFileSync(csv, twilioCsv());
    await page.goto(served.url);
    await page.getByTestId('file-input').setInputFiles([csv]);
    await expect(page.getByTestId('call-row')).toHaveCount(HOURS, { timeout: 30_000 });
    await page.getByTestId('view-dashboard').click();

    await expect(page.getByTestId('alert-band')).toHaveCount(HOURS);
    await expect(page.getByTestId('hour-bar')).toHaveCount(HOURS);
    const listed = page.getByTestId('alert-window');
    await expect(listed).toHaveCount(SHOWN);
    // The latest first.
    expect(await listed.evaluateAll((els) => els.map((e) => e.getAttribute('data-hour')))).toEqual(Array.from({ length: SHOWN }, (_, i) => hourLabel(HOURS - 1 - i)));

    // An alert band's hover tells the hour's figures.
    await page.locator(`[data-testid="alert-band"][data-hour="${hourLabel(3)}"]`).hover({ position: { x: 2, y: 4 } });
    await expect(page.getByTestId('hour-tooltip')).toContainText('Alert window: 100');

    await page.getByTestId('alerts-more').click();
    await expect(listed).toHaveCount(HOURS);
    await page.locator(`[data-testid="alert-window"][data-hour="${hourLabel(0)}"]`).click();
    const rows = page.getByTestId('call-row');
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toHaveAttribute('data-bucket', '5');

    // From the keyboard, with the pointer resting on the chart: End is the last hour, left the one
    // before, and the tooltip follows the keys.
    await page.getByTestId('view-dashboard').click();
    await page.locator('[data-testid="hour-bar"]').nth(5).hover();
    await expect(page.getByTestId('hour-tooltip')).toHaveCount(1);
    await page.getByTestId('hour-plot').focus();
    await page.keyboard.press('End');
    const active = page.getByTestId('hour-focus');
    await expect(active).toHaveAttribute('data-hour', hourLabel(HOURS - 1));
    await page.keyboard.press('ArrowLeft');
    await expect(active).toHaveAttribute('data-hour', hourLabel(HOURS - 2));
    await expect(page.getByTestId('hour-tooltip')).toContainText('Enter lists them');
    await page.keyboard.press('Enter');
    await expect(rows).toHaveCount(1);
    // A CDR-only call's id is the file's name and the row's Sid.
    await expect(rows.first()).toHaveAttribute('data-call-id', new RegExp(`:CA${(HOURS - 2).toString(16).padStart(32, '0')}$`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
