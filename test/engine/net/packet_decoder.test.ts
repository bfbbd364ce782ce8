// Every link layer, tunnel and transport the decoder supports, built with the packet
// builder and decoded back: the L4Segment must carry the right addresses, ports, payload,
// VLANs and tunnels.
import { describe, expect, it } from 'vitest';
import {
  ascii, erspanI, erspanII, erspanIII, ethernet, gre, ipv4, ipv6, nullLoopback, pppoeSession, raw,
  sctp, sll, sll2, tcp, udp,
} from '../../../shared/engine/capture/packet_builder.ts';
import { PacketDecoder } from '../../../shared/engine/net/packet_decoder.ts';
import { TCP_ACK, TCP_PSH, TCP_SYN } from '../../../shared/model/packet.ts';
import { Stats } from '../../../shared/model/stats.ts';
import { decodeFrames, statMap, text } from './helpers.ts';

const SIP = ascii('OPTIONS sip:a@example.com SIP/2.0\r\nContent-Length: 0\r\n\r\n');
const V4 = { src: '192.0.2.10', dst: '198.51.100.20' };
const V6 = { src: '2001:db8::10', dst: '2001:db8:0:1::20' };
const udp4 = (): Uint8Array => ipv4({ ...V4, proto: 17 }, udp(5060, 5080, SIP));
const udp6 = (): Uint8Array => ipv6({ ...V6, nextHeader: 17 }, udp(5060, 5080, SIP));

function one(linkType: number, frame: Uint8Array) {
  const d = decodeFrames(linkType, [frame]);
  expect(d.stats.list()).toEqual([]);
  expect(d.segs).toHaveLength(1);
  return d.segs[0];
}

function expectSip4(s: ReturnType<typeof one>): void {
  expect(s).toMatchObject({ ipVersion: 4, src: V4.src, dst: V4.dst, proto: 'udp', srcPort: 5060, dstPort: 5080 });
  expect(text(s.payload)).toBe(text(SIP));
}

function expectSip6(s: ReturnType<typeof one>): void {
  expect(s).toMatchObject({ ipVersion: 6, src: '2001:db8::10', dst: '2001:db8:0:1::20', proto: 'udp', srcPort: 5060, dstPort: 5080 });
  expect(text(s.payload)).toBe(text(SIP));
}

describe('link layers', () => {
  it('Ethernet II, untagged, IPv4 and IPv6', () => {
    const a = one(1, ethernet({ type: 0x0800 }, udp4()));
    expectSip4(a);
    expect(a.vlans).toEqual([]);
    expect(a.tunnels).toEqual([]);
    expect(a.frame).toBe(1);
    expectSip6(one(1, ethernet({ type: 0x86dd }, udp6())));
  });

  it('Ethernet padding after a short IPv4 datagram is not payload', () => {
    const small = ipv4({ ...V4, proto: 17 }, udp(1, 2, ascii('hi')));
    const frame = new Uint8Array(60);
    frame.set(ethernet({ type: 0x0800 }, small));
    frame.fill(0xee, 14 + small.length);
    const s = one(1, frame);
    expect(text(s.payload)).toBe('hi');
  });

  it('802.1Q single tag', () => {
    const s = one(1, ethernet({ type: 0x0800, vlans: [100] }, udp4()));
    expectSip4(s);
    expect(s.vlans).toEqual([100]);
  });

  it('802.1ad QinQ (0x88a8 outer, 0x8100 inner) and old 0x9100', () => {
    const s = one(1, ethernet({ type: 0x0800, vlans: [{ tpid: 0x88a8, vid: 10, pcp: 5 }, { vid: 4094 }] }, udp4()));
    expectSip4(s);
    expect(s.vlans).toEqual([10, 4094]);
    const t = one(1, ethernet({ type: 0x86dd, vlans: [{ tpid: 0x9100, vid: 7 }, { tpid: 0x8100, vid: 8 }] }, udp6()));
    expectSip6(t);
    expect(t.vlans).toEqual([7, 8]);
  });

  it('Linux SLL (113) and SLL2 (276), IPv4 and IPv6', () => {
    expectSip4(one(113, sll(0x0800, udp4())));
    expectSip6(one(113, sll(0x86dd, udp6())));
    expectSip4(one(276, sll2(0x0800, udp4())));
    expectSip6(one(276, sll2(0x86dd, udp6())));
  });

  it('SLL with a VLAN tag left in the payload', () => {
    const tagged = Uint8Array.from([0x00, 0x2a, 0x08, 0x00, ...udp4()]);
    const s = one(113, sll(0x8100, tagged));
    expectSip4(s);
    expect(s.vlans).toEqual([42]);
  });

  it('RAW (101, 12, 14), IPV4 (228), IPV6 (229)', () => {
    for (const lt of [101, 12, 14]) {
      expectSip4(one(lt, raw(udp4())));
      expectSip6(one(lt, raw(udp6())));
    }
    expectSip4(one(228, udp4()));
    expectSip6(one(229, udp6()));
  });

  it('NULL (0) and LOOP (108), family in either byte order, every AF_INET6 value', () => {
    for (const lt of [0, 108]) {
      for (const be of [false, true]) {
        expectSip4(one(lt, nullLoopback(2, udp4(), be)));
        for (const af6 of [10, 24, 28, 30]) expectSip6(one(lt, nullLoopback(af6, udp6(), be)));
      }
    }
  });

  it('PPPoE session, IPv4 (0x0021) and IPv6 (0x0057), also behind a VLAN', () => {
    const a = one(1, ethernet({ type: 0x8864 }, pppoeSession(0x0021, udp4())));
    expectSip4(a);
    expect(a.tunnels).toEqual(['pppoe']);
    const b = one(1, ethernet({ type: 0x8864, vlans: [300] }, pppoeSession(0x0057, udp6())));
    expectSip6(b);
    expect(b.vlans).toEqual([300]);
  });

  it('non-IP link payloads are counted, not emitted', () => {
    const d = decodeFrames(1, [
      ethernet({ type: 0x0806 }, new Uint8Array(28)), // ARP
      ethernet({ type: 0x8864 }, pppoeSession(0xc021, new Uint8Array(8))), // LCP
      ethernet({ type: 0x0040 }, new Uint8Array(64)), // 802.3 length
    ]);
    expect(d.segs).toEqual([]);
    expect(statMap(d.stats)).toEqual({ 'net.non_ip': 2, 'net.pppoe_non_ip': 1 });
  });

  it('unknown link type and unknown loopback family are counted', () => {
    const d = decodeFrames(147, [udp4()]);
    expect(statMap(d.stats)).toEqual({ 'net.unknown_linktype': 1 });
    const e = decodeFrames(0, [nullLoopback(7, udp4())]);
    expect(statMap(e.stats)).toEqual({ 'net.unknown_loopback_family': 1 });
  });
});

describe('IP layers', () => {
  it('IPv4 with options', () => {
    const p = ipv4({ ...V4, proto: 17, options: Uint8Array.of(0x94, 0x04, 0, 0, 0x01, 0x01, 0x01) }, udp(5060, 5080, SIP));
    expect(p[0] & 0x0f).toBe(7); // 20 + 7 option bytes padded to 8
    expectSip4(one(101, p));
  });

  it('IPv4 total length 0 (TSO) uses the captured length and counts it', () => {
    const d = decodeFrames(101, [ipv4({ ...V4, proto: 17, totalLength: 0 }, udp(5060, 5080, SIP))]);
    expect(d.segs).toHaveLength(1);
    expect(text(d.segs[0].payload)).toBe(text(SIP));
    expect(statMap(d.stats)).toEqual({ 'net.ipv4_tso_length': 1 });
  });

  it('IPv6 extension headers: hop-by-hop, routing, destination, AH', () => {
    const p = ipv6({
      ...V6, nextHeader: 17,
      ext: [{ type: 'hop', data: new Uint8Array(6) }, { type: 'routing', data: new Uint8Array(12) }, { type: 'ah' }, { type: 'dst', data: new Uint8Array(14) }],
    }, udp(5060, 5080, SIP));
    expectSip6(one(101, p));
  });

  it('IPv4 with AH (RFC 4302) before UDP', () => {
    const ah = Uint8Array.from([17, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expectSip4(one(101, ipv4({ ...V4, proto: 51 }, Uint8Array.from([...ah, ...udp(5060, 5080, SIP)]))));
  });

  it('ESP, ICMP and no-next-header are counted and skipped', () => {
    const d = decodeFrames(101, [
      ipv4({ ...V4, proto: 50 }, new Uint8Array(40)),
      ipv4({ ...V4, proto: 1 }, new Uint8Array(8)),
      ipv6({ ...V6, nextHeader: 59 }, new Uint8Array(0)),
    ]);
    expect(d.segs).toEqual([]);
    expect(statMap(d.stats)).toEqual({ 'net.ip_esp': 1, 'net.ip_other_proto': 2 });
  });

  it('bad IP version and IHL are counted', () => {
    const bad = udp4(); bad[0] = 0x55;
    const ihl = udp4(); ihl[0] = 0x44;
    const d = decodeFrames(101, [bad, ihl]);
    expect(statMap(d.stats)).toEqual({ 'net.bad_ip_version': 1, 'net.bad_ipv4': 1 });
  });
});

describe('tunnels', () => {
  it('IP-in-IP: IPv4 in IPv4 (proto 4), IPv6 in IPv4 (proto 41), IPv4 in IPv6', () => {
    const a = one(1, ethernet({ type: 0x0800 }, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 4 }, udp4())));
    expectSip4(a);
    expect(a.tunnels).toEqual(['ipip']);
    const b = one(1, ethernet({ type: 0x0800 }, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 41 }, udp6())));
    expectSip6(b);
    expect(b.tunnels).toEqual(['ip6ip']);
    const c = one(101, ipv6({ src: 'fd00::1', dst: 'fd00::2', nextHeader: 4 }, udp4()));
    expectSip4(c);
    expect(c.tunnels).toEqual(['ipip']);
  });

  it('plain GRE with IPv4 and IPv6 payloads, with checksum/key/sequence fields', () => {
    const outer = (g: Uint8Array): Uint8Array => ethernet({ type: 0x0800 }, ipv4({ src: '10.1.1.1', dst: '10.1.1.2', proto: 47 }, g));
    const a = one(1, outer(gre({ proto: 0x0800 }, udp4())));
    expectSip4(a);
    expect(a.tunnels).toEqual(['gre']);
    expectSip6(one(1, outer(gre({ proto: 0x86dd, checksum: true, key: 5, seq: 9 }, udp6()))));
  });

  it('GRE transparent Ethernet bridging (0x6558) with a tagged inner frame', () => {
    const inner = ethernet({ type: 0x0800, vlans: [55] }, udp4());
    const s = one(1, ethernet({ type: 0x0800 }, ipv4({ src: '10.1.1.1', dst: '10.1.1.2', proto: 47 }, gre({ proto: 0x6558, key: 0 }, inner))));
    expectSip4(s);
    expect(s.tunnels).toEqual(['gre', 'teb']);
    expect(s.vlans).toEqual([55]);
  });

  it('ERSPAN type I, II and III (with and without sub-header, FT=IP)', () => {
    const inner = ethernet({ type: 0x0800 }, udp4());
    const wrap = (g: Uint8Array): Uint8Array => ethernet({ type: 0x0800, vlans: [9] }, ipv4({ src: '10.9.9.1', dst: '10.9.9.2', proto: 47 }, g));
    for (const g of [erspanI(inner), erspanII(inner, { session: 3, vlan: 12 }), erspanIII(inner), erspanIII(inner, { subHeader: true })]) {
      const s = one(1, wrap(g));
      expectSip4(s);
      expect(s.tunnels).toEqual(['gre', 'erspan']);
      expect(s.vlans).toEqual([9]);
    }
    const ip = one(1, wrap(erspanIII(udp6(), { frameType: 2 })));
    expectSip6(ip);
  });

  it('ERSPAN over IPv6 outer', () => {
    const s = one(1, ethernet({ type: 0x86dd }, ipv6({ src: 'fd00::9', dst: 'fd00::a', nextHeader: 47 }, erspanII(ethernet({ type: 0x86dd }, udp6())))));
    expectSip6(s);
    expect(s.tunnels).toEqual(['gre', 'erspan']);
  });

  it('unsupported GRE (PPTP version 1) is counted', () => {
    const g = gre({ proto: 0x880b }, new Uint8Array(8)); g[1] = 1;
    const d = decodeFrames(101, [ipv4({ ...V4, proto: 47 }, g)]);
    expect(statMap(d.stats)).toEqual({ 'net.gre_unsupported': 1 });
  });

  it('nesting depth is bounded', () => {
    let p = udp4();
    for (let i = 0; i < 30; i++) p = ipv4({ ...V4, proto: 4 }, p);
    const d = decodeFrames(101, [p]);
    expect(d.segs).toEqual([]);
    expect(statMap(d.stats)).toEqual({ 'net.too_many_layers': 1 });
  });
});

describe('transports', () => {
  it('TCP: ports, seq/ack/flags, options skipped, payload view', () => {
    const seg = tcp({ srcPort: 40000, dstPort: 5060, seq: 0xfffffff0, ack: 0x80000001, flags: TCP_ACK | TCP_PSH, options: Uint8Array.of(1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2) }, SIP);
    const s = one(1, ethernet({ type: 0x0800 }, ipv4({ ...V4, proto: 6 }, seg)));
    expect(s).toMatchObject({ proto: 'tcp', srcPort: 40000, dstPort: 5060, tcp: { seq: 0xfffffff0, ack: 0x80000001, flags: TCP_ACK | TCP_PSH } });
    expect(text(s.payload)).toBe(text(SIP));
    const syn = one(101, ipv6({ ...V6, nextHeader: 6 }, tcp({ srcPort: 1, dstPort: 2, seq: 5, flags: TCP_SYN }, new Uint8Array(0))));
    expect(syn.payload.length).toBe(0);
    expect(syn.tcp).toEqual({ seq: 5, ack: 0, flags: TCP_SYN });
  });

  it('payloads are zero-copy views into the packet', () => {
    const frame = ethernet({ type: 0x0800 }, udp4());
    let view: Uint8Array | undefined;
    const decoder = new PacketDecoder(new Stats());
    decoder.decode({ frame: 1, tsUs: 0, linkType: 1, buf: frame, off: 0, capLen: frame.length, origLen: frame.length, interfaceId: 0 }, (s) => { view = s.payload; });
    expect(view?.buffer).toBe(frame.buffer);
    expect(view?.byteOffset).toBe(frame.length - SIP.length);
  });

  it('a packet in the middle of a larger buffer (as the capture reader hands it out) decodes the same on every link layer', () => {
    // The reader passes its chunk and the record's offset, not a view: every link parser must
    // start at `off` and stop at `off + capLen`, never at 0 or the end of the buffer.
    const frames: [number, Uint8Array][] = [
      [1, ethernet({ type: 0x0800, vlans: [7] }, udp4())],
      [113, sll(0x86dd, udp6())],
      [276, sll2(0x0800, udp4())],
      [0, nullLoopback(2, udp4())],
      [101, raw(udp6())],
      [228, udp4()],
      [1, ethernet({ type: 0x0800 }, ipv4({ ...V4, proto: 47 }, gre({ proto: 0x86dd }, udp6())))],
    ];
    for (const reuseSegments of [false, true]) {
      for (const [linkType, frame] of frames) {
        const seen = (buf: Uint8Array, off: number) => {
          const out: { src: string; dst: string; srcPort: number; dstPort: number; payload: string; range: string; tunnels: string[]; vlans: number[] }[] = [];
          new PacketDecoder(new Stats(), { reuseSegments }).decode(
            { frame: 1, tsUs: 0, linkType, buf, off, capLen: frame.length, origLen: frame.length, interfaceId: 0 },
            (x) => out.push({
              src: x.src, dst: x.dst, srcPort: x.srcPort, dstPort: x.dstPort, payload: text(x.payload),
              range: text(x.buf.subarray(x.payloadOff, x.payloadEnd)), tunnels: [...x.tunnels], vlans: [...x.vlans],
            }),
          );
          return out;
        };
        const alone = seen(frame, 0);
        expect(alone, `link type ${linkType}`).toHaveLength(1);
        expect(alone[0].payload).toBe(text(SIP));
        expect(alone[0].range).toBe(text(SIP));
        // Bytes of the neighbouring records on both sides (here: copies of the frame itself).
        const big = new Uint8Array(37 + frame.length + 41).fill(0x45);
        big.set(frame.subarray(0, 37), 0);
        big.set(frame, 37);
        big.set(frame.subarray(0, 41), 37 + frame.length);
        expect(seen(big, 37), `link type ${linkType} at an offset`).toEqual(alone);
      }
    }
  });

  it('SCTP: one segment per DATA chunk, other chunks skipped, padding honoured', () => {
    const p = sctp(5060, 5061, [
      { type: 3, data: new Uint8Array(12) }, // SACK
      { data: ascii('INVITE'), tsn: 1 }, // 6 bytes → padded
      { data: SIP, tsn: 2, streamId: 1, ppid: 0 },
    ]);
    const d = decodeFrames(113, [sll(0x0800, ipv4({ ...V4, proto: 132 }, p))]);
    expect(d.stats.list()).toEqual([]);
    expect(d.segs.map((s) => [s.proto, s.srcPort, s.dstPort, text(s.payload)])).toEqual([
      ['sctp', 5060, 5061, 'INVITE'],
      ['sctp', 5060, 5061, text(SIP)],
    ]);
  });

  it('SCTP bad chunk length is counted; chunks before it are still emitted', () => {
    const p = sctp(1, 2, [{ data: ascii('ok') }, { data: ascii('lost') }]);
    const bad = Uint8Array.from(p);
    bad[12 + 20 + 2] = 0; bad[12 + 20 + 3] = 2; // second chunk length 2 (< 4)
    const d = decodeFrames(101, [ipv4({ ...V4, proto: 132 }, bad)]);
    expect(d.segs.map((s) => text(s.payload))).toEqual(['ok']);
    expect(statMap(d.stats)).toEqual({ 'net.truncated_sctp': 1 });
  });

  it('SCTP fragmented user message (RFC 9260 §6.9): reassembled across packets, in and out of order', () => {
    const msg = 'INVITE sip:b SIP/2.0\r\nContent-Type: multipart/mixed\r\n\r\n' + 'x'.repeat(100);
    const parts = [msg.slice(0, 30), msg.slice(30, 80), msg.slice(80)];
    const flags = [0x06, 0x04, 0x05]; // U|B, U, U|E (unordered bit set, as in the corpus capture)
    const frames = parts.map((p, i) => ipv4({ ...V4, proto: 132 }, sctp(5060, 5060, [{ data: ascii(p), tsn: 0xffffffff + i, flags: flags[i], streamId: 2 }])));
    for (const order of [[0, 1, 2], [2, 0, 1], [1, 2, 0]]) {
      const d = decodeFrames(101, order.map((i) => frames[i]));
      expect(d.segs.map((s) => [s.frame, text(s.payload)])).toEqual([[3, msg]]);
      expect(statMap(d.stats)).toEqual({ 'net.sctp_reassembled': 1 });
    }
    // Fragments of another stream or association never mix in; leftovers are counted at end().
    const other = ipv4({ ...V4, proto: 132 }, sctp(5060, 5060, [{ data: ascii(parts[1]), tsn: 0, flags: 0, streamId: 3 }]));
    const d = decodeFrames(101, [frames[0], other, frames[1], frames[2]]);
    expect(d.segs.map((s) => text(s.payload))).toEqual([msg]);
    d.decoder.end();
    expect(statMap(d.stats)).toEqual({ 'net.sctp_reassembled': 1, 'net.sctp_fragment_dropped': 1 });
  });

  it('UDP length beyond the IP payload is counted as truncated', () => {
    const u = udp(1, 2, SIP); u[4] = 0xff;
    const d = decodeFrames(101, [ipv4({ ...V4, proto: 17 }, u)]);
    expect(statMap(d.stats)).toEqual({ 'net.truncated_udp': 1 });
  });
});

describe('snap length cuts', () => {
  const full = ethernet({ type: 0x0800 }, udp4());
  const cut = full.slice(0, 14 + 20 + 8 + 12);

  it('skipped and counted by default', () => {
    const stats = new Stats();
    const d = new PacketDecoder(stats);
    const got: number[] = [];
    d.decode({ frame: 1, tsUs: 0, linkType: 1, buf: cut, off: 0, capLen: cut.length, origLen: full.length, interfaceId: 0 }, (s) => got.push(s.payload.length));
    expect(got).toEqual([]);
    expect(stats.get('net.snaplen_cut')).toBe(1);
  });

  it('emitted with the captured bytes when emitSnaplenCut is set', () => {
    const stats = new Stats();
    const d = new PacketDecoder(stats, { emitSnaplenCut: true });
    const got: number[] = [];
    d.decode({ frame: 1, tsUs: 0, linkType: 1, buf: cut, off: 0, capLen: cut.length, origLen: full.length, interfaceId: 0 }, (s) => got.push(s.payload.length));
    expect(got).toEqual([12]);
    expect(stats.get('net.snaplen_cut')).toBe(1);
  });

  it('a datagram longer than the frame without a snaplen cut is corrupt, not cut', () => {
    const stats = new Stats();
    new PacketDecoder(stats, { emitSnaplenCut: true }).decode({ frame: 1, tsUs: 0, linkType: 1, buf: cut, off: 0, capLen: cut.length, origLen: cut.length, interfaceId: 0 }, () => { throw new Error('emitted'); });
    expect(stats.get('net.truncated_ipv4')).toBe(1);
  });
});

