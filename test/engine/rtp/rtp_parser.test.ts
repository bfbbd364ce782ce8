import { describe, expect, it } from 'vitest';
import {
  clockRateFor, clockRateForEncodingName, encodingFor, looksLikeRtcp, looksLikeRtp, newRtpHeader, parseRtpHeader,
  parseRtpHeaderInto, staticPayloadType,
} from '../../../shared/engine/rtp/rtp_parser.ts';

/** 12-byte RTP header + extra bytes. */
function rtp(opts: { b0?: number; b1?: number; seq?: number; ts?: number; ssrc?: number }, extra: number[] = []): Uint8Array {
  const seq = opts.seq ?? 0x1234;
  const ts = opts.ts ?? 0xdeadbeef;
  const ssrc = opts.ssrc ?? 0x01020304;
  return new Uint8Array([
    opts.b0 ?? 0x80, opts.b1 ?? 0x08, seq >> 8, seq & 0xff,
    ts >>> 24, (ts >>> 16) & 0xff, (ts >>> 8) & 0xff, ts & 0xff,
    ssrc >>> 24, (ssrc >>> 16) & 0xff, (ssrc >>> 8) & 0xff, ssrc & 0xff,
    ...extra,
  ]);
}

describe('parseRtpHeader', () => {
  it('keeps a packet with bogus padding as RTP with no payload (tshark 4.0 taps it too)', () => {
    expect(parseRtpHeader(rtp({ b0: 0xa0 }, [1, 0]))?.payloadLength).toBe(0); // padding count 0
    expect(parseRtpHeader(rtp({ b0: 0xa0 }, [1, 9]))?.payloadLength).toBe(0); // padding longer than payload
    expect(looksLikeRtp(rtp({ b0: 0xa0 }, [1, 9]))).toBe(true);
  });

  it('reads the fixed header (RFC 3550 §5.1)', () => {
    const h = parseRtpHeader(rtp({ b1: 0x80 | 0, seq: 65535, ts: 0xfffffffe, ssrc: 0xf3cb2001 }, [1, 2, 3, 4]));
    expect(h).toEqual({
      version: 2, padding: false, extension: false, csrcCount: 0, marker: true, payloadType: 0,
      seq: 65535, timestamp: 0xfffffffe, ssrc: 0xf3cb2001, payloadOffset: 12, payloadLength: 4,
    });
  });

  it('skips CSRCs and the header extension, and strips padding', () => {
    // 2 CSRCs, X bit, P bit: 12 + 8 + (4 + 4·1) = 28; payload 3 bytes + 2 padding (last octet = 2).
    const bytes = rtp({ b0: 0x80 | 0x20 | 0x10 | 2 }, [
      0, 0, 0, 1, 0, 0, 0, 2, // CSRCs
      0xbe, 0xde, 0, 1, 0x10, 0xaa, 0, 0, // extension, 1 word
      9, 9, 9, 0, 2, // payload + padding
    ]);
    const h = parseRtpHeader(bytes);
    expect(h?.csrcCount).toBe(2);
    expect(h?.extension).toBe(true);
    expect(h?.padding).toBe(true);
    expect(h?.payloadOffset).toBe(28);
    expect(h?.payloadLength).toBe(3);
  });

  it('returns null for truncated or non-v2 input instead of throwing', () => {
    expect(parseRtpHeader(new Uint8Array(0))).toBeNull();
    expect(parseRtpHeader(rtp({}).subarray(0, 11))).toBeNull();
    expect(parseRtpHeader(rtp({ b0: 0x40 }))).toBeNull(); // version 1
    expect(parseRtpHeader(rtp({ b0: 0x83 }, [0, 0, 0, 1]))).toBeNull(); // 3 CSRCs, room for 1
    expect(parseRtpHeader(rtp({ b0: 0x90 }, [0xbe, 0xde, 0, 5]))).toBeNull(); // extension overruns
  });

  it('never throws on random bytes', () => {
    let seed = 7;
    for (let n = 0; n < 2000; n++) {
      const len = n % 40;
      const b = new Uint8Array(len);
      for (let i = 0; i < len; i++) b[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
      expect(() => parseRtpHeader(b)).not.toThrow();
      expect(() => looksLikeRtp(b)).not.toThrow();
      expect(() => looksLikeRtcp(b)).not.toThrow();
    }
  });
});

describe('a datagram inside a larger buffer (the per-packet path reads the capture buffer in place)', () => {
  it('parser and heuristics give the same answers on b[start, stop) as on a view of it', () => {
    let seed = 11;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    const samples: Uint8Array[] = [
      rtp({ b0: 0x80 | 0x20 | 0x10 | 2 }, [0, 0, 0, 1, 0, 0, 0, 2, 0xbe, 0xde, 0, 1, 0x10, 0xaa, 0, 0, 9, 9, 9, 0, 2]),
      rtp({ b0: 0xa0 }, [1, 9]), // bogus padding: the count is the datagram's last byte, not the buffer's
      rtp({}, [1, 2, 3, 4]),
      Uint8Array.of(0x80, 200, 0, 6, ...new Array<number>(24).fill(0)), // RTCP SR
    ];
    for (let n = 0; n < 500; n++) samples.push(Uint8Array.from({ length: n % 40 }, () => (n % 3 === 0 ? 0x80 | (rnd() & 0x3f) : rnd())));
    for (const d of samples) {
      // Neighbours that would change the answer if read: 0xff padding counts, extension lengths.
      const big = new Uint8Array(d.length + 64).fill(0xff);
      big.set(d, 32);
      const a = newRtpHeader();
      const b = newRtpHeader();
      const okA = parseRtpHeaderInto(d, a);
      expect(parseRtpHeaderInto(big, b, 32, 32 + d.length)).toBe(okA);
      if (okA) expect(b).toEqual(a);
      expect(looksLikeRtp(big, 32, 32 + d.length)).toBe(looksLikeRtp(d));
      expect(looksLikeRtcp(big, 32, 32 + d.length)).toBe(looksLikeRtcp(d));
    }
  });
});

describe('looksLikeRtp / looksLikeRtcp (Wireshark heuristics)', () => {
  const sr = new Uint8Array([0x80, 200, 0, 6, 1, 2, 3, 4, ...new Array(20).fill(0)]);

  it('accepts plain RTP', () => {
    expect(looksLikeRtp(rtp({}, new Array(160).fill(0xd5)))).toBe(true);
  });

  it('rejects RTCP SR..APP (PT 72..76 once the marker bit is folded in)', () => {
    expect(looksLikeRtp(sr)).toBe(false);
    expect(looksLikeRtp(rtp({ b1: 72 }))).toBe(false); // without marker: still excluded
  });

  it('rejects marker + PT 64..95, which dissect_rtp hands to RTCP (RFC 5761 §4)', () => {
    expect(looksLikeRtp(rtp({ b1: 0x80 | 79 }, [0, 0, 0, 0]))).toBe(false); // XR (207)
    expect(looksLikeRtp(rtp({ b1: 79 }))).toBe(true); // same PT without marker is RTP
  });

  it('rejects other versions and short datagrams', () => {
    expect(looksLikeRtp(rtp({ b0: 0x00 }))).toBe(false);
    expect(looksLikeRtp(rtp({}).subarray(0, 8))).toBe(false);
  });

  it('RTCP heuristic: v2, first packet SR/RR/BYE/APP/PSFB, length multiple of 4', () => {
    expect(looksLikeRtcp(sr)).toBe(true);
    expect(looksLikeRtcp(new Uint8Array([0x80, 202, 0, 1, 1, 2, 3, 4]))).toBe(false); // SDES first
    expect(looksLikeRtcp(new Uint8Array([0x81, 203, 0, 1, 1, 2, 3, 4]))).toBe(true); // BYE
    expect(looksLikeRtcp(sr.subarray(0, 26))).toBe(false); // not a multiple of 4
    expect(looksLikeRtcp(sr.subarray(0, 24))).toBe(false); // length field overruns
    expect(looksLikeRtcp(rtp({}))).toBe(false);
  });
});

describe('payload types and clock rates', () => {
  it('static table as Wireshark (ui/tap-rtp-analysis.c clock_map)', () => {
    expect(clockRateFor(0)).toBe(8000);
    expect(clockRateFor(8)).toBe(8000);
    expect(clockRateFor(9)).toBe(8000); // G.722: 8000 Hz RTP clock (RFC 3551 §4.5.2)
    expect(clockRateFor(10)).toBe(44100);
    expect(clockRateFor(13)).toBe(8000);
    expect(clockRateFor(34)).toBe(90000);
    expect(clockRateFor(20)).toBe(0); // unassigned
    expect(staticPayloadType(8)?.encoding).toBe('PCMA');
  });

  it('dynamic types need an rtpmap; its rate wins, else the name table', () => {
    expect(clockRateFor(111)).toBe(0);
    expect(clockRateFor(111, { 111: { encoding: 'opus', clockRate: 48000 } })).toBe(48000);
    expect(clockRateFor(111, { 111: { encoding: 'OPUS', clockRate: 0 } })).toBe(48000);
    expect(clockRateFor(96, { 96: { encoding: 'L16', clockRate: 16000 } })).toBe(16000);
    expect(clockRateFor(101, { 101: { encoding: 'telephone-event', clockRate: 8000 } })).toBe(8000);
  });

  it('PT < 96 ignores the rtpmap for the clock, like the tap', () => {
    expect(clockRateFor(0, { 0: { encoding: 'PCMU', clockRate: 16000 } })).toBe(8000);
    expect(encodingFor(0)).toBe('PCMU');
    expect(encodingFor(101, { 101: { encoding: 'telephone-event', clockRate: 8000 } })).toBe('telephone-event');
    expect(encodingFor(101)).toBe('');
  });

  it('name table matches by case-insensitive prefix, longest entry first', () => {
    expect(clockRateForEncodingName('AMR-WB')).toBe(16000);
    expect(clockRateForEncodingName('amr')).toBe(8000);
    expect(clockRateForEncodingName('H264')).toBe(90000);
    expect(clockRateForEncodingName('rtpevent')).toBe(0);
  });
});
