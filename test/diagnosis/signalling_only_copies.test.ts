// diagnosis.md §3 rule 8, on what a ticket really carries: a SIP-only copy of every labelled
// fixture, written as classic pcap the way `tshark -Y sip -F pcap -w` (or `tcpdump port
// 5060`) writes it — no recorded filter, no RTP. Such a capture must never give a media
// verdict (bucket 4); every call whose label does not rest on media keeps its verdict; and
// every answered call says first that media could not be checked, at confidence ≤ 0.8.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importCapture } from '../../electron/node/ingest/import_capture.ts';
import { openIndex } from '../../electron/node/store/index_store.ts';
import type { Verdict } from '../../shared/model/verdict.ts';
import { REPO_ROOT } from '../support/oracle.ts';

const DIR = join(REPO_ROOT, 'test/fixtures/captures');
const HAS_TSHARK = spawnSync('tshark', ['-v'], { encoding: 'utf8' }).status === 0;
if (!HAS_TSHARK) console.error('\n!!!!!!!! tshark NOT FOUND: the SIP-only copies of the fixtures cannot be made, rule 8 on them is NOT tested !!!!!!!!\n');

/** Labels that rest on media (or on silence a SIP-only capture cannot show): bucket 4, and rule 6's dead far end. */
const MEDIA_DEPENDENT = new Set(['rtp_timeout_both', 'rtp_timeout_oneway', 'one_way_audio', 'no_media', 'no_bye_dead_signalling']);

const labels = JSON.parse(readFileSync(join(DIR, 'labels.json'), 'utf8')) as {
  captures: Array<{ file: string; capture?: { windowAfterLastPacketMs?: number }; calls: Array<{ callId: string; bucket: number | null; cause: string }> }>;
};
const tmp = mkdtempSync(join(tmpdir(), 'calltrace-siponly-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.runIf(HAS_TSHARK)('SIP-only copies of the labelled fixtures (tshark -Y sip -F pcap)', () => {
  it.each(labels.captures.filter((c) => !c.file.endsWith('.gz')).map((c) => [c.file, c.calls, c.capture] as const))('%s', async (file, calls, capture) => {
    // A classic pcap has no Interface Statistics Block: a verdict that rests on the recording
    // outlasting the last packet (rules 4 and 6 from the window alone) cannot survive the copy,
    // and must then fall back to "not classifiable", never to a guess.
    const windowDependent = capture?.windowAfterLastPacketMs !== undefined;
    const copy = join(tmp, `${file}.sip-only.pcap`);
    const r = spawnSync('tshark', ['-r', join(DIR, file), '-Y', 'sip', '-F', 'pcap', '-w', copy], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const store = openIndex(':memory:');
    try {
      const out = await importCapture(store, copy);
      expect(out.status, out.error ?? '').toBe('ok');
      expect(store.getSource(out.sourceId!)!.coverage).toMatchObject({ signallingOnly: true, signallingOnlyWhy: 'no_rtp', filter: null });
      for (const label of calls) {
        const row = store.findCallsByCallId(label.callId)[0];
        expect(row, `${label.callId} not in the SIP-only copy`).toBeDefined();
        const d = store.getCall(row.id)!;
        const v = d.verdict as Verdict;
        const why = `${label.callId}: ${v.bucket} ${v.cause} via ${v.path.join(' → ')}\n${v.evidence.map((e) => `  - ${e.text}`).join('\n')}`;
        expect(v.bucket, why).not.toBe(4);
        if (windowDependent) expect([label.cause, 'in_progress', 'capture_ended'], why).toContain(v.cause);
        else if (!MEDIA_DEPENDENT.has(label.cause)) expect(v.cause, why).toBe(label.cause);
        if (d.facts.answered) {
          expect(v.confidence, why).toBeLessThanOrEqual(0.8);
          expect(v.evidence[0].text, why).toMatch(/^Media could not be checked: the capture is signalling-only/);
        }
        // The fix must not state as fact what could not be seen (agent_bye once said "while media was flowing").
        expect(`${v.fix.text} ${v.fix.checks.join(' ')}`, why).not.toMatch(/media (was flowing|flowed)(?! could not)|Media flowed both ways/);
      }
    } finally {
      store.close();
    }
  });
});

if (!HAS_TSHARK) {
  describe('SIP-only copies of the labelled fixtures', () => {
    it.skip('TSHARK NOT FOUND: rule 8 on SIP-only copies did not run', () => {});
  });
}
