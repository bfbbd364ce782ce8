// IPv4 (RFC 791) and IPv6 (RFC 8200 §4.5) fragment reassembly through the decoder, and the
// reassembler's memory bounds.
import { describe, expect, it } from 'vitest';
import { ethernet, ipv4, ipv4Fragments, ipv6, ipv6Fragments, sll, udp } from '../../../shared/engine/capture/packet_builder.ts';
import { IpReassembler } from '../../../shared/engine/net/ip_reassembler.ts';
import { PacketDecoder } from '../../../shared/engine/net/packet_decoder.ts';
import { Stats } from '../../../shared/model/stats.ts';
import { decodeFrames, pkt, statMap } from './helpers.ts';

function big(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + 7) & 0xff;
  return b;
}

const BODY = big(3000);
const V4 = { src: '192.0.2.1', dst: '192.0.2.2', proto: 17, id: 777 };
const V6 = { src: '2001:db8::1', dst: '2001:db8::2', nextHeader: 17 };

describe('IPv4 fragments', () => {
  const frags = ipv4Fragments(V4, udp(5060, 5060, BODY), 1000).map((f) => ethernet({ type: 0x0800 }, f));

  it('builder splits into 4 fragments with MF and offsets', () => {
    expect(frags).toHaveLength(4);
  });

  it('in order: one segment, frame and time of the last fragment', () => {
    const d = decodeFrames(1, frags);
    expect(d.segs).toHaveLength(1);
    expect(d.segs[0].frame).toBe(4);
    expect(d.segs[0].tsUs).toBe(1_700_000_000_000_000 + 3000);
    expect(d.segs[0].payload).toEqual(BODY);
    expect(statMap(d.stats)).toEqual({ 'net.ip_reassembled': 1 });
  });

  it('out of order (last first, then shuffled)', () => {
    const d = decodeFrames(1, [frags[3], frags[1], frags[0], frags[2]]);
    expect(d.segs).toHaveLength(1);
    expect(d.segs[0].frame).toBe(4);
    expect(d.segs[0].payload).toEqual(BODY);
  });

  it('interleaved datagrams with different ids are kept apart', () => {
    const other = ipv4Fragments({ ...V4, id: 778 }, udp(1, 2, big(1500)), 800).map((f) => ethernet({ type: 0x0800 }, f));
    const d = decodeFrames(1, [frags[0], other[0], frags[1], frags[2], other[1], frags[3]]);
    expect(d.segs.map((s) => s.payload.length)).toEqual([1500, 3000]);
  });

  it('duplicate fragments are ignored and counted', () => {
    const d = decodeFrames(1, [frags[0], frags[0], frags[1], frags[2], frags[3]]);
    expect(d.segs).toHaveLength(1);
    expect(d.segs[0].payload).toEqual(BODY);
    expect(statMap(d.stats)).toMatchObject({ 'net.ip_fragment_duplicate': 1 });
  });

  it('overlapping fragment: counted, the first copy of each byte wins', () => {
    const l4 = udp(5060, 5060, BODY);
    const evil = l4.slice(496, 1496).fill(0xaa); // offset 496 overlaps fragments 0 and 1
    const d = decodeFrames(1, [frags[0], frags[1], ethernet({ type: 0x0800 }, ipv4({ ...V4, fragOffset: 496, moreFragments: true }, evil)), frags[2], frags[3]]);
    expect(d.segs).toHaveLength(1);
    expect(d.segs[0].payload).toEqual(BODY);
    expect(statMap(d.stats)).toMatchObject({ 'net.ip_fragment_overlap': 1 });
  });

  it('a missing fragment never emits; end() counts the datagram as incomplete', () => {
    const d = decodeFrames(1, [frags[0], frags[1], frags[3]]);
    expect(d.segs).toEqual([]);
    d.decoder.end();
    expect(statMap(d.stats)).toEqual({ 'net.ip_fragment_incomplete': 1 });
  });

  it('expires by capture time', () => {
    const stats = new Stats();
    const dec = new PacketDecoder(stats, { fragments: { timeoutUs: 5_000_000 } });
    const out: number[] = [];
    dec.decode(pkt(1, frags[0], 1, 0), (s) => out.push(s.frame));
    dec.decode(pkt(1, frags[1], 2, 1_000_000), (s) => out.push(s.frame));
    dec.decode(pkt(1, ethernet({ type: 0x0800 }, ipv4(V4, udp(1, 2, new Uint8Array(4)))), 3, 6_000_000), (s) => out.push(s.frame));
    dec.decode(pkt(1, frags[2], 4, 6_100_000), (s) => out.push(s.frame));
    dec.decode(pkt(1, frags[3], 5, 6_200_000), (s) => out.push(s.frame));
    expect(out).toEqual([3]); // the datagram's first half expired before the second half came
    expect(stats.get('net.ip_fragment_timeout')).toBe(1);
  });

  it('non-last fragment not a multiple of 8, and past 65535, are rejected', () => {
    const d = decodeFrames(101, [
      ipv4({ ...V4, moreFragments: true }, new Uint8Array(13)),
      ipv4({ ...V4, id: 9, fragOffset: 65528, moreFragments: false }, new Uint8Array(16)),
    ]);
    expect(statMap(d.stats)).toEqual({ 'net.ip_fragment_bad': 1, 'net.ip_fragment_too_big': 1 });
  });
});

describe('IPv6 fragments', () => {
  it('in order and out of order, behind SLL like the corpus capture', () => {
    const frags = ipv6Fragments(V6, udp(5060, 5060, BODY), 1232).map((f) => sll(0x86dd, f));
    expect(frags).toHaveLength(3);
    for (const order of [[0, 1, 2], [2, 0, 1], [1, 2, 0]]) {
      const d = decodeFrames(113, order.map((i) => frags[i]));
      expect(d.segs).toHaveLength(1);
      expect(d.segs[0]).toMatchObject({ ipVersion: 6, src: '2001:db8::1', dst: '2001:db8::2', srcPort: 5060, frame: 3 });
      expect(d.segs[0].payload).toEqual(BODY);
    }
  });

  it('unfragmentable hop-by-hop before, destination options inside the fragmentable part', () => {
    const dstOpts = Uint8Array.of(17, 0, 1, 4, 0, 0, 0, 0); // next = UDP, 8 bytes, PadN
    const fragmentable = Uint8Array.from([...dstOpts, ...udp(1000, 2000, BODY)]);
    const frags = ipv6Fragments({ ...V6, nextHeader: 60, ext: [{ type: 'hop', data: new Uint8Array(6) }] }, fragmentable, 1000);
    const d = decodeFrames(101, frags.reverse());
    expect(d.segs).toHaveLength(1);
    expect(d.segs[0]).toMatchObject({ srcPort: 1000, dstPort: 2000 });
    expect(d.segs[0].payload).toEqual(BODY);
  });

  it('an atomic fragment (offset 0, M = 0) is decoded directly (RFC 6946)', () => {
    const p = ipv6({ ...V6, ext: [{ type: 'fragment', offset: 0, more: false, id: 1 }] }, udp(1, 2, BODY.subarray(0, 10)));
    const d = decodeFrames(101, [p]);
    expect(d.segs).toHaveLength(1);
    expect(d.stats.list()).toEqual([]);
  });

  it('same id from different sources does not mix', () => {
    const a = ipv6Fragments(V6, udp(1, 2, BODY), 1000, 5);
    const b = ipv6Fragments({ ...V6, src: '2001:db8::99' }, udp(3, 4, big(2000)), 1000, 5);
    const d = decodeFrames(101, [a[0], b[0], a[1], b[1], b[2], a[2], a[3]]);
    expect(d.segs.map((s) => [s.src, s.payload.length])).toEqual([['2001:db8::99', 2000], ['2001:db8::1', 3000]]);
  });
});

describe('reassembler bounds', () => {
  it('caps pending datagrams (oldest evicted, counted)', () => {
    const stats = new Stats();
    const r = new IpReassembler(stats, { maxDatagrams: 10 });
    for (let i = 0; i < 50; i++) r.add(`k${i}`, 0, true, 17, new Uint8Array(8), i, i);
    expect(r.size).toBe(10);
    expect(stats.get('net.ip_fragment_evicted')).toBe(40);
    // The newest survived: completing it works.
    expect(r.add('k49', 8, false, 17, new Uint8Array(4), 51, 51)?.data.length).toBe(12);
  });

  it('caps buffered bytes', () => {
    const stats = new Stats();
    const r = new IpReassembler(stats, { maxBytes: 10_000 });
    for (let i = 0; i < 100; i++) r.add(`k${i}`, 0, true, 17, new Uint8Array(1000), i, i);
    expect(r.bufferedBytes).toBeLessThanOrEqual(10_000);
    expect(stats.get('net.ip_fragment_evicted')).toBe(90);
  });

  it('a single datagram larger than the byte cap is dropped, not kept', () => {
    const stats = new Stats();
    const r = new IpReassembler(stats, { maxBytes: 1000 });
    r.add('k', 0, true, 17, new Uint8Array(1600), 1, 1);
    expect(r.size).toBe(0);
    expect(r.bufferedBytes).toBe(0);
  });

  it('many never-completed datagrams over a long capture stay bounded by the timeout', () => {
    const stats = new Stats();
    const r = new IpReassembler(stats, { timeoutUs: 1_000_000 });
    for (let i = 0; i < 10_000; i++) r.add(`k${i}`, 0, true, 17, new Uint8Array(8), i, i * 10_000);
    expect(r.size).toBeLessThanOrEqual(101);
    expect(stats.get('net.ip_fragment_timeout')).toBeGreaterThan(9_800);
  });
});
