// ICMP / ICMPv6 errors that quote a UDP datagram (shared/engine/net/icmp.ts), and the SIP
// found in such quotes (shared/engine/sip/quoted_sip.ts), from builder-made packets.
import { describe, expect, it } from 'vitest';
import { ascii, icmpv4, icmpv6, ipv4, ipv6, tcp, udp } from '../../../shared/engine/capture/packet_builder.ts';
import { parseQuotedSip } from '../../../shared/engine/sip/quoted_sip.ts';
import type { IcmpInfo } from '../../../shared/model/packet.ts';
import { decodeFrames, statMap, text } from './helpers.ts';

const BYE = ascii([
  'BYE sip:bob@192.0.2.2:5060 SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKq1',
  'From: <sip:alice@example.com>;tag=a1',
  'To: <sip:bob@example.com>;tag=b2',
  'Call-ID: quote-1@example.com',
  'CSeq: 7 BYE',
  'Max-Forwards: 70',
  'Content-Length: 0',
  '', '',
].join('\r\n'));

const A = '192.0.2.1';
const B = '192.0.2.2';
const R = '198.51.100.9'; // a router on the way
const V6A = '2001:db8::1';
const V6B = '2001:db8::2';

const bye4 = ipv4({ src: A, dst: B, proto: 17 }, udp(5060, 5060, BYE));
const bye6 = ipv6({ src: V6A, dst: V6B, nextHeader: 17 }, udp(5060, 5060, BYE));

describe('PacketDecoder: ICMP errors quoting UDP (emitIcmpQuotes)', () => {
  it('emits the quoted datagram of an ICMPv4 port unreachable, with the quoted addresses and the ICMP sender', () => {
    const d = decodeFrames(101, [ipv4({ src: B, dst: A, proto: 1 }, icmpv4(3, 3, bye4))], { emitIcmpQuotes: true });
    expect(d.segs).toHaveLength(1);
    const s = d.segs[0];
    expect([s.proto, s.src, s.srcPort, s.dst, s.dstPort, s.ipVersion]).toEqual(['icmp', A, 5060, B, 5060, 4]);
    expect(s.icmp).toEqual({ type: 3, code: 3, v6: false, from: B, to: A, cut: false });
    expect(text(s.payload)).toBe(text(BYE));
    expect(statMap(d.stats)).toEqual({ 'net.icmp_udp_quote': 1 });
  });

  it('marks a quote cut short of the UDP length (the usual 576-byte limit) as cut', () => {
    const d = decodeFrames(101, [ipv4({ src: R, dst: A, proto: 1 }, icmpv4(11, 0, bye4.subarray(0, 20 + 8 + 100)))], { emitIcmpQuotes: true });
    expect(d.segs[0].icmp).toMatchObject({ type: 11, code: 0, from: R, cut: true });
    expect(d.segs[0].payload.length).toBe(100);
    expect(d.segs[0].truncated).toBe(true);
  });

  it('emits the quoted datagram of an ICMPv6 port unreachable', () => {
    const d = decodeFrames(101, [ipv6({ src: V6B, dst: V6A, nextHeader: 58 }, icmpv6(V6B, V6A, 1, 4, bye6))], { emitIcmpQuotes: true });
    expect(d.segs).toHaveLength(1);
    expect([d.segs[0].src, d.segs[0].dst, d.segs[0].ipVersion]).toEqual([V6A, V6B, 6]);
    expect(d.segs[0].icmp).toEqual({ type: 1, code: 4, v6: true, from: V6B, to: V6A, cut: false });
  });

  it('skips what quotes no UDP datagram: echo, a quoted TCP segment, only 8 bytes, a later fragment, junk', () => {
    const d = decodeFrames(101, [
      ipv4({ src: B, dst: A, proto: 1 }, icmpv4(8, 0, new Uint8Array(32))), // echo request
      ipv4({ src: B, dst: A, proto: 1 }, icmpv4(3, 3, ipv4({ src: A, dst: B, proto: 6 }, tcp({ srcPort: 5060, dstPort: 5060, seq: 1, flags: 0x18 }, BYE)))),
      ipv4({ src: B, dst: A, proto: 1 }, icmpv4(3, 3, bye4.subarray(0, 24))), // IP header + 4 bytes: no whole UDP header
      ipv4({ src: B, dst: A, proto: 1 }, icmpv4(3, 3, ipv4({ src: A, dst: B, proto: 17, fragOffset: 1480 }, BYE))),
      ipv4({ src: B, dst: A, proto: 1 }, icmpv4(3, 3, Uint8Array.of(1, 2, 3))),
      ipv4({ src: B, dst: A, proto: 1 }, Uint8Array.of(3, 3)), // shorter than the ICMP header
      ipv6({ src: V6B, dst: V6A, nextHeader: 58 }, icmpv6(V6B, V6A, 135, 0, new Uint8Array(20))), // neighbour solicitation
    ], { emitIcmpQuotes: true });
    expect(d.segs).toEqual([]);
    expect(statMap(d.stats)).toEqual({ 'net.icmp_other': 5, 'net.icmp_quote_bad': 1, 'net.truncated_icmp': 1 });
  });

  it('leaves ICMP alone unless asked (net.ip_other_proto, as before)', () => {
    const d = decodeFrames(101, [ipv4({ src: B, dst: A, proto: 1 }, icmpv4(3, 3, bye4))]);
    expect(d.segs).toEqual([]);
    expect(statMap(d.stats)).toEqual({ 'net.ip_other_proto': 1 });
  });
});

describe('parseQuotedSip: lenient on cut quotes', () => {
  const meta = { frame: 9, tsUs: 1_700_000_000_000_000, transport: 'udp' as const, src: A, srcPort: 5060, dst: B, dstPort: 5060 };
  const icmp: IcmpInfo = { type: 3, code: 3, v6: false, from: B, to: A, cut: true };
  const at = (s: string): number => text(BYE).indexOf(s);

  it('reads start line, Call-ID, CSeq and tags of a whole quote, marked quoted', () => {
    const m = parseQuotedSip(BYE, meta, { ...icmp, cut: false })!;
    expect([m.method, m.callId, m.cseq, m.cseqMethod, m.from.tag, m.to.tag, m.viaBranch]).toEqual(['BYE', 'quote-1@example.com', 7, 'BYE', 'a1', 'b2', 'z9hG4bKq1']);
    expect(m.quoted).toEqual({ type: 3, code: 3, v6: false, from: B, cut: false });
    expect(m.raw).toBe(text(BYE));
  });

  it('drops the header line the cut went through: a half Call-ID never names a call', () => {
    const cutInCallId = BYE.subarray(0, at('Call-ID') + 15);
    const m = parseQuotedSip(cutInCallId, meta, icmp)!;
    expect(m.method).toBe('BYE');
    expect(m.callId).toBe('');
    expect(m.to.tag).toBe('b2');
    expect(m.raw).toBe(text(cutInCallId));
    const afterCseq = parseQuotedSip(BYE.subarray(0, at('Max-Forwards') + 3), meta, icmp)!;
    expect([afterCseq.callId, afterCseq.cseq, afterCseq.quoted?.cut]).toEqual(['quote-1@example.com', 7, true]);
  });

  it('keeps a line whose CR was quoted but not its LF', () => {
    const m = parseQuotedSip(BYE.subarray(0, at('CSeq') - 1), meta, icmp)!;
    expect(m.callId).toBe('quote-1@example.com');
  });

  it('never parses a quoted body: an INVITE whose SDP is cut announces nothing', () => {
    const sdp = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
    const invite = ascii(`INVITE sip:bob@example.com SIP/2.0\r\nCall-ID: q2\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`);
    for (const n of [invite.length, invite.length - 20]) {
      const m = parseQuotedSip(invite.subarray(0, n), meta, icmp)!;
      expect(m.sdp).toBeUndefined();
      expect(m.callId).toBe('q2');
    }
  });

  it('gives up only when the start line itself is incomplete', () => {
    // looksLikeSip has already refused such a quote upstream; the parser does not throw either.
    expect(parseQuotedSip(BYE.subarray(0, 10), meta, icmp)).toBeNull();
    expect(parseQuotedSip(BYE.subarray(0, at('\r\nVia')), meta, icmp)?.method).toBe('BYE');
  });
});
