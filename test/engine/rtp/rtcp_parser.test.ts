import { describe, expect, it } from 'vitest';
import { parseRtcpCompound, roundTripMs } from '../../../shared/engine/rtp/rtcp_parser.ts';

const META = { frame: 7, tsUs: 1_409_236_548_219_009, src: '10.0.0.1', srcPort: 5005, dst: '10.0.0.2', dstPort: 7079 };
const hex = (s: string): Uint8Array => new Uint8Array(s.replace(/\s+/g, '').match(/../g)!.map((h) => parseInt(h, 16)));

// Frames 1 and 4 of ndpi_rtcp_compound_sll.pcap (FreeSWITCH): SR + SDES, RR + SDES.
const SR_SDES = hex(
  '81c8000c5d931534dd3ac1704d614df800007d00000000c800007d0000000000000000010000000000000000000000000000000081ca000e5d931534010835643933313533340725467265655357495443482e6f7267202d2d20436f6d6520746f20436c7565436f6e2e636f6d000000',
);
const RR_SDES = hex(
  '81c9000701932db45d931534000000010000bf8b00000006c1704d610004051c81ca000e01932db40107313933326462340725467265655357495443482e6f7267202d2d20436f6d6520746f20436c7565436f6e2e636f6d00000000',
);

describe('parseRtcpCompound', () => {
  it('SR with one report block, then SDES CNAME', () => {
    const r = parseRtcpCompound(SR_SDES, META);
    expect(r.map((x) => x.packetType)).toEqual([200, 202]);
    const sr = r[0];
    expect(sr.senderSsrc).toBe(0x5d931534);
    expect(sr.ntpTimestamp).toBeCloseTo(0xdd3ac170 + 0x4d614df8 / 2 ** 32, 6);
    expect(sr.rtpTimestamp).toBe(0x7d00);
    expect(sr.senderPackets).toBe(200);
    expect(sr.senderOctets).toBe(0x7d00);
    expect(sr.blocks).toHaveLength(1);
    expect(sr.blocks[0]).toEqual({ ssrc: 0, fractionLost: 0, cumulativeLost: 1, highestSeq: 0, jitter: 0, lsr: 0, dlsr: 0 });
    expect(r[1].senderSsrc).toBe(0x5d931534);
    expect(r[1].cname).toBe('5d931534');
    expect(r[1].frame).toBe(7);
    expect(r[1].src).toBe('10.0.0.1');
  });

  it('RR block: LSR/DLSR, round trip', () => {
    const [rr, sdes] = parseRtcpCompound(RR_SDES, META);
    expect(rr.packetType).toBe(201);
    expect(rr.senderSsrc).toBe(0x01932db4);
    expect(rr.blocks[0]).toEqual({
      ssrc: 0x5d931534, fractionLost: 0, cumulativeLost: 1, highestSeq: 0xbf8b, jitter: 6, lsr: 0xc1704d61, dlsr: 0x0004051c,
    });
    expect(sdes.cname).toBe('1932db4');
    // A = LSR + DLSR + 0.5 s → RTT 500 ms.
    const b = { ...rr.blocks[0], lsr: 0x10000000, dlsr: 0x00020000 };
    const aNtp = (0x10000000 + 0x00020000 + 0x8000) / 65536; // middle-32 seconds
    const unixS = aNtp - 2208988800 + 65536 * Math.ceil((2208988800 + 1.4e9) / 65536); // same low 16 bits of seconds
    expect(roundTripMs(b, unixS * 1e6)).toBeCloseTo(500, 1);
    expect(roundTripMs({ ...b, lsr: 0 }, unixS * 1e6)).toBeNull();
  });

  it('negative cumulative loss (signed 24-bit) and fraction lost', () => {
    const rr = hex('81c90007 00000001 00000002 40fffffe 00010005 00000010 00000000 00000000');
    const [r] = parseRtcpCompound(rr, META);
    expect(r.blocks[0].fractionLost).toBe(0.25);
    expect(r.blocks[0].cumulativeLost).toBe(-2);
    expect(r.blocks[0].highestSeq).toBe(0x10005);
  });

  it('BYE, APP skipped, XR VoIP metrics (RFC 3611 §4.7)', () => {
    const app = hex('80cc0003 00000001 6e616d65 00000000');
    const bye = hex('81cb0001 0000abcd');
    const xr = hex(
      '80cf000b 0000abcd' + // XR header, sender SSRC
      '07000008 00001234' + // BT 7, length 8, source SSRC
      '0c050000 00000000 0096001e' + // loss 12/256, discard 5/256, …, RTT 150, ESD 30
      '00000000 5d7f2a7f 00000000 00000000', // R 93, ext R 127, MOS-LQ 4.2, MOS-CQ 127
    );
    const r = parseRtcpCompound(new Uint8Array([...app, ...bye, ...xr]), META);
    expect(r.map((x) => x.packetType)).toEqual([203, 207]);
    expect(r[0].senderSsrc).toBe(0xabcd);
    const vm = r[1].voipMetrics!;
    expect(vm.ssrc).toBe(0x1234);
    expect(vm.lossRate).toBeCloseTo(12 / 256, 12);
    expect(vm.discardRate).toBeCloseTo(5 / 256, 12);
    expect(vm.roundTripDelay).toBe(150);
    expect(vm.endSystemDelay).toBe(30);
    expect(vm.rFactor).toBe(93);
    expect(vm.mosLq).toBeCloseTo(4.2, 12);
    expect(vm.mosCq).toBeNaN();
  });

  it('truncation returns what was parsed, garbage returns nothing, never throws', () => {
    const cut = SR_SDES.subarray(0, 60); // SR complete, SDES cut inside the CNAME item
    const r = parseRtcpCompound(cut, META);
    expect(r[0].packetType).toBe(200);
    expect(r[0].blocks).toHaveLength(1);
    expect(parseRtcpCompound(SR_SDES.subarray(0, 40), META)[0].blocks).toHaveLength(0); // block cut
    expect(parseRtcpCompound(new Uint8Array([1, 2, 3]), META)).toEqual([]);
    expect(parseRtcpCompound(hex('00c8000c'), META)).toEqual([]);
    let seed = 3;
    for (let n = 0; n < 3000; n++) {
      const b = new Uint8Array(n % 64);
      for (let i = 0; i < b.length; i++) b[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
      if (b.length > 0) b[0] = 0x80 | (b[0] & 0x3f);
      expect(() => parseRtcpCompound(b, META)).not.toThrow();
    }
  });
});
