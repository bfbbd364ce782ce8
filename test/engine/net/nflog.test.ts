// NFLOG records (LINKTYPE_NFLOG 239): the TLV walk in either host byte order, the payload's
// IP version from the family or the header, and records through the whole decoder.
import { describe, expect, it } from 'vitest';
import { ascii, ipv4, ipv6, nflog, udp } from '../../../shared/engine/capture/packet_builder.ts';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, LINKTYPE_NFLOG } from '../../../shared/engine/net/link_types.ts';
import { NET } from '../../../shared/engine/net/net_stats.ts';
import { parseNflog } from '../../../shared/engine/net/nflog.ts';
import { PacketDecoder } from '../../../shared/engine/net/packet_decoder.ts';
import type { L4Segment } from '../../../shared/model/packet.ts';
import { Stats } from '../../../shared/model/stats.ts';
import { expectEveryCutCounted, expectFlipsNeverThrow } from './cut_checks.ts';
import { decodeFrames, pkt, statMap, text } from './helpers.ts';

const SIP = ascii('OPTIONS sip:a@example.com SIP/2.0\r\nContent-Length: 0\r\n\r\n');
const V4 = { src: '192.0.2.10', dst: '198.51.100.20' };
const u4 = (p = SIP): Uint8Array => ipv4({ ...V4, proto: 17 }, udp(5060, 5080, p));
const u6 = (): Uint8Array => ipv6({ src: '2001:db8::10', dst: '2001:db8::20', nextHeader: 17 }, udp(5060, 5080, SIP));
/** What the kernel puts before the payload: packet header, prefix (odd length: padded), UID. */
const TLVS = [
  { type: 1, value: Uint8Array.of(0x08, 0x00, 3, 0) },
  { type: 10, value: ascii('voip\0') },
  { type: 11, value: Uint8Array.of(0, 0, 0x03, 0xe8) },
];

function one(frame: Uint8Array): L4Segment {
  const d = decodeFrames(LINKTYPE_NFLOG, [frame]);
  expect(d.stats.list()).toEqual([]);
  expect(d.segs).toHaveLength(1);
  return d.segs[0];
}

describe('parseNflog', () => {
  const out = { next: -1, off: -1, end: -1 };

  it('walks padded TLVs to the payload, little-endian and big-endian', () => {
    for (const bigEndian of [false, true]) {
      const r = nflog({ family: 2, resourceId: 5, tlvs: TLVS, bigEndian }, u4());
      expect(parseNflog(r, 0, r.length, out)).toBeNull();
      // 4 header + 8 packet hdr + 12 prefix (9 padded) + 8 uid + 4 payload TLV header
      expect(out.off).toBe(36);
      expect(out.next).toBe(ETHERTYPE_IPV4);
      expect(r.subarray(out.off, out.end)).toEqual(u4());
    }
  });

  it('the payload TLV length bounds the payload (its padding is not payload)', () => {
    const ip = u4(ascii('x')); // 29 bytes: 3 bytes of TLV padding follow
    const r = nflog({ family: 2 }, ip);
    expect(r.length).toBe(4 + 4 + 32);
    expect(parseNflog(r, 0, r.length, out)).toBeNull();
    expect(out.end - out.off).toBe(ip.length);
  });

  it('IP version from the family (AF_INET 2, AF_INET6 10), else from the IP header', () => {
    let r = nflog({ family: 10, tlvs: TLVS }, u6());
    expect(parseNflog(r, 0, r.length, out)).toBeNull();
    expect(out.next).toBe(ETHERTYPE_IPV6);
    for (const [ip, want] of [[u4(), ETHERTYPE_IPV4], [u6(), ETHERTYPE_IPV6]] as const) {
      r = nflog({ family: 0 }, ip); // AF_UNSPEC / bridge: the version nibble decides
      expect(parseNflog(r, 0, r.length, out)).toBeNull();
      expect(out.next).toBe(want);
    }
    r = nflog({ family: 7 }, Uint8Array.of(0x12, 0, 0, 0));
    expect(parseNflog(r, 0, r.length, out)).toBe(NET.badIpVersion);
  });

  it('no payload TLV, a version other than 0, a TLV length below 4 or past the record', () => {
    let r = nflog({ family: 2, tlvs: TLVS }, u4()).subarray(0, 32); // the TLVs before the payload only
    expect(parseNflog(r, 0, r.length, out)).toBe(NET.nflogNoPayload);
    r = nflog({ family: 2 }, u4());
    r[1] = 1;
    expect(parseNflog(r, 0, r.length, out)).toBe(NET.truncatedNflog);
    r = nflog({ family: 2, tlvs: TLVS }, u4());
    r[4] = 2; // first TLV length 2
    expect(parseNflog(r, 0, r.length, out)).toBe(NET.truncatedNflog);
    r = nflog({ family: 2, tlvs: TLVS }, u4());
    r[4] = 0xff; r[5] = 0x7f; // first TLV runs past the record
    expect(parseNflog(r, 0, r.length, out)).toBe(NET.truncatedNflog);
    expect(parseNflog(r, 0, 3, out)).toBe(NET.truncatedNflog);
  });
});

describe('NFLOG through the decoder', () => {
  it('IPv4 and IPv6 payloads', () => {
    const a = one(nflog({ family: 2, resourceId: 5, tlvs: TLVS }, u4()));
    expect(a).toMatchObject({ ipVersion: 4, ...V4, srcPort: 5060, dstPort: 5080, tunnels: [] });
    expect(text(a.payload)).toBe(text(SIP));
    expect(one(nflog({ family: 10, tlvs: TLVS, bigEndian: true }, u6()))).toMatchObject({ ipVersion: 6, src: '2001:db8::10' });
  });

  it('records without a payload are counted', () => {
    const d = decodeFrames(LINKTYPE_NFLOG, [nflog({ family: 2, tlvs: TLVS }, u4()).subarray(0, 32)]);
    expect(d.segs).toEqual([]);
    expect(statMap(d.stats)).toEqual({ 'net.nflog_no_payload': 1 });
  });

  it('a record the snap length cut before its payload TLV counts as cut', () => {
    const full = nflog({ family: 2, tlvs: TLVS }, u4());
    const stats = new Stats();
    new PacketDecoder(stats).decode(pkt(LINKTYPE_NFLOG, full.subarray(0, 32), 1, 0, full.length), () => { throw new Error('emitted'); });
    expect(statMap(stats)).toEqual({ 'net.snaplen_cut': 1 });
  });

  it('a payload cut by the snap length is emitted truncated when asked', () => {
    const rtp = Uint8Array.of(0x80, 0x12, 0, 1, 0, 0, 0, 160, 0xca, 0xfe, 0, 1, ...new Uint8Array(160));
    const full = nflog({ family: 2, tlvs: TLVS }, ipv4({ ...V4, proto: 17 }, udp(40000, 50000, rtp)));
    const stats = new Stats();
    const got: L4Segment[] = [];
    new PacketDecoder(stats, { emitSnaplenCut: true }).decode(pkt(LINKTYPE_NFLOG, full.subarray(0, 96), 1, 0, full.length), (s) => got.push(s));
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ srcPort: 40000, truncated: true });
    expect(statMap(stats)).toEqual({ 'net.snaplen_cut': 1 });
  });

  it('cut at every byte offset: counted, nothing emitted, never thrown', () => {
    const ip = u4(); // the last TLV's padding follows the datagram: cuts in it lose nothing
    const r = nflog({ family: 2, tlvs: TLVS }, ip);
    expectEveryCutCounted(LINKTYPE_NFLOG, r, 36 + ip.length);
    expectEveryCutCounted(LINKTYPE_NFLOG, nflog({ family: 0, bigEndian: true }, u6()), 8 + u6().length);
  });

  it('byte flips never throw', () => {
    expectFlipsNeverThrow(LINKTYPE_NFLOG, [nflog({ family: 2, tlvs: TLVS }, u4()), nflog({ family: 10, bigEndian: true, tlvs: TLVS }, u6())], 239);
  });
});
