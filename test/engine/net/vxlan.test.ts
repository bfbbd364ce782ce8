// VXLAN (RFC 7348) on UDP 4789: the header check and parser, and inner Ethernet frames
// through the whole decoder, built with the packet builder.
import { describe, expect, it } from 'vitest';
import { ascii, ethernet, ipv4, ipv6, udp, vxlan } from '../../../shared/engine/capture/packet_builder.ts';
import { ETHERTYPE_TEB } from '../../../shared/engine/net/link_types.ts';
import { NET } from '../../../shared/engine/net/net_stats.ts';
import { isVxlan, parseVxlan } from '../../../shared/engine/net/vxlan.ts';
import type { L4Segment } from '../../../shared/model/packet.ts';
import { expectEveryCutCounted, expectFlipsNeverThrow } from './cut_checks.ts';
import { decodeFrames, statMap, text } from './helpers.ts';

const SIP = ascii('OPTIONS sip:a@example.com SIP/2.0\r\nContent-Length: 0\r\n\r\n');
const VM4 = { src: '192.168.10.5', dst: '192.168.10.6' };
const inner4 = (): Uint8Array => ethernet({ type: 0x0800 }, ipv4({ ...VM4, proto: 17 }, udp(5060, 5080, SIP)));
const inner6 = (): Uint8Array => ethernet({ type: 0x86dd, vlans: [12] }, ipv6({ src: 'fd00::5', dst: 'fd00::6', nextHeader: 17 }, udp(5060, 5080, SIP)));
/** A VXLAN datagram between two VTEPs, on the underlay. */
const onWire = (payload: Uint8Array, sport = 51234, dport = 4789): Uint8Array =>
  ethernet({ type: 0x0800 }, ipv4({ src: '10.30.0.1', dst: '10.30.0.2', proto: 17 }, udp(sport, dport, payload)));

function one(frame: Uint8Array): L4Segment {
  const d = decodeFrames(1, [frame]);
  expect(d.stats.list()).toEqual([]);
  expect(d.segs).toHaveLength(1);
  return d.segs[0];
}

describe('parseVxlan', () => {
  it('8-byte header, then an Ethernet frame', () => {
    const v = vxlan(0xabcdef, inner4());
    expect(Array.from(v.subarray(0, 8))).toEqual([0x08, 0, 0, 0, 0xab, 0xcd, 0xef, 0]);
    const out = { next: -1, off: -1, end: -1 };
    expect(isVxlan(v, 0, v.length)).toBe(true);
    expect(parseVxlan(v, 0, v.length, out)).toBeNull();
    expect(out).toEqual({ next: ETHERTYPE_TEB, off: 8, end: v.length });
  });

  it('the I flag is required; the Group Policy G bit is allowed; RTP is not VXLAN', () => {
    expect(isVxlan(Uint8Array.of(0x88), 0, 1)).toBe(true); // VXLAN-GBP: G | I
    for (const first of [0x00, 0x0c, 0x80, 0x90, 0x18]) expect(isVxlan(Uint8Array.of(first), 0, 1)).toBe(false);
    expect(isVxlan(new Uint8Array(0), 0, 0)).toBe(false);
  });

  it('a header cut short is counted', () => {
    const out = { next: -1, off: -1, end: -1 };
    expect(parseVxlan(Uint8Array.of(0x08, 0, 0, 0, 0, 0), 0, 6, out)).toBe(NET.truncatedVxlan);
  });
});

describe('VXLAN through the decoder', () => {
  it('inner Ethernet with IPv4: the overlay addresses, tunnel recorded', () => {
    const s = one(onWire(vxlan(5001, inner4())));
    expect(s).toMatchObject({ ipVersion: 4, ...VM4, proto: 'udp', srcPort: 5060, dstPort: 5080, tunnels: ['vxlan'], vlans: [] });
    expect(text(s.payload)).toBe(text(SIP));
  });

  it('inner VLAN tag and IPv6; VXLAN on port 4789 as the source port too', () => {
    const s = one(onWire(vxlan(1, inner6()), 4789, 40000));
    expect(s).toMatchObject({ ipVersion: 6, src: 'fd00::5', dst: 'fd00::6', tunnels: ['vxlan'], vlans: [12] });
  });

  it('over an IPv6 underlay', () => {
    const frame = ethernet({ type: 0x86dd }, ipv6({ src: '2001:db8::a', dst: '2001:db8::b', nextHeader: 17 }, udp(50000, 4789, vxlan(7, inner4()))));
    expect(one(frame)).toMatchObject({ ...VM4, tunnels: ['vxlan'] });
  });

  it('RTP negotiated onto port 4789 stays plain UDP', () => {
    const rtp = Uint8Array.of(0x80, 0x00, 0, 1, 0, 0, 0, 160, 0xca, 0xfe, 0, 1, ...new Uint8Array(160));
    const s = one(onWire(rtp, 40000, 4789));
    expect(s).toMatchObject({ src: '10.30.0.1', dstPort: 4789, tunnels: [] });
    expect(s.payload).toEqual(rtp);
  });

  it('a VXLAN header cut short, or an inner frame that is not IP, is counted', () => {
    const d = decodeFrames(1, [onWire(Uint8Array.of(0x08, 0, 0, 0, 0)), onWire(vxlan(1, ethernet({ type: 0x0806 }, new Uint8Array(28))))]);
    expect(d.segs).toEqual([]);
    expect(statMap(d.stats)).toEqual({ 'net.truncated_vxlan': 1, 'net.non_ip': 1 });
  });

  it('VXLAN in VXLAN is bounded by the nesting limit', () => {
    let frame = inner4();
    for (let i = 0; i < 20; i++) frame = onWire(vxlan(i, frame));
    const d = decodeFrames(1, [frame]);
    expect(d.segs).toEqual([]);
    expect(statMap(d.stats)).toEqual({ 'net.too_many_layers': 1 });
  });

  it('cut at every byte offset: counted, nothing emitted, never thrown', () => {
    expectEveryCutCounted(1, onWire(vxlan(5001, inner4())));
  });

  it('byte flips never throw', () => {
    expectFlipsNeverThrow(1, [onWire(vxlan(5001, inner4())), onWire(vxlan(5002, inner6()))], 4789);
  });
});
