// Field captures often keep only packet headers for media (`tcpdump -s 96`) to stay small:
// the RTP header is whole, the payload is not. The streams must come out the same as from
// the full capture; cut SIP is never half-parsed.

import { describe, expect, it } from 'vitest';
import { CaptureAnalyzer, type AnalyzedCall } from '../../../shared/engine/capture_analyzer.ts';
import { CaptureReader } from '../../../shared/engine/capture/capture_reader.ts';
import { PcapWriter } from '../../../shared/engine/capture/capture_writer.ts';
import { concat } from '../../../shared/engine/capture/packet_builder.ts';
import { Stats } from '../../../shared/model/stats.ts';
import { packetBytes } from '../../../shared/model/packet.ts';
import { buildCallCapture } from '../../support/call_capture.ts';

/** Ethernet 14 + IPv4 20 + UDP 8 + RTP 12: exactly the RTP header survives. */
const HEADERS_ONLY = 54;

function rewrite(file: Uint8Array, cut: (data: Uint8Array) => number): Uint8Array {
  const w = new PcapWriter({ linkType: 1, snaplen: 65535 });
  const out: Uint8Array[] = [w.header()];
  const r = new CaptureReader(new Stats(), (p) => {
    const data = packetBytes(p);
    const keep = Math.min(data.length, cut(data));
    out.push(w.packet(p.tsUs, data.subarray(0, keep), p.origLen));
  });
  r.push(file);
  r.end();
  return concat(...out);
}

function analyze(file: Uint8Array): { calls: AnalyzedCall[]; stats: Stats } {
  const calls: AnalyzedCall[] = [];
  const a = new CaptureAnalyzer({ call: (c) => void calls.push(c), unassociatedStream: () => {}, unassociatedRtcp: () => {} });
  a.push(file);
  return { calls, stats: a.end().stats };
}

const isRtp = (d: Uint8Array) => d.length > 42 && d[23] === 17 && ((d[34] << 8) | d[35]) >= 20000; // UDP from a media port
const isSip = (d: Uint8Array) => d.length > 42 && d[23] === 17 && ((d[34] << 8) | d[35]) === 5060;

describe('captures whose snap length cut the media', () => {
  const full = buildCallCapture({ callId: 'cut@10.1.0.1', from: '1001', to: '2002', startUs: 1_700_000_000_000_000, talkS: 4 });

  it('give the same streams from RTP headers alone', () => {
    const ref = analyze(full).calls[0];
    const cut = analyze(rewrite(full, (d) => (isRtp(d) ? HEADERS_ONLY : d.length)));
    expect(cut.calls).toHaveLength(1);
    const strip = (s: (typeof ref.facts.streams)[number]) => ({ ...s, bins: s.bins.length, payloadTypes: s.payloadTypes });
    expect(cut.calls[0].facts.streams.map(strip)).toEqual(ref.facts.streams.map(strip));
    expect(cut.calls[0].facts.streams.map((s) => s.packets)).toEqual([199, 199]);
    expect(cut.stats.get('net.snaplen_cut')).toBe(398);
  });

  it('never parse half a SIP message', () => {
    const cut = analyze(rewrite(full, (d) => (isSip(d) ? 120 : d.length)));
    expect(cut.calls).toHaveLength(0);
    expect(cut.stats.get('sip.snaplen_cut')).toBe(7);
  });
});
