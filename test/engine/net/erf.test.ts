// ERF records (LINKTYPE_ERF 197): the record parser, and records through the whole decoder
// (Ethernet variants, raw IP, extension headers, the capture timestamp), built with the
// packet builder; plus ERF as a pcapng interface through the capture reader.
import { describe, expect, it } from 'vitest';
import { PcapngWriter, PcapWriter } from '../../../shared/engine/capture/capture_writer.ts';
import { CaptureReader } from '../../../shared/engine/capture/capture_reader.ts';
import { ascii, concat, crc32, erf, ethernet, ipv4, ipv6, udp } from '../../../shared/engine/capture/packet_builder.ts';
import { parseErf } from '../../../shared/engine/net/erf.ts';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, ETHERTYPE_TEB, LINKTYPE_ERF } from '../../../shared/engine/net/link_types.ts';
import { NET } from '../../../shared/engine/net/net_stats.ts';
import { PacketDecoder } from '../../../shared/engine/net/packet_decoder.ts';
import type { CapturedPacket, L4Segment } from '../../../shared/model/packet.ts';
import { Stats } from '../../../shared/model/stats.ts';
import { expectEveryCutCounted, expectFlipsNeverThrow } from './cut_checks.ts';
import { decodeFrames, pkt, statMap, text } from './helpers.ts';

const SIP = ascii('OPTIONS sip:a@example.com SIP/2.0\r\nContent-Length: 0\r\n\r\n');
const V4 = { src: '192.0.2.10', dst: '198.51.100.20' };
const u4 = (): Uint8Array => ipv4({ ...V4, proto: 17 }, udp(5060, 5080, SIP));
const u6 = (): Uint8Array => ipv6({ src: '2001:db8::10', dst: '2001:db8::20', nextHeader: 17 }, udp(5060, 5080, SIP));
const TS = 1_700_000_000_123_456;
const HOST_ID = Uint8Array.of(17, 1, 0, 0, 0xca, 0x11, 0x7e, 0x57);
const FLOW_ID = Uint8Array.of(16, 1, 1, 0, 0, 0, 0, 42);

function one(frame: Uint8Array): L4Segment {
  const d = decodeFrames(LINKTYPE_ERF, [frame]);
  expect(d.stats.list()).toEqual([]);
  expect(d.segs).toHaveLength(1);
  return d.segs[0];
}

describe('erf() builder', () => {
  it('writes the header as the ERF format defines it', () => {
    const frame = ethernet({ type: 0x0800 }, u4());
    const r = erf({ type: 2, tsUs: 1_000_000_500_000, fcs: true, lctr: 3, ext: [HOST_ID, FLOW_ID] }, frame);
    const v = new DataView(r.buffer, r.byteOffset);
    expect(v.getBigUint64(0, true)).toBe((1_000_000n << 32n) + 2_147_483_648n); // 1e6 s + 0.5 s
    expect(r[8]).toBe(0x82); // ETH, extension header present
    expect(r[9]).toBe(0x04); // vlen
    expect(v.getUint16(10)).toBe(r.length);
    expect(v.getUint16(12)).toBe(3);
    expect(v.getUint16(14)).toBe(frame.length + 4);
    expect(r[16]).toBe(0x80 | 17); // more extension headers follow
    expect(r[24]).toBe(16);
    expect(Array.from(r.subarray(32, 34))).toEqual([0, 0]); // offset, pad
    expect(r.subarray(34, 34 + frame.length)).toEqual(frame);
    expect(new DataView(r.buffer, r.byteOffset).getUint32(r.length - 4, true)).toBe(crc32(frame));
  });

  it('crc32 is the IEEE 802.3 CRC', () => {
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
  });
});

describe('parseErf', () => {
  const out = { next: -1, off: -1, end: -1 };

  it('Ethernet types (ETH 2, COLOR_ETH 11, DSM_COLOR_ETH 16, COLOR_HASH_ETH 20) skip the 2-byte pad', () => {
    for (const type of [2, 11, 16, 20]) {
      const r = erf({ type, tsUs: TS }, ethernet({ type: 0x0800 }, u4()));
      expect(parseErf(r, 0, r.length, out)).toBeNull();
      expect(out).toEqual({ next: ETHERTYPE_TEB, off: 18, end: r.length });
    }
  });

  it('IPV4 (22) and IPV6 (23) are raw IP right after the headers', () => {
    const a = erf({ type: 22, tsUs: TS }, u4());
    expect(parseErf(a, 0, a.length, out)).toBeNull();
    expect(out).toEqual({ next: ETHERTYPE_IPV4, off: 16, end: a.length });
    const b = erf({ type: 23, tsUs: TS, ext: [FLOW_ID] }, u6());
    expect(parseErf(b, 0, b.length, out)).toBeNull();
    expect(out).toEqual({ next: ETHERTYPE_IPV6, off: 24, end: b.length });
  });

  it('extension headers are chained by their top bit', () => {
    const r = erf({ type: 22, tsUs: TS, ext: [HOST_ID, FLOW_ID, HOST_ID] }, u4());
    expect(parseErf(r, 0, r.length, out)).toBeNull();
    expect(out.off).toBe(16 + 24);
  });

  it('rlen bounds the record', () => {
    const r = concat(erf({ type: 22, tsUs: TS }, u4()), new Uint8Array(8).fill(0xee));
    expect(parseErf(r, 0, r.length, out)).toBeNull();
    expect(out.end).toBe(r.length - 8);
  });

  it('other record types (HDLC, ATM, AAL5, meta, pad) are counted as unsupported', () => {
    for (const type of [1, 3, 4, 5, 19, 27, 48]) {
      const r = erf({ type, tsUs: TS }, new Uint8Array(16));
      expect(parseErf(r, 0, r.length, out)).toBe(NET.erfUnsupported);
    }
  });

  it('header cut, rlen below 16, extension header past the record, missing pad: truncated', () => {
    const r = erf({ type: 2, tsUs: TS, ext: [HOST_ID] }, ethernet({ type: 0x0800 }, u4()));
    expect(parseErf(r, 0, 15, out)).toBe(NET.truncatedErf);
    const small = r.slice();
    small[10] = 0; small[11] = 12;
    expect(parseErf(small, 0, small.length, out)).toBe(NET.truncatedErf);
    const moreExt = r.slice();
    moreExt[10] = 0; moreExt[11] = 24; // rlen ends right after the extension header …
    moreExt[16] |= 0x80; // … which claims another one
    expect(parseErf(moreExt, 0, moreExt.length, out)).toBe(NET.truncatedErf);
    const noPad = r.slice();
    noPad[10] = 0; noPad[11] = 25;
    expect(parseErf(noPad, 0, noPad.length, out)).toBe(NET.truncatedErf);
  });
});

describe('ERF through the decoder', () => {
  it('ETH with FCS and extension headers: the frame decodes, the FCS is not payload', () => {
    const s = one(erf({ type: 2, tsUs: TS, fcs: true, ext: [HOST_ID, FLOW_ID] }, ethernet({ type: 0x0800, vlans: [30] }, u4())));
    expect(s).toMatchObject({ ipVersion: 4, ...V4, srcPort: 5060, dstPort: 5080, vlans: [30], tunnels: [] });
    expect(text(s.payload)).toBe(text(SIP));
  });

  it('COLOR_HASH_ETH with IPv6, and raw IPV4 / IPV6 records', () => {
    expect(one(erf({ type: 20, tsUs: TS, lctr: 0x1234 }, ethernet({ type: 0x86dd }, u6())))).toMatchObject({ ipVersion: 6, src: '2001:db8::10' });
    expect(one(erf({ type: 22, tsUs: TS }, u4()))).toMatchObject({ ipVersion: 4, ...V4 });
    expect(one(erf({ type: 23, tsUs: TS, ext: [FLOW_ID] }, u6()))).toMatchObject({ ipVersion: 6, dst: '2001:db8::20' });
  });

  it('the capture record\'s timestamp is the packet time, not the ERF one', () => {
    const r = erf({ type: 22, tsUs: TS + 5_000_000 }, u4());
    const got: number[] = [];
    new PacketDecoder(new Stats()).decode(pkt(LINKTYPE_ERF, r, 1, TS), (s) => got.push(s.tsUs));
    expect(got).toEqual([TS]);
  });

  it('unsupported record types are counted and skipped', () => {
    const d = decodeFrames(LINKTYPE_ERF, [erf({ type: 27, tsUs: TS }, new Uint8Array(24)), erf({ type: 1, tsUs: TS }, new Uint8Array(40))]);
    expect(d.segs).toEqual([]);
    expect(statMap(d.stats)).toEqual({ 'net.erf_unsupported': 2 });
  });

  it('ERF as a pcapng interface beside Ethernet, and as the link type of a classic pcap', () => {
    const eth = ethernet({ type: 0x0800 }, u4());
    const w = new PcapngWriter();
    const ng = concat(w.shb(), w.idb({ linkType: 1 }), w.idb({ linkType: LINKTYPE_ERF, tsresol: 9 }),
      w.epb(0, TS, eth), w.epb(1, TS + 20_000, erf({ type: 2, tsUs: TS + 20_000, fcs: true }, eth)), w.epb(1, TS + 40_000, erf({ type: 23, tsUs: TS + 40_000 }, u6())));
    const p = new PcapWriter({ linkType: LINKTYPE_ERF });
    const classic = concat(p.header(), p.packet(TS, erf({ type: 16, tsUs: TS, ext: [HOST_ID] }, eth)));
    for (const [file, want] of [[ng, [[1, 4], [LINKTYPE_ERF, 4], [LINKTYPE_ERF, 6]]], [classic, [[LINKTYPE_ERF, 4]]]] as const) {
      const stats = new Stats();
      const dec = new PacketDecoder(stats);
      const got: [number, number][] = [];
      const reader = new CaptureReader(stats, (pk: CapturedPacket) => dec.decode(pk, (s) => got.push([pk.linkType, s.ipVersion])));
      reader.push(file);
      reader.end();
      expect(got).toEqual(want);
      expect(stats.list()).toEqual([]);
    }
  });

  it('cut at every byte offset: counted, nothing emitted, never thrown', () => {
    expectEveryCutCounted(LINKTYPE_ERF, erf({ type: 2, tsUs: TS, ext: [HOST_ID, FLOW_ID] }, ethernet({ type: 0x0800 }, u4())));
    expectEveryCutCounted(LINKTYPE_ERF, erf({ type: 23, tsUs: TS, ext: [FLOW_ID] }, u6()));
  });

  it('byte flips and random bytes never throw', () => {
    expectFlipsNeverThrow(LINKTYPE_ERF, [erf({ type: 2, tsUs: TS, fcs: true, ext: [HOST_ID, FLOW_ID] }, ethernet({ type: 0x0800 }, u4())), erf({ type: 22, tsUs: TS }, u4())], 197);
    const dec = new PacketDecoder(new Stats());
    let x = 197;
    for (let i = 0; i < 3000; i++) {
      const b = new Uint8Array(i % 90);
      for (let k = 0; k < b.length; k++) { x = (x * 1103515245 + 12345) >>> 0; b[k] = x >>> 24; }
      expect(() => dec.decode(pkt(LINKTYPE_ERF, b, i + 1, i), () => {})).not.toThrow();
    }
  });
});
