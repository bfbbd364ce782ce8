// GTP-U (3GPP TS 29.281) on UDP 2152: the header parser, and G-PDUs through the whole decoder
// (inner IPv4/IPv6, reassembly, TCP, snap length cuts), built with the packet builder.
import { describe, expect, it } from 'vitest';
import {
  ascii, ethernet, gtpu, ipv4, ipv4Fragments, ipv6, tcp, udp,
} from '../../../shared/engine/capture/packet_builder.ts';
import { GTPU_G_PDU, isGtpu, parseGtpu } from '../../../shared/engine/net/gtpu.ts';
import { NET } from '../../../shared/engine/net/net_stats.ts';
import { PacketDecoder } from '../../../shared/engine/net/packet_decoder.ts';
import type { L4Segment } from '../../../shared/model/packet.ts';
import { Stats } from '../../../shared/model/stats.ts';
import { expectEveryCutCounted, expectFlipsNeverThrow } from './cut_checks.ts';
import { decodeFrames, pkt, statMap, text } from './helpers.ts';

const SIP = ascii('OPTIONS sip:a@ims.example SIP/2.0\r\nContent-Length: 0\r\n\r\n');
const UE4 = { src: '100.64.0.7', dst: '192.0.2.50' };
const UE6 = { src: '2001:db8:ace::7', dst: '2001:db8:1e5::50' };
const inner4 = (): Uint8Array => ipv4({ ...UE4, proto: 17 }, udp(5060, 5060, SIP));
const inner6 = (): Uint8Array => ipv6({ ...UE6, nextHeader: 17 }, udp(5060, 5060, SIP));
/** A GTP-U datagram on the S1-U/N3 interface between two tunnel endpoints. */
const onWire = (g: Uint8Array, sport = 2152, dport = 2152): Uint8Array =>
  ethernet({ type: 0x0800 }, ipv4({ src: '10.20.0.1', dst: '10.20.0.2', proto: 17 }, udp(sport, dport, g)));
const onWire6 = (g: Uint8Array): Uint8Array =>
  ethernet({ type: 0x86dd }, ipv6({ src: '2001:db8:ffff::1', dst: '2001:db8:ffff::2', nextHeader: 17 }, udp(2152, 2152, g)));
const PDU_SESSION = { type: 0x85, content: Uint8Array.of(0x10, 0x01) };

function one(frame: Uint8Array): L4Segment {
  const d = decodeFrames(1, [frame]);
  expect(d.stats.list()).toEqual([]);
  expect(d.segs).toHaveLength(1);
  return d.segs[0];
}

describe('parseGtpu', () => {
  const out = { next: -1, off: -1, end: -1 };

  it('mandatory header only: the T-PDU follows the 8 bytes', () => {
    const g = gtpu({ teid: 0x1234 }, inner4());
    expect(isGtpu(g, 0, g.length)).toBe(true);
    expect(parseGtpu(g, 0, g.length, out)).toBeNull();
    expect(out).toMatchObject({ off: 8, end: g.length });
  });

  it('S, PN or E: the 4 optional bytes are there whichever flag is set', () => {
    for (const o of [{ seq: 7 }, { npdu: 3 }, { seq: 1, npdu: 2 }]) {
      const g = gtpu({ teid: 1, ...o }, inner4());
      expect(parseGtpu(g, 0, g.length, out)).toBeNull();
      expect(out.off).toBe(12);
    }
  });

  it('extension header chain: lengths in 4-byte units, next types chained to 0', () => {
    const long = { type: 0x82, content: new Uint8Array(6) }; // 2 units
    const g = gtpu({ teid: 1, seq: 9, ext: [long, PDU_SESSION, { type: 0x40, content: Uint8Array.of(0x13, 0xc4) }] }, inner4());
    expect(parseGtpu(g, 0, g.length, out)).toBeNull();
    expect(out.off).toBe(12 + 8 + 4 + 4);
    expect(out.end).toBe(g.length);
    expect(g.subarray(out.off)).toEqual(inner4());
  });

  it('the next-extension-header byte is ignored without the E flag', () => {
    const g = gtpu({ teid: 1, seq: 1 }, inner4());
    g[11] = 0x85; // garbage in the field, E clear
    expect(parseGtpu(g, 0, g.length, out)).toBeNull();
    expect(out.off).toBe(12);
  });

  it('the length field bounds the T-PDU (trailing bytes after it are not payload)', () => {
    const g = gtpu({ teid: 1 }, inner4());
    const padded = Uint8Array.from([...g, 0xee, 0xee, 0xee]);
    expect(parseGtpu(padded, 0, padded.length, out)).toBeNull();
    expect(out.end).toBe(g.length);
  });

  it('echo request/response, error indication, end marker: not a G-PDU', () => {
    for (const type of [1, 2, 26, 254]) {
      const g = gtpu({ teid: 0, type, seq: 1 }, Uint8Array.of(14, 0));
      expect(parseGtpu(g, 0, g.length, out)).toBe(NET.gtpuNotGpdu);
    }
    expect(GTPU_G_PDU).toBe(255);
  });

  it('extension header of length 0, or running past the datagram, or an empty G-PDU: truncated', () => {
    const zero = gtpu({ teid: 1, ext: [PDU_SESSION] }, inner4());
    zero[12] = 0;
    expect(parseGtpu(zero, 0, zero.length, out)).toBe(NET.truncatedGtpu);
    const long = gtpu({ teid: 1, ext: [PDU_SESSION] }, new Uint8Array(0));
    long[12] = 200;
    expect(parseGtpu(long, 0, long.length, out)).toBe(NET.truncatedGtpu);
    const empty = gtpu({ teid: 1 }, new Uint8Array(0));
    expect(parseGtpu(empty, 0, empty.length, out)).toBe(NET.truncatedGtpu);
  });

  it('GTPv0/GTPv2/GTP\' and RTP first bytes are not GTP-U', () => {
    for (const first of [0x10, 0x48, 0x20, 0x80, 0x90, 0xa0]) expect(isGtpu(Uint8Array.of(first, 255, 0, 0), 0, 4)).toBe(false);
    expect(isGtpu(new Uint8Array(0), 0, 0)).toBe(false);
  });
});

describe('GTP-U through the decoder', () => {
  it('G-PDU with IPv4 inside: inner addresses and ports, tunnel recorded', () => {
    const s = one(onWire(gtpu({ teid: 0xabcdef01 }, inner4())));
    expect(s).toMatchObject({ ipVersion: 4, ...UE4, proto: 'udp', srcPort: 5060, dstPort: 5060, tunnels: ['gtpu'] });
    expect(text(s.payload)).toBe(text(SIP));
  });

  it('G-PDU with IPv6 inside, over IPv6, with sequence number and an extension header', () => {
    const s = one(onWire6(gtpu({ teid: 1, seq: 0xfffe, ext: [PDU_SESSION] }, inner6())));
    expect(s).toMatchObject({ ipVersion: 6, ...UE6, proto: 'udp', tunnels: ['gtpu'] });
    expect(text(s.payload)).toBe(text(SIP));
  });

  it('either port 2152 opens the tunnel', () => {
    expect(one(onWire(gtpu({ teid: 1 }, inner4()), 40000, 2152)).tunnels).toEqual(['gtpu']);
    expect(one(onWire(gtpu({ teid: 1 }, inner4()), 2152, 40000)).tunnels).toEqual(['gtpu']);
  });

  it('echo messages are counted and skipped', () => {
    const d = decodeFrames(1, [onWire(gtpu({ teid: 0, type: 1, seq: 1 }, new Uint8Array(0))), onWire(gtpu({ teid: 0, type: 2, seq: 1 }, Uint8Array.of(14, 0)))]);
    expect(d.segs).toEqual([]);
    expect(statMap(d.stats)).toEqual({ 'net.gtpu_not_gpdu': 2 });
  });

  it('RTP negotiated onto port 2152 stays plain UDP', () => {
    const rtp = Uint8Array.of(0x80, 0x12, 0, 1, 0, 0, 0, 160, 0xca, 0xfe, 0, 1, ...new Uint8Array(20));
    const s = one(onWire(rtp, 40000, 2152));
    expect(s).toMatchObject({ src: '10.20.0.1', dstPort: 2152, tunnels: [] });
    expect(s.payload).toEqual(rtp);
  });

  it('a T-PDU that is not IP is counted', () => {
    const d = decodeFrames(1, [onWire(gtpu({ teid: 1 }, ethernet({ type: 0x0800 }, inner4())))]);
    expect(d.segs).toEqual([]);
    expect(statMap(d.stats)).toEqual({ 'net.bad_ip_version': 1 });
  });

  it('inner IPv4 fragments, one per G-PDU, are reassembled', () => {
    const big = ascii(`INVITE sip:b@ims.example SIP/2.0\r\nX: ${'a'.repeat(1500)}\r\nContent-Length: 0\r\n\r\n`);
    const frags = ipv4Fragments({ ...UE4, proto: 17, id: 77 }, udp(5060, 5060, big), 600);
    const d = decodeFrames(1, frags.map((f) => onWire(gtpu({ teid: 1 }, f))));
    expect(d.segs).toHaveLength(1);
    expect(d.segs[0].tunnels).toEqual(['gtpu']);
    expect(text(d.segs[0].payload)).toBe(text(big));
    expect(statMap(d.stats)).toEqual({ 'net.ip_reassembled': 1 });
  });

  it('an outer-fragmented GTP-U datagram is reassembled, then opened', () => {
    const big = ascii(`MESSAGE sip:b@ims.example SIP/2.0\r\nX: ${'b'.repeat(1600)}\r\nContent-Length: 0\r\n\r\n`);
    const g = udp(2152, 2152, gtpu({ teid: 1 }, ipv4({ ...UE4, proto: 17 }, udp(5060, 5060, big))));
    const frags = ipv4Fragments({ src: '10.20.0.1', dst: '10.20.0.2', proto: 17, id: 78 }, g, 1000).map((f) => ethernet({ type: 0x0800 }, f));
    const d = decodeFrames(1, frags);
    expect(d.segs).toHaveLength(1);
    expect(d.segs[0]).toMatchObject({ ...UE4, tunnels: ['gtpu'] });
    expect(text(d.segs[0].payload)).toBe(text(big));
  });

  it('TCP inside a G-PDU', () => {
    const s = one(onWire(gtpu({ teid: 1 }, ipv4({ ...UE4, proto: 6 }, tcp({ srcPort: 41000, dstPort: 5060, seq: 5, flags: 0x18 }, SIP)))));
    expect(s).toMatchObject({ proto: 'tcp', srcPort: 41000, dstPort: 5060, tunnels: ['gtpu'] });
    expect(s.tcp?.seq).toBe(5);
  });

  it('a snap length cut inside the inner RTP is emitted truncated, counted once', () => {
    const rtp = Uint8Array.of(0x80, 0x12, 0, 1, 0, 0, 0, 160, 0xca, 0xfe, 0, 1, ...new Uint8Array(160));
    const full = onWire(gtpu({ teid: 1, ext: [PDU_SESSION] }, ipv4({ ...UE4, proto: 17 }, udp(40000, 50000, rtp))));
    const cut = full.subarray(0, full.length - 100);
    const stats = new Stats();
    const got: L4Segment[] = [];
    new PacketDecoder(stats, { emitSnaplenCut: true }).decode(pkt(1, cut, 1, 0, full.length), (s) => got.push({ ...s, payload: s.payload.slice() }));
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ srcPort: 40000, dstPort: 50000, truncated: true, tunnels: ['gtpu'] });
    expect(got[0].payload.subarray(0, 12)).toEqual(rtp.subarray(0, 12));
    expect(statMap(stats)).toEqual({ 'net.snaplen_cut': 1 });
  });

  it('cut at every byte offset: counted, nothing emitted, never thrown', () => {
    expectEveryCutCounted(1, onWire(gtpu({ teid: 1, seq: 3, ext: [{ type: 0x82, content: new Uint8Array(6) }, PDU_SESSION] }, inner4())));
    expectEveryCutCounted(1, onWire6(gtpu({ teid: 1 }, inner6())));
  });

  it('byte flips never throw', () => {
    expectFlipsNeverThrow(1, [onWire(gtpu({ teid: 1, seq: 3, ext: [PDU_SESSION, PDU_SESSION] }, inner4())), onWire6(gtpu({ teid: 1, npdu: 1 }, inner6()))], 2152);
  });
});
