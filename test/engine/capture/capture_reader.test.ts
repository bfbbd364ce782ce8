// The capture readers against files written by the project's own writer: every container
// variant, chunks cut anywhere, and damaged files (truncated, corrupt, not a capture).

import { describe, expect, it } from 'vitest';
import { CaptureReader, sniffFormat, type CaptureReaderResult } from '../../../shared/engine/capture/capture_reader.ts';
import { PcapWriter, PcapngWriter } from '../../../shared/engine/capture/capture_writer.ts';
import { concat } from '../../../shared/engine/capture/packet_builder.ts';
import { packetBytes, type CapturedPacket } from '../../../shared/model/packet.ts';
import { Stats } from '../../../shared/model/stats.ts';

type Seen = Omit<CapturedPacket, 'buf' | 'off' | 'capLen'> & { data: number[] };

function read(file: Uint8Array, chunk = file.length): { pkts: Seen[]; res: CaptureReaderResult; stats: Stats } {
  const stats = new Stats();
  const pkts: Seen[] = [];
  const r = new CaptureReader(stats, (p) => pkts.push({ frame: p.frame, tsUs: p.tsUs, linkType: p.linkType, origLen: p.origLen, interfaceId: p.interfaceId, data: [...packetBytes(p)] }));
  for (let i = 0; i < file.length; i += chunk) r.push(file.subarray(i, i + chunk));
  return { pkts, res: r.end(), stats };
}

const T0 = 1_700_000_000_000_000; // µs
const payloads = [new Uint8Array([1, 2, 3]), new Uint8Array(1500).fill(7), new Uint8Array([9])];

function pcapFile(o: { nanos?: boolean; bigEndian?: boolean; linkType?: number } = {}): Uint8Array {
  const w = new PcapWriter({ linkType: o.linkType ?? 1, nanos: o.nanos, bigEndian: o.bigEndian });
  return concat(w.header(), ...payloads.map((p, i) => w.packet(T0 + i * 20_000 + (o.nanos ? 0.5 : 0), p)));
}

describe('classic pcap', () => {
  for (const v of [{}, { bigEndian: true }, { nanos: true }, { nanos: true, bigEndian: true }]) {
    it(`reads ${JSON.stringify(v)} with exact timestamps, any chunking`, () => {
      const file = pcapFile(v);
      expect(sniffFormat(file)).toBe(v.nanos ? 'pcap-ns' : 'pcap');
      for (const chunk of [file.length, 1, 7, 16, 25]) {
        const { pkts, res } = read(file, chunk);
        expect(res.fatal).toBeNull();
        expect(pkts.map((p) => p.frame)).toEqual([1, 2, 3]);
        expect(pkts.map((p) => p.data.length)).toEqual([3, 1500, 1]);
        expect(pkts[1].data[0]).toBe(7);
        expect(pkts[2].tsUs).toBeCloseTo(T0 + 40_000 + (v.nanos ? 0.5 : 0), 3);
        expect(pkts.every((p) => p.linkType === 1)).toBe(true);
      }
    });
  }

  it('keeps the packets before a truncated last record and warns', () => {
    const file = pcapFile();
    const { pkts, res, stats } = read(file.subarray(0, file.length - 1)); // the last record loses its one data byte
    expect(pkts.length).toBe(2);
    expect(res.fatal).toBeNull();
    expect(stats.get('capture.truncated_record')).toBe(1);
  });

  it('stops at a corrupt record length with a message naming the byte offset, keeping what came before', () => {
    const file = pcapFile();
    const bad = file.slice();
    const third = 24 + 16 + 3 + 16 + 1500;
    new DataView(bad.buffer).setUint32(third + 8, 0x7fffffff, true);
    const { pkts, res } = read(bad, 100);
    expect(pkts.length).toBe(2);
    expect(res.fatal).toMatch(new RegExp(`corrupt record header at byte ${third}`));
  });
});

describe('pcapng', () => {
  function ngFile(bigEndian: boolean): Uint8Array {
    const w = new PcapngWriter({ bigEndian });
    return concat(
      w.shb(),
      w.idb({ linkType: 1 }),
      w.idb({ linkType: 113, tsresol: 9 }),
      w.idb({ linkType: 101, tsresol: { pow2: 10 } }),
      w.epb(0, T0, payloads[0]),
      w.epb(1, T0 + 1000.25, payloads[1]),
      w.spb(payloads[2]),
      w.epb(2, T0 + 2_000_000, payloads[0]),
      w.isb(0, T0 + 3_000_000, { drops: 5, received: 10 }),
      w.isb(1, T0 + 3_000_000, { drops: 2 }),
      w.isb(0, T0 + 4_000_000, { drops: 7 }), // cumulative: the last one counts
    );
  }

  for (const be of [false, true]) {
    it(`reads several interfaces with their link types and resolutions (${be ? 'big' : 'little'} endian)`, () => {
      const file = ngFile(be);
      for (const chunk of [file.length, 1, 13, 64]) {
        const { pkts, res } = read(file, chunk);
        expect(res.fatal).toBeNull();
        expect(res.format).toBe('pcapng');
        expect(pkts.map((p) => [p.frame, p.linkType, p.interfaceId, p.data.length])).toEqual([
          [1, 1, 0, 3],
          [2, 113, 1, 1500],
          [3, 1, 0, 1], // SPB: interface 0, previous timestamp
          [4, 101, 2, 3],
        ]);
        expect(pkts[1].tsUs).toBeCloseTo(T0 + 1000.25, 2);
        expect(pkts[2].tsUs).toBe(pkts[1].tsUs);
        // 2^-10 s units are coarser than µs: within one unit (~977 µs).
        expect(Math.abs(pkts[3].tsUs - (T0 + 2_000_000))).toBeLessThan(977);
        expect(res.captureDrops).toBe(7 + 2);
      }
    });
  }

  for (const be of [false, true]) {
    it(`applies if_tsoffset as a signed number of seconds, per interface (${be ? 'big' : 'little'} endian)`, () => {
      // Interface 1 counts its ticks from an hour AFTER the epoch-based clock of interface 0
      // (offset −3600 s); interface 2 from a base 1.7e9 s later. The writer stores absolute
      // times minus the offset, so every packet must read back at the time it was written.
      const w = new PcapngWriter({ bigEndian: be });
      const file = concat(
        w.shb(),
        w.idb({ linkType: 1 }),
        w.idb({ linkType: 1, tsresol: 9, tsoffset: -3600 }),
        w.idb({ linkType: 1, tsoffset: 1_700_000_000 }),
        w.epb(0, T0, payloads[0]),
        w.epb(1, T0 + 20_000.5, payloads[0]),
        w.epb(2, T0 + 40_000, payloads[0]),
        w.epb(1, T0 + 60_000, payloads[0]),
      );
      const { pkts, res } = read(file, 7);
      expect(res.fatal).toBeNull();
      expect(res.interfaces.map((i) => i.tsOffsetSec)).toEqual([0, -3600, 1_700_000_000]);
      // Within the double's resolution at epoch µs (0.25 µs), as for any ns interface.
      const want = [0, 20_000.5, 40_000, 60_000];
      pkts.forEach((p, i) => expect(Math.abs(p.tsUs - T0 - want[i]), `packet ${i + 1}`).toBeLessThanOrEqual(0.5));
    });
  }

  it('handles a second section with the other byte order', () => {
    const a = new PcapngWriter({ bigEndian: false });
    const b = new PcapngWriter({ bigEndian: true });
    const file = concat(a.shb(), a.idb({ linkType: 1 }), a.epb(0, T0, payloads[0]), b.shb(), b.idb({ linkType: 228 }), b.epb(0, T0 + 1, payloads[2]));
    const { pkts, res } = read(file, 5);
    expect(res.fatal).toBeNull();
    expect(pkts.map((p) => [p.linkType, p.data.length])).toEqual([[1, 3], [228, 1]]);
  });

  it('stops at a block whose length fields disagree, keeping what came before', () => {
    const w = new PcapngWriter();
    const good = concat(w.shb(), w.idb({ linkType: 1 }), w.epb(0, T0, payloads[0]));
    const bad = w.epb(0, T0 + 1, payloads[1]);
    new DataView(bad.buffer, bad.byteOffset).setUint32(bad.length - 4, 12, true);
    const { pkts, res } = read(concat(good, bad, w.epb(0, T0 + 2, payloads[2])));
    expect(pkts.length).toBe(1);
    expect(res.fatal).toMatch(/corrupt pcapng block/);
  });
});

describe('not a capture', () => {
  it('names the magic bytes of a file that is not a capture', () => {
    const { pkts, res } = read(new TextEncoder().encode('Date,From,To\n1,2,3\n'));
    expect(pkts.length).toBe(0);
    expect(res.fatal).toBe('not a pcap or pcapng file (magic 44 61 74 65)');
  });

  it('says an empty file is empty', () => {
    expect(read(new Uint8Array(0)).res.fatal).toBe('empty file');
  });

  it('recognises gzip by magic and leaves decompression to the file source', () => {
    expect(sniffFormat(new Uint8Array([0x1f, 0x8b, 8, 0]))).toBe('gzip');
  });

  it('never throws on random bytes after a valid header', () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (let n = 0; n < 200; n++) {
      const w = new PcapngWriter();
      const junk = Uint8Array.from({ length: 64 + (n % 50) }, rnd);
      expect(() => read(concat(w.shb(), w.idb({ linkType: 1 }), junk), 1 + (n % 9))).not.toThrow();
      expect(() => read(concat(new PcapWriter({ linkType: 1 }).header(), junk), 1 + (n % 9))).not.toThrow();
    }
  });
});

describe('capture window and recorded filter (diagnosis.md §1 "capture coverage")', () => {
  const w = (o: { tsresol?: number; isb?: { startUs?: number; endUs?: number; windowInMicroseconds?: boolean }; filter?: string }) => {
    const pw = new PcapngWriter();
    const parts = [pw.shb(), pw.idb({ linkType: 1, tsresol: o.tsresol, filter: o.filter })];
    payloads.forEach((p, i) => parts.push(pw.epb(0, T0 + i * 1_000_000, p)));
    if (o.isb) parts.push(pw.isb(0, o.isb.endUs ?? T0 + 2_000_000, o.isb));
    return concat(...parts);
  };

  it('reads isb_starttime / isb_endtime in the interface units', () => {
    const { res } = read(w({ tsresol: 9, isb: { startUs: T0 - 800_000, endUs: T0 + 15_000_000 } }));
    expect(res.window).toEqual({ startUs: T0 - 800_000, endUs: T0 + 15_000_000, from: 'isb' });
  });

  it('reads them in microseconds when dumpcap wrote µs for a nanosecond interface', () => {
    const { res } = read(w({ tsresol: 9, isb: { startUs: T0 - 800_000, endUs: T0 + 13_000_000, windowInMicroseconds: true } }));
    expect(res.window).toEqual({ startUs: T0 - 800_000, endUs: T0 + 13_000_000, from: 'isb' });
  });

  it('ignores a window that contradicts the packets (it ends before the last packet)', () => {
    const { res } = read(w({ isb: { startUs: T0 - 800_000 + 5_000_000, endUs: T0 + 1_000_000 } }));
    expect(res.window).toEqual({ startUs: T0, endUs: T0 + 2_000_000, from: 'packets' });
  });

  it('keeps the half of an ISB window that agrees with the packets', () => {
    const { res } = read(w({ isb: { endUs: T0 + 9_000_000 } }));
    expect(res.window).toEqual({ startUs: T0, endUs: T0 + 9_000_000, from: 'isb' });
  });

  it('without an ISB (classic pcap, or no statistics) the window is first → last packet', () => {
    expect(read(w({})).res.window).toEqual({ startUs: T0, endUs: T0 + 2_000_000, from: 'packets' });
    expect(read(pcapFile()).res.window).toEqual({ startUs: T0, endUs: T0 + 40_000, from: 'packets' });
    expect(read(pcapFile()).res).toMatchObject({ filters: [], unfilteredInterfaces: 1 });
  });

  it('reports the recorded capture filter', () => {
    const { res } = read(w({ filter: 'udp port 5060' }));
    expect(res.filters).toEqual(['udp port 5060']);
    expect(res.unfilteredInterfaces).toBe(0);
  });
});
