// A call captured at two points, in Chromium against `calltrace serve` (issue 12): both files
// opened through the UI, the call shows one ladder naming the reference clock and the other
// capture's offset, an arrow per message (not per copy) tagged with the one point that saw it
// when only one did, and every stream lane says where it was measured. The captures are
// written by the project's capture writer (test/support), the truth is how they were cut.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCallCapture } from '../support/call_capture.ts';
import { framesFrom, secondCapturePoint, withoutFrames } from '../support/second_capture_point.ts';
import { expect, SHOTS, test } from './serve_fixture.ts';

const T0 = Date.UTC(2026, 10, 3, 9, 0, 0) * 1000;
const CALL_ID = 'e2e-points@10.1.0.1';
const dir = mkdtempSync(join(tmpdir(), 'calltrace-e2e-points-'));
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('a call captured at two points is one ladder on one clock, each stream measured once', async ({ page, served }) => {
  const full = buildCallCapture({ callId: CALL_ID, from: '5551234', to: '6001', startUs: T0, talkS: 2 });
  const callerRtp = framesFrom(full, '10.1.0.1', 20000);
  const lost = new Set(callerRtp.filter((_, i) => i % 10 === 5));
  // Frame 2 is the 100 Trying (only the callee side sees it), frame 3 the 180 Ringing (only the caller side).
  const files = [
    ['caller_side.pcap', withoutFrames(full, new Set([2]))],
    ['callee_side.pcap', secondCapturePoint(full, { offsetUs: 2_500_000, transitUs: 1_500, jitterUs: 100, towardsSecond: '10.1.0.1', lost: new Set([3, ...lost]) })],
  ] as const;
  const paths = files.map(([name, bytes]) => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  });

  await page.goto(served.url);
  // One at a time: the first imported is the reference whose clock the ladder uses.
  for (const [i, p] of paths.entries()) {
    await page.getByTestId('file-input').setInputFiles([p]);
    await expect(page.locator(`[data-testid="call-row"][data-call-id="${CALL_ID}"]`)).toHaveCount(i + 1, { timeout: 30_000 });
  }
  await page.locator(`[data-testid="call-row"][data-call-id="${CALL_ID}"]`).first().click();

  const note = page.getByTestId('capture-points');
  await expect(note).toContainText('Merged from 2 captures on the clock of caller_side.pcap');
  await expect(page.locator('[data-testid="capture-point"][data-source="callee_side.pcap"]')).toContainText(/\+2500\.\d ms/);

  // 7 messages, not 12 copies; the two each point alone saw name it.
  const arrows = page.getByTestId('ladder-arrow');
  await expect(arrows).toHaveCount(7);
  const points = await arrows.evaluateAll((els) => els.map((e) => [e.querySelector('text')?.textContent ?? '', e.getAttribute('data-points')]));
  expect(points).toEqual([
    ['INVITE (SDP)', 'caller_side.pcap+callee_side.pcap'],
    ['100 Trying @ callee_side.pcap', 'callee_side.pcap'],
    ['180 Ringing @ caller_side.pcap', 'caller_side.pcap'],
    ['200 OK (SDP)', 'caller_side.pcap+callee_side.pcap'],
    ['ACK', 'caller_side.pcap+callee_side.pcap'],
    ['BYE', 'caller_side.pcap+callee_side.pcap'],
    ['200 OK', 'caller_side.pcap+callee_side.pcap'],
  ]);
  await arrows.first().click();
  await expect(page.getByTestId('seen-at')).toContainText('caller_side.pcap (frame 1');
  await expect(page.getByTestId('seen-at')).toContainText('callee_side.pcap (frame 1');

  // Two lanes, each measured at the point nearer its receiver, the other view beside it.
  const lanes = page.getByTestId('measured-at');
  await expect(lanes).toHaveCount(2);
  expect(await lanes.evaluateAll((els) => els.map((e) => e.getAttribute('data-measured-at')))).toEqual(['callee_side.pcap', 'caller_side.pcap']);
  await expect(lanes.first()).toContainText('measured at callee_side.pcap (+1)');
  await expect(lanes.first()).toHaveAttribute('title', `Measured at the capture nearer its receiver.\nAt caller_side.pcap: ${callerRtp.length} pkts, lost 0, jitter max 0.0 ms.`);
  await expect(page.getByTestId('timeline-lane').first()).toContainText(`${callerRtp.length - lost.size} pkts`);
  await page.screenshot({ path: join(SHOTS, 'capture-points.png') });
  await page.getByTestId('timeline').scrollIntoViewIfNeeded();
  await page.getByTestId('timeline').screenshot({ path: join(SHOTS, 'capture-points-timeline.png') });
});
