// The app as an engineer uses it, in Debian's Chromium against `calltrace serve`:
// open captures through the UI, read the call list with its buckets, open a call (ladder,
// timeline, verdict), filter from the dashboard. Expected values come from the command line
// (`analyze --json`) on the same files, which the tshark agreement tests vouch for, and from
// the fixtures' labels. Screenshots of every view land in test-results/screenshots/.

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, FIXTURES, REPO, SHOTS, test } from './serve_fixture.ts';

interface CallJson {
  callId: string;
  kind: string;
  sipMessages: number;
  streams: Array<{ gaps: Array<{ durationMs: number; trailing: boolean }>; longestGapMs: number }>;
  diagnosis: { bucket: number | null; cause: string; fix: { title: string } } | null;
}

function analyze(...files: string[]): CallJson[] {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'electron/node/cli/main.ts'), 'analyze', '--json', ...files], { cwd: REPO, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`analyze failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { calls: CallJson[] }).calls.filter((c) => c.kind === 'call');
}

const FILES = ['mixed_outcomes.pcapng', 'rtp_timeout_oneway.pcapng', 'sip_503.pcapng', 'one_way_audio.pcapng'].map((f) => join(FIXTURES, f));
const labels = JSON.parse(readFileSync(join(FIXTURES, 'labels.json'), 'utf8')) as { captures: Array<{ file: string; calls: Array<{ callId: string; bucket: number | null; cause: string }> }> };
const expected = new Map(labels.captures.filter((c) => FILES.some((f) => f.endsWith(c.file))).flatMap((c) => c.calls.map((k) => [k.callId, k] as const)));

mkdirSync(SHOTS, { recursive: true });

test.describe.configure({ mode: 'serial' });

test('opens captures through the UI and lists their calls with buckets', async ({ page, served }) => {
  await page.goto(served.url);
  await expect(page.getByTestId('drop-zone')).toBeVisible();
  await page.screenshot({ path: join(SHOTS, '01-empty.png') });

  await page.getByTestId('file-input').setInputFiles(FILES);
  const rows = page.getByTestId('call-row');
  await expect(rows).toHaveCount(expected.size, { timeout: 30_000 });
  for (const [callId, want] of expected) {
    const row = page.locator(`[data-testid="call-row"][data-call-id="${callId}"]`);
    await expect(row, callId).toHaveAttribute('data-bucket', want.bucket === null ? '' : String(want.bucket));
    await expect(row, callId).toHaveAttribute('data-cause', want.cause);
  }
  await page.screenshot({ path: join(SHOTS, '02-calls.png') });
});

test('a call shows a ladder with one arrow per SIP message, its gap on the timeline, and the verdict', async ({ page, served }) => {
  const truth = analyze(join(FIXTURES, 'rtp_timeout_oneway.pcapng'))[0];
  // The list's first page is asked for once, at start-up (first_page.ts), before React draws:
  // the list takes that answer instead of asking again.
  const firstPages: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/queryCalls') && (JSON.parse(r.postData() ?? '{}') as { offset?: number; after?: unknown }).offset === 0) firstPages.push(r.postData() ?? '');
  });
  await page.goto(served.url);
  await expect(page.getByTestId('call-row').first()).toBeVisible();
  expect(firstPages).toHaveLength(1);
  await page.locator(`[data-testid="call-row"][data-call-id="${truth.callId}"]`).click();

  await expect(page.getByTestId('ladder')).toBeVisible();
  await expect(page.getByTestId('ladder-arrow')).toHaveCount(truth.sipMessages);

  // The longest silence of the call, as measured, is drawn as a band with its duration.
  const longest = Math.max(...truth.streams.flatMap((s) => s.gaps.map((g) => g.durationMs)));
  const bands = page.getByTestId('gap-band');
  await expect(bands.first()).toBeVisible();
  const durations = await bands.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-duration-ms'))));
  expect(durations.some((d) => Math.abs(d - longest) <= 1), `bands ${durations} vs longest gap ${longest}`).toBe(true);

  await expect(page.getByTestId('verdict-cause')).toContainText(truth.diagnosis!.cause);
  await expect(page.getByTestId('verdict-fix')).toContainText(truth.diagnosis!.fix.title);
  expect(await page.getByTestId('evidence-item').count()).toBeGreaterThan(0);
  await page.screenshot({ path: join(SHOTS, '03-call.png') });
  await page.getByTestId('timeline').scrollIntoViewIfNeeded();
  await page.getByTestId('timeline').screenshot({ path: join(SHOTS, '03b-timeline.png') });
  await page.getByTestId('verdict-panel').screenshot({ path: join(SHOTS, '03c-verdict.png') });

  // Evidence is one click from the ladder or the timeline.
  await page.getByTestId('evidence-item').first().click();
  await expect(page.getByTestId('decision-tree')).toBeAttached();
});

test('one-way audio shows the direction the SDP expected as an empty lane', async ({ page, served }) => {
  const truth = analyze(join(FIXTURES, 'one_way_audio.pcapng'))[0];
  expect(truth.streams.length).toBe(1);
  await page.goto(served.url);
  await page.locator(`[data-testid="call-row"][data-call-id="${truth.callId}"]`).click();
  await expect(page.getByTestId('verdict-cause')).toContainText('one_way_audio');
  await expect(page.getByTestId('missing-lane')).toHaveCount(1);
  await page.getByTestId('timeline').scrollIntoViewIfNeeded();
  await page.getByTestId('timeline').screenshot({ path: join(SHOTS, '03d-one-way-timeline.png') });
});

test('a dashboard bar filters the call list', async ({ page, served }) => {
  await page.goto(served.url);
  await page.getByTestId('view-dashboard').click();
  const bar = page.locator('[data-testid="hour-bar"][data-bucket="4"]').first();
  await expect(bar).toBeVisible();
  await page.screenshot({ path: join(SHOTS, '04-dashboard.png') });
  await bar.click();

  const rows = page.getByTestId('call-row');
  const problems = [...expected.values()].filter((c) => c.bucket === 4).length;
  await expect(rows).toHaveCount(problems);
  for (const b of await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-bucket')))) expect(b).toBe('4');
  await page.screenshot({ path: join(SHOTS, '05-filtered.png') });
});

test('the hour chart: one tooltip on hover, one tab stop, arrows and Enter open a segment', async ({ page, served }) => {
  await page.goto(served.url);
  await page.getByTestId('view-dashboard').click();
  const segments = page.getByTestId('hour-bar');
  await expect(segments.first()).toBeVisible();
  const n = await segments.count();
  // The chart is one tab stop however many segments it has.
  expect(n).toBeGreaterThan(1);
  await expect(page.locator('[data-testid="hour-chart"] [tabindex]')).toHaveCount(1);

  // Hover: the figures of the segment under the pointer, in the one tooltip.
  const four = page.locator('[data-testid="hour-bar"][data-bucket="4"]').first();
  const fourCount = Number(await four.getAttribute('data-count'));
  expect(fourCount).toBe([...expected.values()].filter((c) => c.bucket === 4).length);
  await four.hover();
  const tip = page.getByTestId('hour-tooltip');
  await expect(tip).toHaveCount(1);
  await expect(tip).toContainText(`bucket 4, `);
  await expect(tip).toContainText(`: ${fourCount} of `);
  await page.mouse.move(0, 0);
  await expect(tip).toHaveCount(0);

  // Keyboard: focus lands on the chart, Home takes the first segment, up walks its stack to bucket 4.
  await page.getByTestId('hour-plot').focus();
  await page.keyboard.press('Home');
  const active = page.getByTestId('hour-focus');
  await expect(active).toHaveCount(1);
  await expect(page.getByTestId('hour-plot')).toHaveAttribute('aria-activedescendant', (await active.getAttribute('id'))!);
  const hour = await four.getAttribute('data-hour');
  for (let i = 0; i < n && (await active.getAttribute('data-hour')) !== hour; i++) await page.keyboard.press('ArrowRight');
  for (let i = 0; i < 8 && (await active.getAttribute('data-bucket')) !== '4'; i++) await page.keyboard.press('ArrowUp');
  await expect(active).toHaveAttribute('data-bucket', '4');
  await expect(active).toHaveAttribute('data-hour', hour!);
  await expect(active).toHaveAttribute('aria-label', /bucket 4, .*Enter lists them/);
  await expect(tip).toContainText('bucket 4, ');
  await page.screenshot({ path: join(SHOTS, '04b-dashboard-keyboard.png') });
  await page.keyboard.press('Enter');
  const rows = page.getByTestId('call-row');
  await expect(rows).toHaveCount(fourCount);
  for (const b of await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-bucket')))) expect(b).toBe('4');
});

test('settings show the documented defaults and re-classify without re-reading', async ({ page, served }) => {
  await page.goto(served.url);
  await page.getByTestId('view-settings').click();
  await expect(page.getByTestId('settings-save')).toBeVisible();
  await page.screenshot({ path: join(SHOTS, '06-settings.png') });
  await page.getByTestId('settings-save').click();
  await expect(page.getByText(/re-classified \d+ calls/i)).toBeVisible();
});

test('a signalling-only capture says so in the library and in the verdict; a NAT mismatch is named', async ({ page, served }) => {
  // Issue 9: `tcpdump port 5060`-style capture (recorded filter keeps RTP out) and NAT-style SDP.
  const sipOnly = join(FIXTURES, 'signalling_only_port_5060.pcapng');
  const nat = join(FIXTURES, 'nat_one_way_audio.pcapng');
  const truth = analyze(sipOnly);
  await page.goto(served.url);
  await page.getByTestId('file-input').setInputFiles([sipOnly, nat]);
  const source = page.locator('[data-testid="source"]', { hasText: 'signalling_only_port_5060.pcapng' });
  await expect(source).toContainText('SIP only', { timeout: 30_000 });
  await source.getByRole('button').first().click();
  await expect(page.getByTestId('capture-window')).toContainText('recording window from the file');
  await page.screenshot({ path: join(SHOTS, '07-sip-only-source.png') });

  // An answered call of that capture: classified from its SIP, with the caveat first.
  const answered = truth.find((c) => c.callId.includes('so-agent_bye'))!;
  expect(answered.diagnosis?.cause).toBe('agent_bye');
  await page.locator(`[data-testid="call-row"][data-call-id="${answered.callId}"]`).click();
  await expect(page.getByTestId('verdict-cause')).toContainText('agent_bye');
  await expect(page.getByTestId('media-not-checked')).toContainText('udp port 5060');
  await page.getByTestId('verdict-panel').screenshot({ path: join(SHOTS, '07b-sip-only-verdict.png') });

  await page.locator('[data-testid="call-row"][data-call-id="1-nat_one_way_audio@127.0.34.1"]').click();
  await expect(page.getByTestId('verdict-cause')).toContainText('one_way_audio');
  await expect(page.getByTestId('nat-mismatch')).toContainText('127.0.34.9:6000');
  await expect(page.getByTestId('media-not-checked')).toHaveCount(0);
  await page.getByTestId('verdict-panel').screenshot({ path: join(SHOTS, '07c-nat-verdict.png') });
});
