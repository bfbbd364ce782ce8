import { describe, expect, it } from 'vitest';
import { RtpStreamAnalyzer, type RtpStreamAnalyzerOptions } from '../../../shared/engine/rtp/rtp_stream_analyzer.ts';
import { mosFromR } from '../../../shared/engine/rtp/mos.ts';
import type { RtpHeader } from '../../../shared/model/media.ts';

const T0 = 1_700_000_000_000_000; // µs since epoch

interface Pkt { ms: number; seq: number; ts: number; pt?: number; marker?: boolean }

function analyze(pkts: Pkt[], opts: Partial<RtpStreamAnalyzerOptions> = {}) {
  const a = new RtpStreamAnalyzer({ ssrc: 0x1234, src: '10.0.0.1', srcPort: 4000, dst: '10.0.0.2', dstPort: 5000, ...opts });
  const h: RtpHeader = {
    version: 2, padding: false, extension: false, csrcCount: 0, marker: false, payloadType: 8,
    seq: 0, timestamp: 0, ssrc: 0x1234, payloadOffset: 12, payloadLength: 160,
  };
  pkts.forEach((p, i) => {
    h.seq = p.seq & 0xffff;
    h.timestamp = p.ts >>> 0;
    h.payloadType = p.pt ?? 8;
    h.marker = p.marker ?? false;
    a.add(T0 + p.ms * 1000, i + 1, h);
  });
  return a.finish();
}

/** n packets, 20 ms / 160 samples apart. */
function steady(n: number, seq0 = 1000, ts0 = 5000): Pkt[] {
  return Array.from({ length: n }, (_, i) => ({ ms: 20 * i, seq: seq0 + i, ts: ts0 + 160 * i }));
}

describe('RtpStreamAnalyzer — tshark 4.0 rules', () => {
  it('a perfect 20 ms G.711 stream', () => {
    const s = analyze(steady(50));
    expect(s.packets).toBe(50);
    expect(s.expected).toBe(50);
    expect(s.lost).toBe(0);
    expect(s.sequenceErrors).toBe(0);
    expect(s.minDeltaMs).toBeCloseTo(20, 9);
    expect(s.meanDeltaMs).toBeCloseTo(20, 9);
    expect(s.maxDeltaMs).toBeCloseTo(20, 9);
    expect(s.maxJitterMs).toBe(0);
    expect(s.minJitterMs).toBe(0);
    expect(s.encoding).toBe('PCMA');
    expect(s.clockRate).toBe(8000);
    expect(s.payloadTypes).toEqual([8]);
    expect(s.gaps).toEqual([]);
    expect(s.firstFrame).toBe(1);
    expect(s.lastFrame).toBe(50);
    expect(s.lastUs - s.firstUs).toBeCloseTo(49 * 20_000, 3);
  });

  it('a single packet keeps tshark’s −1 minima', () => {
    const s = analyze(steady(1));
    expect([s.packets, s.lost, s.minDeltaMs, s.meanDeltaMs, s.maxDeltaMs, s.minJitterMs, s.maxJitterMs]).toEqual([1, 0, -1, 0, 0, -1, 0]);
  });

  it('jitter follows J = (15·J + D)/16 with D in ms', () => {
    // Third packet 8 ms late: D = 8, J = 0.5; fourth back on time relative to the late one:
    // expected = 48 + 20 = 68, arrival 60 → D = 8, J = (15·0.5 + 8)/16 = 0.96875.
    const p = steady(4);
    p[2].ms += 8;
    const s = analyze(p);
    expect(s.maxJitterMs).toBeCloseTo(0.96875, 12);
    expect(s.maxDeltaMs).toBeCloseTo(28, 9);
    expect(s.minDeltaMs).toBeCloseTo(12, 9);
    // mean over packets 2..4 with tshark's divisor (total_nr): ((20 + 28)/2·2 + 12)/3
    expect(s.meanDeltaMs).toBeCloseTo(20, 9);
    expect(s.meanJitterMs).toBeCloseTo((0 * 1 + 0.5) / 2 * 2 / 3 + 0.96875 / 3, 12);
  });

  it('sequence wrap 65535 → 0 is not loss', () => {
    const s = analyze(steady(12, 65530));
    expect(s.lost).toBe(0);
    expect(s.expected).toBe(12);
    expect(s.sequenceErrors).toBe(0);
  });

  it('lost packets: expected − received, one sequence error per jump', () => {
    const p = steady(10).filter((_, i) => i !== 4 && i !== 5);
    const s = analyze(p);
    expect(s.packets).toBe(8);
    expect(s.expected).toBe(10);
    expect(s.lost).toBe(2);
    expect(s.sequenceErrors).toBe(1);
    expect(s.bins.reduce((n, b) => n + b.lost, 0)).toBe(2);
  });

  it('duplicates make lost negative (as tshark’s Lost column)', () => {
    const p = steady(10);
    p.splice(5, 0, { ...p[4], ms: p[4].ms + 1 });
    const s = analyze(p);
    expect(s.packets).toBe(11);
    expect(s.lost).toBe(-1);
    expect(s.sequenceErrors).toBe(1);
  });

  it('reordering: late packet counts a sequence error, no loss', () => {
    const p = steady(6);
    [p[3], p[4]] = [{ ...p[4], ms: p[3].ms }, { ...p[3], ms: p[4].ms }];
    const s = analyze(p);
    expect(s.lost).toBe(0);
    expect(s.sequenceErrors).toBe(2); // the jump to 1004, then 1003 late
  });

  it('stop_seq_nr is the LAST packet’s seq (tshark 4.0), so a late last packet shows −1', () => {
    const p = steady(5);
    [p[3], p[4]] = [{ ...p[4], ms: p[3].ms }, { ...p[3], ms: p[4].ms }];
    const s = analyze(p);
    expect(s.expected).toBe(4);
    expect(s.lost).toBe(-1);
  });

  it('a marker-bit packet is left out of delta/jitter maxima (talkspurt start)', () => {
    const p = steady(5);
    // 1 s of silence suppression, then a talkspurt starting with M=1, timestamps consistent.
    p.push({ ms: 80 + 1000, seq: 1005, ts: 5000 + 160 * 4 + 8000, marker: true });
    p.push({ ms: 1100, seq: 1006, ts: 5000 + 160 * 4 + 8160 });
    const s = analyze(p);
    expect(s.maxDeltaMs).toBeCloseTo(20, 9);
    expect(s.maxJitterMs).toBe(0);
    expect(s.gaps).toHaveLength(1);
    expect(s.gaps[0].durationMs).toBeCloseTo(1000, 6);
    expect(s.gaps[0].startUs).toBe(T0 + 80_000);
    expect(s.gaps[0].trailing).toBe(false);
  });

  it('the same late packet without marker does count', () => {
    const p = steady(5);
    p.push({ ms: 1080, seq: 1005, ts: 5000 + 160 * 4 + 8000 });
    expect(analyze(p).maxDeltaMs).toBeCloseTo(1000, 9);
  });

  it('comfort noise (PT 13) and the packet after it are skipped', () => {
    const p = steady(5);
    p.push({ ms: 100, seq: 1005, ts: 5800, pt: 13 }); // CN, then silence
    p.push({ ms: 700, seq: 1006, ts: 5800 + 4800 }); // follows CN: excluded
    p.push({ ms: 720, seq: 1007, ts: 5800 + 4960 });
    const s = analyze(p);
    expect(s.maxDeltaMs).toBeCloseTo(20, 9);
    expect(s.payloadTypes).toEqual([8, 13]);
    expect(s.gaps.map((g) => Math.round(g.durationMs))).toEqual([600]);
  });

  it('telephone-event: no jitter for events, next media packet compared across them', () => {
    // Audio 0/20/40 ms (ts 0/160/320), events at 60/80/100 ms with a constant ts 480,
    // audio again at 120 ms with ts 960. tshark 4.0: the events move the reference arrival
    // time (100 ms) but not the nominal time (40 ms), so expected = 100 + (120 − 40) = 180
    // and D = 60 → J = 60/16 = 3.75. (Checked against asterisk_ts_ulaw_dtmf_sll.pcap.)
    const p: Pkt[] = [
      { ms: 0, seq: 1, ts: 0, pt: 0 }, { ms: 20, seq: 2, ts: 160, pt: 0 }, { ms: 40, seq: 3, ts: 320, pt: 0 },
      { ms: 60, seq: 4, ts: 480, pt: 101, marker: true }, { ms: 80, seq: 5, ts: 480, pt: 101 }, { ms: 100, seq: 6, ts: 480, pt: 101 },
      { ms: 120, seq: 7, ts: 960, pt: 0 },
    ];
    const withSdp = analyze(p, { rtpmap: { 101: { encoding: 'telephone-event', clockRate: 8000 } } });
    expect(withSdp.maxJitterMs).toBeCloseTo(3.75, 12);
    expect(withSdp.maxDeltaMs).toBeCloseTo(20, 9);
    expect(withSdp.payloadTypes).toEqual([0, 101]);
    // Without SDP the dynamic PT has no clock either: same numbers.
    expect(analyze(p).maxJitterMs).toBeCloseTo(3.75, 12);
  });

  it('an events-only stream has no jitter (tshark prints −1 / 0 / 0)', () => {
    const p = Array.from({ length: 5 }, (_, i) => ({ ms: 50 * i, seq: 10 + i, ts: 1000, pt: 101 }));
    const s = analyze(p, { rtpmap: { 101: { encoding: 'telephone-event', clockRate: 8000 } } });
    expect([s.minJitterMs, s.meanJitterMs, s.maxJitterMs]).toEqual([-1, 0, 0]);
    expect(s.maxDeltaMs).toBeCloseTo(50, 9);
    expect(s.mos).toBeNull();
  });

  it('wrong timestamp (before the first one) is excluded and does not move the reference', () => {
    const p = steady(5);
    p.splice(3, 0, { ms: 61, seq: 1099, ts: 1000 }); // stray packet from the past
    const s = analyze(p);
    expect(s.maxJitterMs).toBe(0);
    expect(s.maxDeltaMs).toBeCloseTo(20, 9);
  });

  it('problem flag (tshark "Problems?" X): wrong timestamps and sequence errors', () => {
    const mk = () => new RtpStreamAnalyzer({ ssrc: 1, src: 'a', srcPort: 1, dst: 'b', dstPort: 2 });
    const h: RtpHeader = {
      version: 2, padding: false, extension: false, csrcCount: 0, marker: false, payloadType: 0,
      seq: 1, timestamp: 1000, ssrc: 1, payloadOffset: 12, payloadLength: 160,
    };
    const a = mk();
    a.add(T0, 1, h);
    a.add(T0 + 20_000, 2, { ...h, seq: 2, timestamp: 1160 });
    expect(a.problem).toBe(false);
    a.add(T0 + 40_000, 3, { ...h, seq: 3, timestamp: 900 }); // before the first timestamp
    expect(a.wrongTimestampCount).toBe(1);
    expect(a.finish().sequenceErrors).toBe(0);
    expect(a.problem).toBe(true);
    // Wireshark 4.0's wrap test is the forward distance from the first timestamp across
    // 2^32: (0xFFFFFFFF − first) + ts < 2^31 (checked against tshark 4.0.17 with
    // test/fixtures/field/g722_two_interfaces.pcapng). A wrap right after the first packet
    // is in sequence and measured; a packet far behind the first one is still wrong.
    const w = mk();
    w.add(T0, 1, { ...h, timestamp: 0xffffff00 });
    w.add(T0 + 20_000, 2, { ...h, seq: 2, timestamp: 0x60 });
    w.add(T0 + 40_000, 3, { ...h, seq: 3, timestamp: 0x100 });
    expect(w.wrongTimestampCount).toBe(0);
    const ws = w.finish();
    expect(ws.maxDeltaMs).toBeCloseTo(20, 9);
    // 0xFFFFFF00 → 0x60 is 0x160 = 352 samples (44 ms nominal) in 20 ms: D = 24 ms.
    expect(ws.maxJitterMs).toBeGreaterThan(1);
    const back = mk();
    back.add(T0, 1, { ...h, timestamp: 0x10 });
    back.add(T0 + 20_000, 2, { ...h, seq: 2, timestamp: 0xffffff00 }); // 0x110 behind the first
    expect(back.wrongTimestampCount).toBe(1);
  });

  it('Opus at 48 kHz needs the rtpmap; without it tshark computes no jitter', () => {
    const p = Array.from({ length: 10 }, (_, i) => ({ ms: 20 * i + (i === 5 ? 4 : 0), seq: i, ts: 960 * i, pt: 111 }));
    const opus = analyze(p, { rtpmap: { 111: { encoding: 'opus', clockRate: 48000 } } });
    expect(opus.maxJitterMs).toBeGreaterThan(0.2);
    expect(opus.clockRate).toBe(48000);
    expect(opus.encoding).toBe('opus');
    expect(opus.mos).not.toBeNull();
    const bare = analyze(p);
    expect(bare.minJitterMs).toBe(-1);
    expect(bare.maxJitterMs).toBe(0);
    expect(bare.mos).toBeNull();
  });

  it('L16 (44100 Hz) divides by 44, as the tap’s integer arithmetic does', () => {
    // 441 samples / 44 = 10.0227 ms nominal per packet, packets arrive every 10 ms.
    const p = Array.from({ length: 3 }, (_, i) => ({ ms: 10 * i, seq: i, ts: 441 * i, pt: 11 }));
    const s = analyze(p);
    const d = 441 / 44 - 10;
    const j2 = d / 16;
    const j3 = (15 * j2 + d) / 16; // reference moved to packet 2: D is the same again
    expect(s.maxJitterMs).toBeCloseTo(j3, 12);
  });

  it('gap threshold is an option', () => {
    const p = steady(5);
    p[4].ms += 150;
    expect(analyze(p).gaps).toHaveLength(0);
    expect(analyze(p, { gapThresholdMs: 100 }).gaps).toHaveLength(1);
  });

  it('per-second bins', () => {
    const s = analyze(steady(150)); // 3 s at 50 pps
    expect(s.bins.map((b) => b.packets)).toEqual([50, 50, 50]);
    expect(s.bins[1].second).toBe(s.bins[0].second + 1);
    expect(s.bins[0].maxDeltaMs).toBeCloseTo(20, 9);
  });

  it('MOS: clean G.711 gives the E-model ceiling, loss lowers the windowed minimum', () => {
    expect(analyze(steady(300)).mos).toBeCloseTo(mosFromR(93.2), 12);
    const p = steady(500).filter((x, i) => !(i >= 260 && i < 300)); // 40 lost in the 6th second
    const s = analyze(p);
    expect(s.lost).toBe(40);
    expect(s.mos).not.toBeNull();
    expect(s.minWindowMos).not.toBeNull();
    expect(s.minWindowMos!).toBeLessThan(s.mos!);
    expect(s.mos!).toBeLessThan(mosFromR(93.2));
  });

  it('finish() can be called repeatedly and does not share arrays', () => {
    const a = new RtpStreamAnalyzer({ ssrc: 1, src: 'a', srcPort: 1, dst: 'b', dstPort: 2 });
    expect(a.finish().packets).toBe(0);
    expect(a.finish().mos).toBeNull();
    const s1 = analyze(steady(3));
    s1.bins.push({ second: 0, packets: 0, lost: 0, maxJitterMs: 0, maxDeltaMs: 0 });
    expect(analyze(steady(3)).bins).toHaveLength(1);
  });
});
