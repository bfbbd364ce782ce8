// Hostile input: every layered packet cut at every byte offset, and random corruption,
// must never throw; cuts must be counted (not silently dropped) and never emit garbage.
import { describe, expect, it } from 'vitest';
import {
  ascii, erspanII, erspanIII, ethernet, gre, ipv4, ipv4Fragments, ipv6, nullLoopback, pppoeSession, sctp, sll, sll2, tcp, udp,
} from '../../../shared/engine/capture/packet_builder.ts';
import { PacketDecoder } from '../../../shared/engine/net/packet_decoder.ts';
import type { L4Segment } from '../../../shared/model/packet.ts';
import { Stats } from '../../../shared/model/stats.ts';
import { pkt } from './helpers.ts';

const SIP = ascii('BYE sip:x SIP/2.0\r\n\r\n');
const V4 = { src: '10.0.0.1', dst: '10.0.0.2' };
const V6 = { src: 'fd00::1', dst: 'fd00::2' };

const layered: [string, number, Uint8Array][] = [
  ['eth qinq ipv4 udp', 1, ethernet({ type: 0x0800, vlans: [{ tpid: 0x88a8, vid: 1 }, 2] }, ipv4({ ...V4, proto: 17 }, udp(1, 2, SIP)))],
  ['eth pppoe ipv6 ext tcp', 1, ethernet({ type: 0x8864 }, pppoeSession(0x57, ipv6({ ...V6, nextHeader: 6, ext: [{ type: 'hop' }, { type: 'ah' }] }, tcp({ srcPort: 1, dstPort: 2, seq: 1, flags: 0x18, options: new Uint8Array(8) }, SIP))))],
  ['eth ipv4 gre erspanII eth vlan ipv4 udp', 1, ethernet({ type: 0x0800 }, ipv4({ ...V4, proto: 47 }, erspanII(ethernet({ type: 0x0800, vlans: [5] }, ipv4({ ...V4, proto: 17 }, udp(1, 2, SIP))))))],
  ['eth ipv6 gre erspanIII(sub) eth ipv6 udp', 1, ethernet({ type: 0x86dd }, ipv6({ ...V6, nextHeader: 47 }, erspanIII(ethernet({ type: 0x86dd }, ipv6({ ...V6, nextHeader: 17 }, udp(1, 2, SIP))), { subHeader: true })))],
  ['sll ipv4 ipip ipv4 sctp', 113, sll(0x0800, ipv4({ ...V4, proto: 4 }, ipv4({ ...V4, proto: 132 }, sctp(1, 2, [{ data: SIP }, { data: SIP }]))))],
  ['sll2 ipv4 gre(key,seq,csum) ipv6 udp', 276, sll2(0x0800, ipv4({ ...V4, proto: 47 }, gre({ proto: 0x86dd, key: 1, seq: 2, checksum: true }, ipv6({ ...V6, nextHeader: 17 }, udp(1, 2, SIP)))))],
  ['null ipv4 options ah udp', 0, nullLoopback(2, ipv4({ ...V4, proto: 51, options: new Uint8Array(4) }, Uint8Array.from([17, 4, 0, 0, ...new Uint8Array(20), ...udp(1, 2, SIP)])))],
];

function run(dec: PacketDecoder, linkType: number, data: Uint8Array, origLen: number, out: L4Segment[]): void {
  dec.decode(pkt(linkType, data, 1, 0, origLen), (s) => out.push(s));
}

describe('truncation at every byte offset', () => {
  for (const [name, lt, full] of layered) {
    it(name, () => {
      const stats = new Stats();
      const dec = new PacketDecoder(stats);
      const whole: L4Segment[] = [];
      run(dec, lt, full, full.length, whole);
      expect(whole.length).toBeGreaterThan(0);
      expect(stats.list()).toEqual([]);
      for (let n = 0; n < full.length; n++) {
        const got: L4Segment[] = [];
        const before = stats.list().reduce((a, s) => a + s.count, 0);
        // Both a snaplen cut (origLen = full) and a corrupt short frame (origLen = n).
        expect(() => run(dec, lt, full.subarray(0, n), full.length, got)).not.toThrow();
        expect(() => run(dec, lt, full.subarray(0, n), n, got)).not.toThrow();
        const after = stats.list().reduce((a, s) => a + s.count, 0);
        // Every cut either emitted nothing and was counted, or (SCTP: a later chunk cut)
        // emitted only complete earlier chunks and was still counted.
        expect(after).toBeGreaterThan(before);
        for (const s of got) expect(s.proto).toBe('sctp');
      }
    });
  }
});

/** xorshift32: deterministic so a failure reproduces. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x;
  };
}

describe('random corruption', () => {
  it('byte flips in layered packets never throw', () => {
    const r = rng(12345);
    const stats = new Stats();
    const dec = new PacketDecoder(stats, { fragments: { maxDatagrams: 64, maxBytes: 1 << 16 } });
    const frags = ipv4Fragments({ ...V4, proto: 17 }, udp(1, 2, new Uint8Array(2000)), 512).map((f) => ethernet({ type: 0x0800 }, f));
    const inputs: [number, Uint8Array][] = [...layered.map(([, lt, b]) => [lt, b] as [number, Uint8Array]), ...frags.map((f) => [1, f] as [number, Uint8Array])];
    for (let i = 0; i < 20000; i++) {
      const [lt, base] = inputs[r() % inputs.length];
      const b = Uint8Array.from(base);
      const flips = 1 + (r() % 4);
      for (let k = 0; k < flips; k++) b[r() % b.length] = r() & 0xff;
      const cut = r() % 4 === 0 ? b.subarray(0, r() % b.length) : b;
      expect(() => dec.decode(pkt(lt, cut, i + 1, i * 1000, b.length), () => {})).not.toThrow();
    }
    dec.end();
  });

  it('random bytes on every link type never throw', () => {
    const r = rng(999);
    const dec = new PacketDecoder(new Stats());
    for (const lt of [0, 1, 12, 14, 101, 108, 113, 228, 229, 276]) {
      for (let i = 0; i < 3000; i++) {
        const b = new Uint8Array(r() % 120);
        for (let k = 0; k < b.length; k++) b[k] = r() & 0xff;
        // Give the random bytes a plausible IP start half the time so deeper layers get exercised.
        if (b.length > 1 && i % 2) b[lt === 1 ? Math.min(14, b.length - 1) : 0] = 0x45;
        expect(() => dec.decode(pkt(lt, b, i + 1, i, b.length), () => {})).not.toThrow();
      }
    }
  });
});
