// The capture writers, checked twice: by re-reading the bytes here (block structure,
// ISB counters, SPB, NRB, both byte orders) and by the reference tools (capinfos / tshark
// must read the same packet count, link types and timestamps).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PcapWriter, PcapngWriter } from '../../../shared/engine/capture/capture_writer.ts';
import { ascii, ethernet, ipv4, ipv4Bytes, ipv6, sll, udp } from '../../../shared/engine/capture/packet_builder.ts';

const HAS_TSHARK = spawnSync('tshark', ['-v'], { encoding: 'utf8' }).status === 0 &&
  spawnSync('capinfos', ['-h'], { encoding: 'utf8' }).status === 0;
if (!HAS_TSHARK) {
  console.error('\n!!!!!!!! tshark/capinfos NOT FOUND: writer cross-checks against the reference reader are SKIPPED !!!!!!!!\n');
}

const dir = mkdtempSync(join(tmpdir(), 'calltrace-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function save(name: string, chunks: Uint8Array[]): string {
  const f = join(dir, name);
  writeFileSync(f, Buffer.concat(chunks));
  return f;
}

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** frame.number, interface, epoch time, cap_len, len, protocols. */
function tsharkFrames(f: string): string[][] {
  return run('tshark', ['-r', f, '-T', 'fields', '-e', 'frame.interface_id', '-e', 'frame.time_epoch',
    '-e', 'frame.cap_len', '-e', 'frame.len', '-e', 'frame.protocols'])
    .trimEnd().split('\n').map((l) => l.split('\t'));
}

const SIP = ascii('OPTIONS sip:x SIP/2.0\r\nContent-Length: 0\r\n\r\n');
const ETH = ethernet({ type: 0x0800 }, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: 17 }, udp(5060, 5060, SIP)));
const IP6 = ipv6({ src: '2001:db8::1', dst: '2001:db8::2', nextHeader: 17 }, udp(5060, 5060, SIP));
// Timestamps exactly representable as doubles of µs (ns part a multiple of 1/4 µs near 1.7e15).
const T0 = 1_700_000_000_123_456;

/** Minimal independent pcapng block walker for structural checks. */
function blocks(b: Uint8Array): { type: number; body: DataView; le: boolean }[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const le = v.getUint32(8, true) === 0x1a2b3c4d;
  const out: { type: number; body: DataView; le: boolean }[] = [];
  for (let p = 0; p < b.length;) {
    const type = v.getUint32(p, le);
    const len = v.getUint32(p + 4, le);
    expect(len % 4).toBe(0);
    expect(v.getUint32(p + len - 4, le)).toBe(len);
    out.push({ type, body: new DataView(b.buffer, b.byteOffset + p + 8, len - 12), le });
    p += len;
  }
  return out;
}

describe('PcapWriter', () => {
  for (const nanos of [false, true]) {
    for (const bigEndian of [false, true]) {
      it(`header and records (${nanos ? 'ns' : 'µs'}, ${bigEndian ? 'BE' : 'LE'})`, () => {
        const w = new PcapWriter({ linkType: 1, nanos, bigEndian, snaplen: 60 });
        const h = w.header();
        const v = new DataView(h.buffer);
        expect(v.getUint32(0, !bigEndian)).toBe(nanos ? 0xa1b23c4d : 0xa1b2c3d4);
        expect(v.getUint32(16, !bigEndian)).toBe(60);
        const rec = w.packet(T0 + 0.75, ETH);
        const r = new DataView(rec.buffer);
        expect(r.getUint32(0, !bigEndian)).toBe(1_700_000_000);
        expect(r.getUint32(4, !bigEndian)).toBe(nanos ? 123_456_750 : 123_457);
        expect(r.getUint32(8, !bigEndian)).toBe(60); // cut by snaplen
        expect(r.getUint32(12, !bigEndian)).toBe(ETH.length);
        expect(rec.length).toBe(16 + 60);
        if (!HAS_TSHARK) return;
        const f = save(`p_${nanos}_${bigEndian}.pcap`, [h, rec, w.packet(T0 + 1_000_000, ETH, 1000)]);
        expect(run('capinfos', ['-T', '-m', '-c', '-E', f]).trim().split('\n')[1]).toBe(`${f},ether,2`);
        const fr = tsharkFrames(f);
        expect(fr.map((x) => x.slice(1, 4))).toEqual([
          [nanos ? '1700000000.123456750' : '1700000000.123457000', '60', String(ETH.length)],
          [nanos ? '1700000001.123456000' : '1700000001.123456000', '60', '1000'],
        ]);
      });
    }
  }

  it('any link type: raw IPv6 (229) read back by tshark as IPv6/UDP/SIP', () => {
    const w = new PcapWriter({ linkType: 229 });
    if (!HAS_TSHARK) return;
    const f = save('raw6.pcap', [w.header(), w.packet(T0, IP6)]);
    expect(tsharkFrames(f)[0][4]).toBe('ipv6:udp:sip');
  });

  it('rounding to the next second carries', () => {
    const w = new PcapWriter({ linkType: 1 });
    const r = new DataView(w.packet(1_999_999.6, ETH).buffer);
    expect([r.getUint32(0, true), r.getUint32(4, true)]).toEqual([2, 0]);
  });
});

describe('PcapngWriter', () => {
  function section(bigEndian: boolean): Uint8Array[] {
    const w = new PcapngWriter({ bigEndian });
    return [
      w.shb({ userAppl: 'calltrace-test' }),
      w.idb({ linkType: 1, name: 'eth0' }),
      w.idb({ linkType: 113, tsresol: 9, snaplen: 50 }),
      w.idb({ linkType: 229, tsresol: { pow2: 20 } }),
      w.nrb([{ ip: ipv4Bytes('10.0.0.1'), names: ['alice.example'] }]),
      w.epb(0, T0, ETH),
      w.epb(1, T0 + 1_000_000.75, sll(0x0800, ETH.subarray(14))),
      w.spb(ETH),
      w.epb(2, T0 + 2_000_000 - 123_456 + 500_000, IP6),
      w.isb(0, T0 + 3_000_000, { drops: 7, received: 100 }),
    ];
  }

  for (const bigEndian of [false, true]) {
    it(`structure: SHB, 3 IDBs, NRB, EPB, SPB, ISB with if_drop (${bigEndian ? 'BE' : 'LE'})`, () => {
      const bytes = Buffer.concat(section(bigEndian));
      const bl = blocks(new Uint8Array(bytes));
      expect(bl.map((b) => b.type)).toEqual([0x0a0d0d0a, 1, 1, 1, 4, 6, 6, 3, 6, 5]);
      const le = !bigEndian;
      expect(bl[0].le).toBe(le);
      expect(bl[2].body.getUint16(0, le)).toBe(113);
      expect(bl[2].body.getUint32(4, le)).toBe(50);
      const epb1 = bl[6].body;
      expect(epb1.getUint32(0, le)).toBe(1);
      const ticks = (BigInt(epb1.getUint32(4, le)) << 32n) | BigInt(epb1.getUint32(8, le));
      expect(ticks).toBe(1_700_000_001_123_456_750n); // ns resolution
      expect(epb1.getUint32(12, le)).toBe(50); // cut to the IDB snaplen
      expect(epb1.getUint32(16, le)).toBe(ETH.length + 2);
      // ISB: options isb_ifrecv (4) = 100, isb_ifdrop (5) = 7.
      const isb = bl[9].body;
      expect(isb.getUint32(0, le)).toBe(0);
      expect([isb.getUint16(12, le), isb.getUint16(14, le), Number(isb.getBigUint64(16, le))]).toEqual([4, 8, 100]);
      expect([isb.getUint16(24, le), isb.getUint16(26, le), Number(isb.getBigUint64(28, le))]).toEqual([5, 8, 7]);
      expect(isb.getUint32(36, le)).toBe(0); // opt_endofopt
      // SPB: original length, then the packet.
      expect(bl[7].body.getUint32(0, le)).toBe(ETH.length);
    });

    it(`read by capinfos/tshark: count, link types, timestamps, NRB names, ISB (${bigEndian ? 'BE' : 'LE'})`, () => {
      if (!HAS_TSHARK) return;
      const f = save(`s_${bigEndian}.pcapng`, section(bigEndian));
      const info = run('capinfos', [f]);
      expect(info).toMatch(/Number of packets:\s+4/);
      expect(info).toMatch(/Number of interfaces in file: 3/);
      expect(info).toMatch(/Capture application: calltrace-test/);
      expect(info).toMatch(/Interface #0 info:[\s\S]*?Name = eth0[\s\S]*?Number of stat entries = 1/);
      expect(info).toMatch(/Interface #1 info:[\s\S]*?linux-sll[\s\S]*?Time precision = nanoseconds \(9\)/);
      expect(info).toMatch(/Interface #2 info:[\s\S]*?Time ticks per second = 1048576/);
      expect(info).toMatch(/Number of resolved IPv4 addresses in file: 1/);
      expect(tsharkFrames(f)).toEqual([
        ['0', '1700000000.123456000', String(ETH.length), String(ETH.length), 'eth:ethertype:ip:udp:sip'],
        ['1', '1700000001.123456750', '50', String(ETH.length + 2), 'sll:ethertype:ip:udp:data'],
        ['0', '', String(ETH.length), String(ETH.length), 'eth:ethertype:ip:udp:sip'],
        ['2', '1700000002.500000000', String(IP6.length), String(IP6.length), 'ipv6:udp:sip'],
      ]);
      const hosts = run('tshark', ['-r', f, '-q', '-z', 'hosts']);
      expect(hosts).toMatch(/10\.0\.0\.1\s+alice\.example/);
    });
  }
});
