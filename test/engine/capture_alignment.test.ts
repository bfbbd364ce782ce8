// Clock offset between two captures of the same call (issue 12): golden tests against a
// second capture point written with a known offset, transit and jitter; the estimate must be
// within 1 ms of the truth when messages match.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alignClocks } from '../../shared/merge/capture_alignment.ts';
import { importFile } from '../../electron/node/ingest/import_file.ts';
import { sourceClocks } from '../../electron/node/ingest/source_clocks.ts';
import { openIndex } from '../../electron/node/store/index_store.ts';
import { buildAnalyzeDocument, collectAnalyzeDocument } from '../../electron/node/cli/call_document.ts';
import { endToEndSummaryInputs } from '../../electron/node/ingest/leg_calls.ts';
import { summarize } from '../../shared/diagnosis/call_summary.ts';
import { DEFAULT_SETTINGS } from '../../shared/model/verdict.ts';
import { formatCallTable } from '../../electron/node/cli/call_table.ts';
import { buildCallCapture } from '../support/call_capture.ts';
import { importCapturePoints, secondCapturePoint } from '../support/second_capture_point.ts';

const tmp = mkdtempSync(join(tmpdir(), 'calltrace-align-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const T0 = Date.UTC(2026, 10, 3, 9, 0, 0) * 1000;

async function clocksOf(files: Array<[string, Uint8Array]>) {
  const { store, ids } = await importCapturePoints(tmp, files);
  const clocks = sourceClocks(store, ids);
  const doc = buildAnalyzeDocument(store, ids);
  store.close();
  return { ids, clocks, doc };
}

describe('two captures of one call, clocks apart', () => {
  const a = buildCallCapture({ callId: 'two-points@10.1.0.1', from: '5551234', to: '6001', startUs: T0, talkS: 2 });

  for (const [offsetUs, transitUs, jitterUs] of [[2_500_000, 1_200, 150], [-734_219, 40_000, 400], [0.5e9, 0, 0]] as const) {
    it(`offset ${offsetUs / 1000} ms, transit ${transitUs / 1000} ms, jitter ±${jitterUs / 1000} ms: estimated within 1 ms`, async () => {
      const b = secondCapturePoint(a, { offsetUs, transitUs, jitterUs, towardsSecond: '10.1.0.1' });
      const { ids, clocks } = await clocksOf([['point_a.pcap', a], ['point_b.pcap', b]]);
      expect(clocks).toHaveLength(1);
      const [c] = clocks;
      expect([c.referenceId, c.sourceId, c.sharedCalls]).toEqual([ids[0], ids[1], 1]);
      expect(c.alignment).not.toBeNull();
      // 7 SIP messages (INVITE, 100, 180, 200, ACK, BYE, 200) both ways: the transit cancels out.
      expect(c.alignment!.method).toBe('both_directions');
      expect(c.alignment!.matches).toBe(7);
      expect(Math.abs(c.alignment!.offsetUs - offsetUs)).toBeLessThan(1000);
      expect(Math.abs(c.alignment!.transitUs! - transitUs)).toBeLessThan(1000);
      expect(c.alignment!.maxDeviationUs).toBeLessThanOrEqual(2 * jitterUs + 1);
    });
  }

  it('analyze --json names the offset, and the table says it', async () => {
    const b = secondCapturePoint(a, { offsetUs: -1_500_000, transitUs: 2_000, jitterUs: 100, towardsSecond: '10.1.0.1' });
    const { doc } = await clocksOf([['probe.pcap', a], ['phone.pcap', b]]);
    expect(doc.captureClocks).toEqual([{
      source: 'phone.pcap', reference: 'probe.pcap', sharedCalls: 1, offsetMs: expect.closeTo(-1500, 0), spreadMs: expect.any(Number),
      maxDeviationMs: expect.any(Number), transitMs: expect.closeTo(2, 0), matchedMessages: 7, method: 'both_directions', reason: null,
    }]);
    expect(formatCallTable(doc)).toMatch(/== clocks: phone\.pcap is -1(?:499|500)\.\d{3} ms against probe\.pcap \(7 SIP message\(s\) seen in both, spread \d+\.\d{3} ms, transit [12]\.\d{3} ms\)/);
  });

  it('report counts a call captured at two points once', async () => {
    const b = secondCapturePoint(a, { offsetUs: 800_000, transitUs: 1_000, towardsSecond: '10.1.0.1' });
    const store = openIndex(':memory:');
    try {
      const ids: number[] = [];
      for (const [name, bytes] of [['x.pcap', a], ['y.pcap', b]] as const) {
        const p = join(tmp, `count_${name}`);
        writeFileSync(p, bytes);
        ids.push((await importFile(store, p)).sourceId!);
      }
      const calls = ids.flatMap((id) => store.listCalls({ sourceId: id, limit: 100 }));
      expect(calls).toHaveLength(2);
      const { legs } = collectAnalyzeDocument(store, ids);
      const summary = summarize(endToEndSummaryInputs(calls, legs, DEFAULT_SETTINGS), DEFAULT_SETTINGS);
      expect(summary.attempts).toBe(1);
    } finally {
      store.close();
    }
  });

  it('a copy lost at one point is left out rather than paired with the wrong copy', () => {
    const msg = (content: string, tsUs: number) => ({ content, tsUs, src: '10.1.0.1:5060', dst: '10.2.0.1:5060' });
    // The INVITE was sent twice; the second point saw only the retransmission.
    const alignment = alignClocks(
      [msg('INVITE', 0), msg('INVITE', 500_000), msg('ACK', 1_000_000)],
      [msg('INVITE', 500_000 + 10_000), msg('ACK', 1_000_000 + 10_000)],
    );
    expect(alignment).toMatchObject({ offsetUs: 10_000, matches: 1, method: 'one_direction', transitUs: null });
  });

  it('no message in common: no offset, and the reason', async () => {
    const other = buildCallCapture({ callId: 'two-points@10.1.0.1', from: '5551234', to: '6001', startUs: T0, talkS: 2, caller: '192.0.2.10', callee: '192.0.2.20' });
    const { clocks } = await clocksOf([['a.pcap', a], ['rewritten.pcap', other]]);
    expect(clocks).toEqual([expect.objectContaining({ sharedCalls: 1, alignment: null, reason: expect.stringMatching(/no identical SIP message/) })]);
  });

  it('captures of different calls are not aligned at all', async () => {
    const other = buildCallCapture({ callId: 'another-call@10.1.0.1', from: '5551234', to: '6001', startUs: T0, talkS: 2 });
    const { clocks } = await clocksOf([['a.pcap', a], ['b.pcap', other]]);
    expect(clocks).toEqual([]);
  });
});
