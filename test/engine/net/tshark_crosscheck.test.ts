// The reference check: every builder-made packet variety is written to a pcapng and read by
// tshark; our decoder must find the same innermost addresses, ports, VLAN ids and L4 payload
// lengths, on the same frames (fragments: the last one, as tshark reports reassembly).
// This validates the builder (tshark must understand it) and the decoder against it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PcapngWriter } from '../../../shared/engine/capture/capture_writer.ts';
import {
  ascii, erspanI, erspanII, erspanIII, ethernet, gre, ipv4, ipv4Fragments, ipv6, ipv6Fragments, nullLoopback,
  pppoeSession, sctp, sll, sll2, tcp, udp,
} from '../../../shared/engine/capture/packet_builder.ts';
import { PacketDecoder } from '../../../shared/engine/net/packet_decoder.ts';
import type { L4Segment } from '../../../shared/model/packet.ts';
import { Stats } from '../../../shared/model/stats.ts';

const HAS_TSHARK = spawnSync('tshark', ['-v'], { encoding: 'utf8' }).status === 0;
if (!HAS_TSHARK) console.error('\n!!!!!!!! tshark NOT FOUND: decoder cross-check against tshark is SKIPPED !!!!!!!!\n');

const SIP = ascii('OPTIONS sip:x@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n');
const BIG = new Uint8Array(2500).fill(0x41);
const V4 = { src: '192.0.2.10', dst: '198.51.100.20' };
const V6 = { src: '2001:db8::10', dst: '2001:db8:0:1::20' };
const u4 = (p = SIP): Uint8Array => ipv4({ ...V4, proto: 17 }, udp(5060, 5080, p));
const u6 = (p = SIP): Uint8Array => ipv6({ ...V6, nextHeader: 17 }, udp(5062, 5082, p));
const e4 = (): Uint8Array => ethernet({ type: 0x0800 }, u4());
const outer4 = (proto: number, inner: Uint8Array): Uint8Array => ethernet({ type: 0x0800 }, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto }, inner));

const cases: [string, number, Uint8Array[]][] = [
  ['ether v4', 1, [e4()]],
  ['ether v6', 1, [ethernet({ type: 0x86dd }, u6())]],
  ['vlan', 1, [ethernet({ type: 0x0800, vlans: [100] }, u4())]],
  ['qinq 88a8', 1, [ethernet({ type: 0x0800, vlans: [{ tpid: 0x88a8, vid: 10 }, 20] }, u4())]],
  ['qinq 9100', 1, [ethernet({ type: 0x86dd, vlans: [{ tpid: 0x9100, vid: 30 }, 40] }, u6())]],
  ['sll', 113, [sll(0x0800, u4()), sll(0x86dd, u6())]],
  ['sll2', 276, [sll2(0x0800, u4()), sll2(0x86dd, u6())]],
  ['raw 101', 101, [u4(), u6()]],
  ['ipv4 228', 228, [u4()]],
  ['ipv6 229', 229, [u6()]],
  ['null LE', 0, [nullLoopback(2, u4()), nullLoopback(30, u6()), nullLoopback(24, u6()), nullLoopback(28, u6())]],
  // AF_INET6 = 10 (Linux) is accepted by our decoder (unit-tested) but not by tshark's
  // null dissector, which only knows the BSD values: not cross-checked.
  ['null BE', 0, [nullLoopback(2, u4(), true), nullLoopback(28, u6(), true)]],
  ['loop', 108, [nullLoopback(2, u4(), true), nullLoopback(24, u6(), true)]],
  ['pppoe', 1, [ethernet({ type: 0x8864 }, pppoeSession(0x21, u4())), ethernet({ type: 0x8864 }, pppoeSession(0x57, u6()))]],
  ['v4 options', 1, [ethernet({ type: 0x0800 }, ipv4({ ...V4, proto: 17, options: Uint8Array.of(1, 1, 1, 0) }, udp(1, 2, SIP)))]],
  ['v6 ext', 1, [ethernet({ type: 0x86dd }, ipv6({ ...V6, nextHeader: 17, ext: [{ type: 'hop' }, { type: 'routing', data: new Uint8Array(4) }, { type: 'dst' }] }, udp(1, 2, SIP)))]],
  ['v4 frags in order', 1, ipv4Fragments({ ...V4, proto: 17, id: 5 }, udp(5060, 5060, BIG), 1000).map((f) => ethernet({ type: 0x0800 }, f))],
  ['v4 frags out of order', 1, ipv4Fragments({ ...V4, proto: 17, id: 6 }, udp(5060, 5060, BIG), 1000).map((f) => ethernet({ type: 0x0800 }, f)).reverse()],
  ['v6 frags in order', 113, ipv6Fragments({ ...V6, nextHeader: 17 }, udp(5060, 5060, BIG), 1000, 7).map((f) => sll(0x86dd, f))],
  ['v6 frags out of order', 113, (() => { const f = ipv6Fragments({ ...V6, nextHeader: 17 }, udp(5060, 5060, BIG), 1000, 8).map((x) => sll(0x86dd, x)); return [f[1], f[2], f[0]]; })()],
  ['ipip', 1, [outer4(4, u4())]],
  ['6in4', 1, [outer4(41, u6())]],
  ['gre v4', 1, [outer4(47, gre({ proto: 0x0800 }, u4()))]],
  ['gre v6 key seq', 1, [outer4(47, gre({ proto: 0x86dd, key: 1, seq: 2 }, u6()))]],
  ['gre teb', 1, [outer4(47, gre({ proto: 0x6558, key: 0 }, ethernet({ type: 0x0800, vlans: [77] }, u4())))]],
  ['erspan I', 1, [outer4(47, erspanI(e4()))]],
  ['erspan II', 1, [outer4(47, erspanII(e4(), { session: 5 }))]],
  ['erspan III', 1, [outer4(47, erspanIII(e4())), outer4(47, erspanIII(ethernet({ type: 0x86dd }, u6()), { subHeader: true }))]],
  ['tcp', 1, [ethernet({ type: 0x0800 }, ipv4({ ...V4, proto: 6 }, tcp({ srcPort: 40000, dstPort: 5060, seq: 1, ack: 2, flags: 0x18, options: Uint8Array.of(1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2) }, SIP)))]],
  ['sctp', 113, [sll(0x0800, ipv4({ ...V4, proto: 132 }, sctp(5060, 5060, [{ data: SIP, tsn: 1 }, { data: SIP, tsn: 2, streamId: 1 }])))]],
];

interface Row { frame: number; ver: 4 | 6; src: string; dst: string; sport: number; dport: number; vlans: number[]; len: number; n: number }

const dir = mkdtempSync(join(tmpdir(), 'calltrace-xcheck-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function lastOf(s: string): string {
  const p = s.split(',');
  return p[p.length - 1];
}

function tsharkRows(file: string): Row[] {
  const fields = ['frame.number', 'frame.protocols', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'udp.srcport', 'udp.dstport',
    'udp.length', 'tcp.srcport', 'tcp.dstport', 'tcp.len', 'sctp.srcport', 'sctp.dstport', 'sctp.data_tsn', 'vlan.id', 'ieee8021ad.id'];
  const r = spawnSync('tshark', ['-r', file, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,',
    ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  const rows: Row[] = [];
  for (const line of r.stdout.trimEnd().split('\n')) {
    const [frame, protos, ipS, ipD, ip6S, ip6D, uS, uD, uLen, tS, tD, tLen, sS, sD, tsn, vlan, stag] = line.split('\t');
    const p = protos.split(':');
    const port = (uS || tS || sS);
    if (!port) continue; // an incomplete fragment
    const ver = p.lastIndexOf('ipv6') > p.lastIndexOf('ip') ? 6 : 4;
    rows.push({
      frame: Number(frame), ver,
      src: lastOf(ver === 6 ? ip6S : ipS), dst: lastOf(ver === 6 ? ip6D : ipD),
      sport: Number(lastOf(port)), dport: Number(lastOf(uD || tD || sD)),
      // tshark names 802.1ad service tags ieee8021ad.id; in our cases they are always outermost.
      vlans: [...(stag ? stag.split(',') : []), ...(vlan ? vlan.split(',') : [])].map(Number),
      len: uS ? Number(lastOf(uLen)) - 8 : tS ? Number(tLen) : SIP.length,
      n: sS ? tsn.split(',').length : 1,
    });
  }
  return rows;
}

function ourRows(linkType: number, frames: Uint8Array[]): Row[] {
  const stats = new Stats();
  const d = new PacketDecoder(stats);
  const segs: L4Segment[] = [];
  frames.forEach((f, i) => d.decode({ frame: i + 1, tsUs: i, linkType, buf: f, off: 0, capLen: f.length, origLen: f.length, interfaceId: 0 }, (s) => segs.push(s)));
  const rows: Row[] = [];
  for (const s of segs) {
    const prev = rows[rows.length - 1];
    if (prev && prev.frame === s.frame) { prev.n++; continue; }
    rows.push({ frame: s.frame, ver: s.ipVersion, src: s.src, dst: s.dst, sport: s.srcPort, dport: s.dstPort, vlans: s.vlans, len: s.payload.length, n: 1 });
  }
  return rows;
}

describe('decoder agrees with tshark on builder-made packets', () => {
  for (const [name, linkType, frames] of cases) {
    it.skipIf(!HAS_TSHARK)(name, () => {
      const w = new PcapngWriter();
      const file = join(dir, `${name.replace(/\W+/g, '_')}.pcapng`);
      writeFileSync(file, Buffer.concat([w.shb(), w.idb({ linkType }), ...frames.map((f, i) => w.epb(0, 1_700_000_000_000_000 + i, f))]));
      const want = tsharkRows(file);
      expect(want.length).toBeGreaterThan(0);
      expect(ourRows(linkType, frames)).toEqual(want);
    });
  }
});
