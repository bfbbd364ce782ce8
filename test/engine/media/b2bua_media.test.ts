// A B2BUA with direct media passes each side's SDP through, so both of its legs (two
// Call-IDs) announce the same media addresses: each leg must show the streams, not only the
// leg that announced them last.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureAnalyzer, type AnalyzedCall } from '../../../shared/engine/capture_analyzer.ts';
import { CORPUS_DIR, corpusPresent } from '../../support/oracle.ts';

function analyze(bytes: Uint8Array): AnalyzedCall[] {
  const calls: AnalyzedCall[] = [];
  const a = new CaptureAnalyzer({ call: (c) => calls.push(c), unassociatedStream: () => {}, unassociatedRtcp: () => {} });
  a.push(bytes);
  a.end();
  return calls;
}

const streamIds = (c: AnalyzedCall) => c.facts.streams.map((s) => `${s.ssrc}|${s.src}:${s.srcPort}>${s.dst}:${s.dstPort}|${s.packets}`).sort();

describe.skipIf(!corpusPresent)('B2BUA legs with direct media (corpus isa_real_sip_call.pcap)', () => {
  it('both legs show both streams, with the same figures', () => {
    const calls = analyze(readFileSync(join(CORPUS_DIR, 'pcap', 'isa_real_sip_call.pcap'))).filter((c) => c.facts.kind === 'call');
    expect(calls).toHaveLength(2);
    const [a, b] = calls;
    expect(streamIds(a)).toHaveLength(2);
    expect(streamIds(a)).toEqual(streamIds(b));
    // Each leg says which of its sides sent each stream: one per direction.
    for (const c of calls) expect(c.facts.streams.map((s) => s.direction).sort()).toEqual(['callee', 'caller']);
  });
});

if (!corpusPresent) {
  describe('B2BUA legs with direct media', () => {
    it.skip(`CORPUS ABSENT: ${CORPUS_DIR} not found, the corpus B2BUA check did not run`, () => {});
  });
}
