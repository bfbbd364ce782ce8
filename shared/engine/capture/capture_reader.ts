// Streaming reader for classic pcap and pcapng, fed with byte chunks cut anywhere.
//
// The format comes from the magic number, never from the file name (the corpus has
// pcapng files named .pcap). Records are handed out as offsets into the current chunk
// (zero-copy, and no view object per record: at 4 million records a GB, one small
// allocation each was the largest source of garbage in an import); only a record that
// straddles two chunks is copied once. Memory is the chunk plus at most one partial record,
// whatever the file size.
//
// Bad input never throws: a file that ends inside a record is a warning, a corrupt
// record header stops the read with an error, and everything read before is kept.
//
// References: pcap — https://www.tcpdump.org/manpages/pcap-savefile.5.html;
// pcapng — draft-ietf-opsawg-pcapng (SHB 0x0A0D0D0A, IDB 1, PB 2, SPB 3, NRB 4, ISB 5, EPB 6).

import { copyBytes } from '../net/bytes.ts';
import type { CaptureWindow } from '../../model/capture.ts';
import type { CapturedPacket } from '../../model/packet.ts';
import type { Stats } from '../../model/stats.ts';
import { isRepresentableUs } from '../../model/time.ts';

export type CaptureFormat = 'pcap' | 'pcap-ns' | 'pcapng' | 'netmon' | 'gzip' | 'unknown';

/** Largest record we accept; larger means a corrupt length field (tshark's limit is 256 KiB for most links). */
const MAX_RECORD = 16 * 1024 * 1024;
/**
 * How much of a new chunk is joined to a carried partial record: the largest pcap snap
 * length (262144) plus the biggest record header, so a carried record is almost always
 * finished by the join alone.
 */
const BRIDGE_BYTES = 262144 + 64;

export interface InterfaceInfo {
  linkType: number;
  snaplen: number;
  /** Timestamp units per second (10^6 by default). */
  unitsPerSecond: number;
  /** if_tsoffset, seconds added to every timestamp (signed: may be negative). */
  tsOffsetSec: number;
  name: string;
  /** Latest isb_ifdrop (cumulative, so the last one counts), null when never reported. */
  drops: number | null;
  /** Latest isb_osdrop. */
  osDrops: number | null;
  /** if_filter as recorded (code 0 = libpcap/BPF text), null when none was recorded. */
  filter: string | null;
  /**
   * isb_starttime / isb_endtime exactly as written (raw 64-bit counts, units unchecked):
   * dumpcap has written these in microseconds for nanosecond interfaces, so the unit is
   * decided against the packets at the end (captureWindow()).
   */
  isbStartRaw: number | null;
  isbEndRaw: number | null;
}


/** Looks at the first bytes of a file and names its container. */
export function sniffFormat(head: Uint8Array): CaptureFormat {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length < 4) return 'unknown';
  const m = ((head[0] << 24) | (head[1] << 16) | (head[2] << 8) | head[3]) >>> 0;
  switch (m) {
    case 0xa1b2c3d4:
    case 0xd4c3b2a1:
    case 0xa1b2cd34: // Kuznetzov's modified pcap
    case 0x34cdb2a1:
      return 'pcap';
    case 0xa1b23c4d:
    case 0x4d3cb2a1:
      return 'pcap-ns';
    case 0x0a0d0d0a:
      return 'pcapng';
    case 0x474d4255: // "GMBU": Microsoft Network Monitor 2.x
    case 0x52545353: // "RTSS": Network Monitor 1.x
      return 'netmon';
    default:
      return 'unknown';
  }
}

export interface CaptureReaderResult {
  format: CaptureFormat;
  packets: number;
  bytes: number;
  firstUs: number | null;
  lastUs: number | null;
  interfaces: InterfaceInfo[];
  /** Sum over interfaces of the last reported drop counts (pcapng ISB), null if none reported. */
  captureDrops: number | null;
  /** Set when reading stopped early: the file is damaged from here on. */
  fatal: string | null;
  /** True when timestamps went backwards somewhere (tshark's "Strict time order: False"). */
  outOfOrder: boolean;
  /** The recording's window (diagnosis.md §1 "capture coverage"); null without packets. */
  window: CaptureWindow | null;
  /** Capture filters recorded by the interfaces (pcapng if_filter), deduplicated. */
  filters: string[];
  /** Interfaces that recorded none: with some, a filter cannot say the whole capture left media out. */
  unfilteredInterfaces: number;
}

export class CaptureReader {
  private carry: Uint8Array | null = null;
  private offset = 0; // absolute file offset of the start of the unconsumed data
  private format: CaptureFormat = 'unknown';
  private started = false;
  private stopped = false;
  private fatal: string | null = null;
  private frame = 0;
  private bytes = 0;
  private firstUs: number | null = null;
  private lastUs: number | null = null;
  private outOfOrder = false;
  /** Time of the previous packet: stands in for a timestamp out of the date range. */
  private prevUs = 0;

  // classic pcap
  private le = true;
  private pcapNanos = false;
  private pcapModified = false;
  private pcapIf: InterfaceInfo | null = null;

  // pcapng: interfaces of the current section (a new SHB starts a new list)
  private sectionIfs: InterfaceInfo[] = [];
  private allIfs: InterfaceInfo[] = [];

  private readonly pkt: CapturedPacket = { frame: 0, tsUs: 0, linkType: 0, buf: new Uint8Array(0), off: 0, capLen: 0, origLen: 0, interfaceId: 0 };
  /**
   * The current record's timestamp exactly as stored (see rawTimestamp()). tsUs is a double:
   * at today's dates its step is 0.25 µs, so a nanosecond time cannot be written back from
   * it; an export that must keep the original times reads these instead. Two stores per
   * record, no allocation.
   */
  private rawA = 0;
  private rawB = 0;
  /** 0: no stored time (SPB, Network Monitor); 1: pcap seconds + fraction; 2: pcapng 64-bit hi/lo. */
  private rawForm = 0;

  constructor(
    private readonly stats: Stats,
    private readonly onPacket: (pkt: CapturedPacket) => void,
  ) {}

  /** Capture filters recorded by the interfaces read so far (IDBs come before their packets). */
  get filtersSoFar(): { filters: string[]; unfilteredInterfaces: number } {
    const ifs = this.format === 'pcapng' ? this.allIfs : this.pcapIf ? [this.pcapIf] : [];
    return {
      filters: [...new Set(ifs.map((i) => i.filter).filter((f): f is string => f !== null))],
      unfilteredInterfaces: ifs.filter((i) => i.filter === null).length,
    };
  }

  /** Records read so far (progress while a file is still being read). */
  get packets(): number {
    return this.frame;
  }

  /**
   * The interface of the record being delivered, for a callback that must describe it
   * (an export writing one IDB per interface used). pcapng interface ids restart with each
   * section, so the id alone does not name an interface; the object returned does (the same
   * object for every record of that interface).
   */
  interfaceOf(interfaceId: number): InterfaceInfo | null {
    if (this.format === 'pcapng') return this.sectionIfs[interfaceId] ?? null;
    return this.pcapIf;
  }

  /**
   * The timestamp of the record being delivered, as the file stores it, valid only during
   * the onPacket callback: pcapng 64-bit units of its interface before if_tsoffset
   * ({form: 'ticks'}), classic pcap seconds and fraction ({form: 'secFrac'}), or null when
   * the record has none of its own (SPB, Network Monitor: tsUs is then all there is).
   */
  rawTimestamp(): { form: 'ticks'; hi: number; lo: number } | { form: 'secFrac'; sec: number; frac: number } | null {
    if (this.rawForm === 2) return { form: 'ticks', hi: this.rawA, lo: this.rawB };
    if (this.rawForm === 1) return { form: 'secFrac', sec: this.rawA, frac: this.rawB };
    return null;
  }

  /** Feeds the next chunk of the file. Chunks may be cut anywhere. */
  push(chunk: Uint8Array): void {
    if (this.stopped) return;
    this.bytes += chunk.length;
    let buf = chunk;
    const carry = this.carry;
    if (carry && carry.length > 0) {
      // Finish the record cut at the end of the previous chunk by joining it with only the
      // start of this chunk, then read the rest of this chunk in place. Joining with the
      // whole chunk copied (and allocated) every 4 MB chunk once more: ~7 % of an import.
      const take = Math.min(chunk.length, carry.length + BRIDGE_BYTES);
      const joined = new Uint8Array(carry.length + take);
      joined.set(carry, 0);
      joined.set(take === chunk.length ? chunk : chunk.subarray(0, take), carry.length);
      if (take === chunk.length) {
        buf = joined; // a small chunk (gzip output): just read the two as one
      } else {
        const used = this.consume(joined);
        this.offset += used;
        if (this.stopped) {
          this.carry = null;
          return;
        }
        if (used < carry.length) {
          // A record longer than the bridge (rare: records up to MAX_RECORD): join it all.
          buf = new Uint8Array(carry.length - used + chunk.length);
          buf.set(carry.subarray(used), 0);
          buf.set(chunk, carry.length - used);
        } else {
          buf = chunk.subarray(used - carry.length);
        }
      }
    }
    const used = this.consume(buf);
    const rest = buf.length - used;
    this.offset += used;
    // Keep only the unconsumed tail (at most one partial record), copied so the caller may reuse its chunk.
    this.carry = rest > 0 ? copyBytes(buf, used) : null;
  }

  /** Call once after the last chunk. */
  end(): CaptureReaderResult {
    if (!this.stopped && this.carry && this.carry.length > 0) {
      if (!this.started) {
        this.stop(`file too short to be a capture (${this.carry.length} bytes)`);
      } else {
        this.stats.add('capture.truncated_record', 'warning', 'The file ends inside a record (the capture was cut short); the partial record was ignored', this.frame + 1);
      }
    }
    if (!this.started && !this.fatal) this.stop('empty file');
    this.carry = null;
    let drops: number | null = null;
    for (const i of this.allIfs) if (i.drops !== null) drops = (drops ?? 0) + i.drops;
    if (drops !== null && !Number.isSafeInteger(drops)) drops = null; // each counter is safe; their sum may not be
    const interfaces = this.format === 'pcapng' ? this.allIfs : this.pcapIf ? [this.pcapIf] : [];
    const { filters, unfilteredInterfaces } = this.filtersSoFar;
    return {
      format: this.format,
      packets: this.frame,
      bytes: this.bytes,
      firstUs: this.firstUs,
      lastUs: this.lastUs,
      interfaces,
      captureDrops: drops,
      fatal: this.fatal,
      outOfOrder: this.outOfOrder,
      window: this.captureWindow(),
      filters,
      unfilteredInterfaces,
    };
  }

  /**
   * The recording's start and end. An ISB's isb_starttime / isb_endtime are read in the
   * interface's units, else in microseconds (what dumpcap writes for nanosecond
   * interfaces); a reading is used only when it contains every packet of that interface's
   * file (a small tolerance for clock rounding). A value that contradicts the packets in
   * both readings is ignored, and so is one that moves the window implausibly far (a
   * day), e.g. a corrupt option.
   */
  private captureWindow(): CaptureWindow | null {
    if (this.firstUs === null || this.lastUs === null) return null;
    const first = this.firstUs;
    const last = this.lastUs;
    let start = first;
    let end = last;
    let fromIsb = false;
    const slackUs = 1000;
    const dayUs = 86_400e6;
    for (const ifc of this.allIfs) {
      const readings = [ifc.unitsPerSecond, 1e6].map((u) => ({
        s: ifc.isbStartRaw === null ? null : (ifc.isbStartRaw * 1e6) / u + ifc.tsOffsetSec * 1e6,
        e: ifc.isbEndRaw === null ? null : (ifc.isbEndRaw * 1e6) / u + ifc.tsOffsetSec * 1e6,
      }));
      for (const r of readings) {
        const okStart = r.s !== null && r.s <= first + slackUs && first - r.s < dayUs;
        const okEnd = r.e !== null && r.e >= last - slackUs && r.e - last < dayUs && (r.s === null || r.e >= r.s);
        if (!okStart && !okEnd) continue;
        if (okStart && r.s! < start) start = r.s!;
        if (okEnd && r.e! > end) end = r.e!;
        fromIsb = true;
        break;
      }
    }
    return { startUs: start, endUs: end, from: fromIsb ? 'isb' : 'packets' };
  }

  private stop(reason: string): void {
    this.stopped = true;
    if (!this.fatal) this.fatal = reason;
    this.stats.add('capture.fatal', 'error', reason, this.frame > 0 ? this.frame : undefined);
  }

  /** Parses as many whole records as buf holds; returns the bytes consumed. */
  private consume(buf: Uint8Array): number {
    let pos = 0;
    if (!this.started) {
      if (buf.length < 4) return 0;
      this.format = sniffFormat(buf);
      if (this.format === 'gzip') {
        this.stop('gzip-compressed: decompress before reading (the file source does this)');
        return buf.length;
      }
      if (this.format === 'unknown') {
        const hex = Array.from(buf.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
        this.stop(`not a pcap or pcapng file (magic ${hex})`);
        return buf.length;
      }
      if (this.format === 'pcap' || this.format === 'pcap-ns') {
        if (buf.length < 24) return 0;
        pos = this.readPcapHeader(buf);
      } else if (this.format === 'netmon') {
        if (buf.length < 128) return 0;
        pos = this.readNetmonHeader(buf);
      }
      this.started = true;
      if (this.stopped) return buf.length;
    }
    if (this.format === 'pcapng') return this.consumePcapng(buf, pos);
    if (this.format === 'netmon') return this.consumeNetmon(buf, pos);
    return this.consumePcap(buf, pos);
  }

  // ---- classic pcap --------------------------------------------------------------------

  private readPcapHeader(buf: Uint8Array): number {
    const dv = new DataView(buf.buffer, buf.byteOffset, 24);
    const magicBE = dv.getUint32(0, false);
    this.le = magicBE === 0xd4c3b2a1 || magicBE === 0x4d3cb2a1 || magicBE === 0x34cdb2a1;
    this.pcapNanos = this.format === 'pcap-ns';
    this.pcapModified = magicBE === 0xa1b2cd34 || magicBE === 0x34cdb2a1;
    const snaplen = dv.getUint32(16, this.le);
    // The upper bits of the link-type field carry FCS information (pcap-savefile(5)).
    const linkType = dv.getUint32(20, this.le) & 0x0fffffff;
    this.pcapIf = { linkType, snaplen, unitsPerSecond: this.pcapNanos ? 1e9 : 1e6, tsOffsetSec: 0, name: '', drops: null, osDrops: null, filter: null, isbStartRaw: null, isbEndRaw: null };
    this.format = 'pcap';
    return 24;
  }

  private consumePcap(buf: Uint8Array, start: number): number {
    const hdrLen = this.pcapModified ? 24 : 16;
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const le = this.le;
    const nanos = this.pcapNanos;
    const linkType = this.pcapIf!.linkType;
    let pos = start;
    while (pos + hdrLen <= buf.length) {
      const sec = dv.getUint32(pos, le);
      const frac = dv.getUint32(pos + 4, le);
      const incl = dv.getUint32(pos + 8, le);
      const orig = dv.getUint32(pos + 12, le);
      if (incl > MAX_RECORD) {
        this.stop(`corrupt record header at byte ${this.offset + pos} (captured length ${incl})`);
        return buf.length;
      }
      if (pos + hdrLen + incl > buf.length) break;
      const tsUs = nanos ? sec * 1e6 + frac / 1000 : sec * 1e6 + frac;
      this.rawA = sec;
      this.rawB = frac;
      this.rawForm = 1;
      this.emit(tsUs, linkType, buf, pos + hdrLen, incl, orig, 0);
      pos += hdrLen + incl;
    }
    return pos;
  }

  // ---- Microsoft Network Monitor 1.x / 2.x ------------------------------------------------
  // Records follow the 128-byte header back to back up to the frame table, so we read them
  // in order instead of seeking through the table (Wireshark wiretap/netmon.c has the layout).

  private netmon = { major: 2, minor: 0, startUs: 0, tableOffset: 0 };

  private readNetmonHeader(buf: Uint8Array): number {
    const dv = new DataView(buf.buffer, buf.byteOffset, 128);
    const major = buf[5];
    const minor = buf[4];
    const network = dv.getUint16(6, true);
    // The start time is a SYSTEMTIME with no time zone; we read it as UTC.
    const startMs = Date.UTC(dv.getUint16(8, true), dv.getUint16(10, true) - 1, dv.getUint16(14, true), dv.getUint16(16, true), dv.getUint16(18, true), dv.getUint16(20, true), dv.getUint16(22, true));
    const linkType = network <= 1 ? 1 : network === 9 || network === 7 || network === 8 ? 101 : -1;
    if (major !== 1 && major !== 2) this.stop(`unsupported Network Monitor version ${major}.${minor}`);
    else if (linkType < 0) this.stop(`unsupported Network Monitor network type ${network}`);
    this.netmon = { major, minor, startUs: startMs * 1000, tableOffset: dv.getUint32(24, true) };
    this.pcapIf = { linkType, snaplen: 0, unitsPerSecond: 1e6, tsOffsetSec: 0, name: '', drops: null, osDrops: null, filter: null, isbStartRaw: null, isbEndRaw: null };
    return 128;
  }

  private consumeNetmon(buf: Uint8Array, start: number): number {
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const { major, minor, startUs, tableOffset } = this.netmon;
    const hdrLen = major === 1 ? 8 : 16;
    const trailer = major === 2 ? (minor >= 3 ? 15 : minor === 2 ? 6 : minor === 1 ? 2 : 0) : 0;
    let pos = start;
    while (pos + hdrLen <= buf.length) {
      if (tableOffset > 0 && this.offset + pos >= tableOffset) {
        // The rest is the frame table and optional metadata, not packets.
        this.stopped = true;
        return buf.length;
      }
      let deltaUs: number, orig: number, incl: number;
      if (major === 1) {
        deltaUs = dv.getUint32(pos, true) * 1000;
        orig = dv.getUint16(pos + 4, true);
        incl = dv.getUint16(pos + 6, true);
      } else {
        deltaUs = dv.getUint32(pos, true) + dv.getUint32(pos + 4, true) * 4294967296;
        orig = dv.getUint32(pos + 8, true);
        incl = dv.getUint32(pos + 12, true);
      }
      if (incl > MAX_RECORD) {
        this.stop(`corrupt record header at byte ${this.offset + pos} (captured length ${incl})`);
        return buf.length;
      }
      const total = hdrLen + incl + trailer;
      if (pos + total > buf.length) break;
      this.rawForm = 0;
      this.emit(startUs + deltaUs, this.pcapIf!.linkType, buf, pos + hdrLen, incl, orig, 0);
      pos += total;
    }
    return pos;
  }

  // ---- pcapng --------------------------------------------------------------------------

  private consumePcapng(buf: Uint8Array, start: number): number {
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let pos = start;
    while (pos + 12 <= buf.length && !this.stopped) {
      let type = dv.getUint32(pos, this.le);
      if (type === 0x0a0d0d0a || dv.getUint32(pos, !this.le) === 0x0a0d0d0a) {
        // Section Header Block: its byte-order magic decides the order of the whole section.
        const bom = dv.getUint32(pos + 8, true);
        if (bom === 0x1a2b3c4d) this.le = true;
        else if (bom === 0x4d3c2b1a) this.le = false;
        else {
          this.stop(`corrupt pcapng section header at byte ${this.offset + pos}`);
          return buf.length;
        }
        type = 0x0a0d0d0a;
      }
      const len = dv.getUint32(pos + 4, this.le);
      if (len < 12 || len % 4 !== 0 || len > MAX_RECORD) {
        this.stop(`corrupt pcapng block length ${len} at byte ${this.offset + pos}`);
        return buf.length;
      }
      if (pos + len > buf.length) break;
      const trailer = dv.getUint32(pos + len - 4, this.le);
      if (trailer !== len) {
        this.stop(`corrupt pcapng block at byte ${this.offset + pos} (length fields disagree)`);
        return buf.length;
      }
      this.readBlock(dv, buf, pos, type, len);
      pos += len;
    }
    return pos;
  }

  private readBlock(dv: DataView, buf: Uint8Array, pos: number, type: number, len: number): void {
    const le = this.le;
    switch (type) {
      case 0x0a0d0d0a:
        this.sectionIfs = [];
        return;
      case 1: {
        // Interface Description Block
        if (len < 20) return this.badBlock('IDB', pos);
        const linkType = dv.getUint16(pos + 8, le);
        const snaplen = dv.getUint32(pos + 12, le);
        const info: InterfaceInfo = { linkType, snaplen, unitsPerSecond: 1e6, tsOffsetSec: 0, name: '', drops: null, osDrops: null, filter: null, isbStartRaw: null, isbEndRaw: null };
        this.readOptions(dv, buf, pos + 16, pos + len - 4, (code, o, l) => {
          if (code === 9 && l >= 1) {
            const v = buf[o];
            info.unitsPerSecond = v & 0x80 ? 2 ** (v & 0x7f) : 10 ** v;
          } else if (code === 14 && l >= 8) {
            // if_tsoffset is a SIGNED 64-bit count of seconds (pcapng §4.2). Read unsigned,
            // a negative offset became ~1.8e19 s: every timestamp of the interface landed
            // near 1.8e25 µs, where doubles are 2^32 µs apart, so all its packets got the
            // same time (max delta 0) while tshark applies the offset as signed.
            info.tsOffsetSec = readI64(dv, o, le);
          } else if (code === 2) {
            info.name = latin1(buf, o, l);
          } else if (code === 11 && l >= 1 && buf[o] === 0) {
            // if_filter: first byte 0 = a libpcap filter string (the BPF bytecode form, 1, is not read).
            info.filter = latin1(buf, o + 1, l - 1).trim();
          }
        });
        this.sectionIfs.push(info);
        this.allIfs.push(info);
        return;
      }
      case 6: {
        // Enhanced Packet Block
        if (len < 32) return this.badBlock('EPB', pos);
        const ifId = dv.getUint32(pos + 8, le);
        const hi = dv.getUint32(pos + 12, le);
        const lo = dv.getUint32(pos + 16, le);
        const capLen = dv.getUint32(pos + 20, le);
        const origLen = dv.getUint32(pos + 24, le);
        if (28 + capLen > len - 4) return this.badBlock('EPB', pos);
        const ifc = this.sectionIfs[ifId];
        if (!ifc) return this.badBlock('EPB (unknown interface)', pos);
        this.rawA = hi;
        this.rawB = lo;
        this.rawForm = 2;
        this.emit(toUs(hi, lo, ifc), ifc.linkType, buf, pos + 28, capLen, origLen, ifId);
        return;
      }
      case 3: {
        // Simple Packet Block: interface 0, no timestamp (we reuse the previous one).
        const ifc = this.sectionIfs[0];
        if (!ifc || len < 16) return this.badBlock('SPB', pos);
        const origLen = dv.getUint32(pos + 8, le);
        const capLen = Math.min(origLen, len - 16, ifc.snaplen || origLen);
        this.rawForm = 0;
        this.emit(this.lastUs ?? 0, ifc.linkType, buf, pos + 12, capLen, origLen, 0);
        return;
      }
      case 2: {
        // Packet Block (obsolete, still written by old tools)
        if (len < 32) return this.badBlock('PB', pos);
        const ifId = dv.getUint16(pos + 8, le);
        const hi = dv.getUint32(pos + 12, le);
        const lo = dv.getUint32(pos + 16, le);
        const capLen = dv.getUint32(pos + 20, le);
        const origLen = dv.getUint32(pos + 24, le);
        const ifc = this.sectionIfs[ifId];
        if (!ifc || 28 + capLen > len - 4) return this.badBlock('PB', pos);
        this.rawA = hi;
        this.rawB = lo;
        this.rawForm = 2;
        this.emit(toUs(hi, lo, ifc), ifc.linkType, buf, pos + 28, capLen, origLen, ifId);
        return;
      }
      case 5: {
        // Interface Statistics Block: counters are cumulative, so the last one wins.
        if (len < 24) return this.badBlock('ISB', pos);
        const ifc = this.sectionIfs[dv.getUint32(pos + 8, le)];
        if (!ifc) return;
        this.readOptions(dv, buf, pos + 20, pos + len - 4, (code, o, l) => {
          if (code === 5 && l >= 8) ifc.drops = this.counter(readU64(dv, o, le), 'isb_ifdrop');
          else if (code === 7 && l >= 8) ifc.osDrops = this.counter(readU64(dv, o, le), 'isb_osdrop');
          // isb_starttime / isb_endtime: high 32 bits first, like an EPB timestamp.
          else if (code === 2 && l >= 8) ifc.isbStartRaw = dv.getUint32(o, le) * 4294967296 + dv.getUint32(o + 4, le);
          else if (code === 3 && l >= 8) ifc.isbEndRaw = dv.getUint32(o, le) * 4294967296 + dv.getUint32(o + 4, le);
        });
        return;
      }
      default:
        // NRB, DSB, custom blocks…: not needed for call analysis.
        return;
    }
  }

  /**
   * A 64-bit statistics counter, or null when it is past 2^53: no capture drops that many
   * packets, the value is damaged, and as a float it would be refused by the index's INTEGER
   * column (the fuzzer lost a whole capture that way).
   */
  private counter(v: number, option: string): number | null {
    if (Number.isSafeInteger(v)) return v;
    this.stats.add('capture.bad_counter', 'warning', `A pcapng statistics counter (${option}) too large to be real was ignored`, this.frame > 0 ? this.frame : undefined);
    return null;
  }

  private badBlock(what: string, pos: number): void {
    this.stats.add('capture.bad_block', 'warning', `Malformed pcapng ${what} block skipped`, this.frame + 1);
    void pos;
  }

  private readOptions(dv: DataView, buf: Uint8Array, start: number, end: number, onOpt: (code: number, off: number, len: number) => void): void {
    let p = start;
    while (p + 4 <= end) {
      const code = dv.getUint16(p, this.le);
      const l = dv.getUint16(p + 2, this.le);
      if (code === 0) return;
      if (p + 4 + l > end) return;
      onOpt(code, p + 4, l);
      p += 4 + ((l + 3) & ~3);
    }
    void buf;
  }

  private emit(tsUs: number, linkType: number, buf: Uint8Array, off: number, capLen: number, origLen: number, ifId: number): void {
    this.frame++;
    if (!isRepresentableUs(tsUs)) {
      // A time no date can hold (corrupt if_tsoffset / if_tsresol, a 64-bit field near 2^63):
      // formatting it would throw and arithmetic on it is meaningless. The packet is kept,
      // at the time of the packet before it, and counted.
      this.stats.add('capture.bad_timestamp', 'warning', 'Packets whose timestamp is outside the range of dates (a damaged timestamp, or a corrupt pcapng if_tsoffset / if_tsresol) were given the time of the packet before them', this.frame);
      tsUs = this.prevUs;
    }
    this.prevUs = tsUs;
    if (this.firstUs === null) this.firstUs = tsUs;
    if (this.lastUs !== null && tsUs < this.lastUs) this.outOfOrder = true;
    if (this.lastUs === null || tsUs > this.lastUs) this.lastUs = tsUs;
    const p = this.pkt;
    p.frame = this.frame;
    p.tsUs = tsUs;
    p.linkType = linkType;
    p.buf = buf;
    p.off = off;
    p.capLen = capLen;
    p.origLen = origLen;
    p.interfaceId = ifId;
    this.onPacket(p);
  }
}

/** 64-bit timestamp in interface units → µs, without losing precision above 2^53 units. */
function toUs(hi: number, lo: number, ifc: InterfaceInfo): number {
  const u = ifc.unitsPerSecond;
  if (u === 1e6) return hi * 4294967296 + lo + ifc.tsOffsetSec * 1e6;
  const perUnit = 1e6 / u;
  return hi * (4294967296 * perUnit) + lo * perUnit + ifc.tsOffsetSec * 1e6;
}

/** Signed 64-bit (two's complement) as a number; exact within ±2^53. */
function readI64(dv: DataView, off: number, le: boolean): number {
  const lo = dv.getUint32(le ? off : off + 4, le);
  const hi = dv.getInt32(le ? off + 4 : off, le);
  return hi * 4294967296 + lo;
}

function readU64(dv: DataView, off: number, le: boolean): number {
  const a = dv.getUint32(off, le);
  const b = dv.getUint32(off + 4, le);
  return le ? b * 4294967296 + a : a * 4294967296 + b;
}

function latin1(buf: Uint8Array, off: number, len: number): string {
  let s = '';
  for (let i = 0; i < len && buf[off + i] !== 0; i++) s += String.fromCharCode(buf[off + i]);
  return s;
}
