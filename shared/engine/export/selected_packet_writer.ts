// Pass 2 of a per-call capture export: reads the original capture again and writes the
// selected frames (call_packet_selector.ts) as pcapng blocks, in their original order, with
// their original timestamps, link types and interfaces.
//
// Timestamps are copied as the file stores them, never rebuilt from the reader's µs double
// (its step is 0.25 µs at today's dates, so nanosecond times would move): a pcapng record keeps
// its interface's units, if_tsresol and if_tsoffset; a classic pcap record's seconds and
// fraction become units of 10^-6 or 10^-9 s on an interface saying so. Only records with no
// time of their own (SPB, Network Monitor) are written from tsUs.
// One IDB per original interface used, declared just before its first packet (pcapng allows
// IDBs anywhere in a section before their first use), so several captures can share one
// output section: their interfaces get distinct ids.
//
// Each selected packet goes through an optional transform before it is written — the hook a
// redaction pass uses to rewrite SIP headers or RTP payloads, or to drop a packet.
// Pure (no I/O): blocks go to a callback.

import type { CapturedPacket } from '../../model/packet.ts';
import { Stats } from '../../model/stats.ts';
import { CaptureReader, type CaptureReaderResult, type InterfaceInfo } from '../capture/capture_reader.ts';
import type { PcapngWriter } from '../capture/capture_writer.ts';
import { kindName, type SelectedFrames, type SelectedKind } from './call_packet_selector.ts';

/** A packet about to be written, as a transform sees it (valid only during the call). */
export interface ExportPacket {
  /** Frame number in the original capture. */
  frame: number;
  kind: SelectedKind;
  tsUs: number;
  linkType: number;
  /** The captured bytes (a view into the reader's buffer: copy to keep, never modify in place). */
  data: Uint8Array;
  origLen: number;
}

/**
 * Rewrites or drops a packet before it is written: return the bytes to write (same or a new
 * array; origLen follows a change of length), or null to leave the packet out.
 */
export type PacketTransform = (p: ExportPacket) => Uint8Array | null;

export interface SelectedPacketWriterOptions {
  /** Shared by every capture written into one output (interface ids are global to it). */
  writer: PcapngWriter;
  selection: SelectedFrames;
  /** opt_comment per original frame (e.g. the first packet of each call). */
  comments?: ReadonlyMap<number, string>;
  transform?: PacketTransform;
  /** Rewrites the interface's name and capture filter (a redacted export: a filter names hosts). */
  interfaceText?: (text: string) => string;
  /** Receives IDB and EPB blocks in file order. */
  out: (block: Uint8Array) => void;
}

interface OutIface { id: number; unitsPerSecond: number; tsOffsetSec: number }

/** if_tsresol for a units-per-second value: decimal digits, else a power of two. */
function tsresolOf(units: number): number | { pow2: number } | undefined {
  if (units === 1e6) return undefined;
  for (let d = 0; d <= 18; d++) if (10 ** d === units) return d;
  const p = Math.round(Math.log2(units));
  return 2 ** p === units ? { pow2: p } : undefined;
}

export class SelectedPacketWriter {
  private readonly stats = new Stats();
  private readonly reader: CaptureReader;
  private readonly ifaces = new Map<InterfaceInfo, OutIface>();
  private next = 0;
  /** Packets written, and dropped by the transform. */
  written = 0;
  dropped = 0;

  constructor(private readonly o: SelectedPacketWriterOptions) {
    this.reader = new CaptureReader(this.stats, (pkt) => this.onPacket(pkt));
  }

  push(chunk: Uint8Array): void {
    this.reader.push(chunk);
  }

  /**
   * Ends the read, then writes an ISB per interface used whose original recorded its window
   * (isb_starttime / isb_endtime) or drops: the recording went on around the call, and the
   * diagnosis reads that window (a call that goes silent while the capture records on).
   */
  end(): CaptureReaderResult {
    const res = this.reader.end();
    for (const [info, out] of this.ifaces) {
      if (info.isbStartRaw === null && info.isbEndRaw === null && info.drops === null) continue;
      const ticks = (raw: number | null): bigint | undefined => (raw === null ? undefined : BigInt(Math.round(raw)));
      this.o.out(this.o.writer.isbTicks(out.id, { startTicks: ticks(info.isbStartRaw), endTicks: ticks(info.isbEndRaw), drops: info.drops ?? undefined }));
    }
    return res;
  }

  /** Selected frames the file did not hold this time (0 when the file is the one selected from). */
  get framesNotFound(): number {
    return this.o.selection.frames.length - this.next;
  }

  private iface(pkt: CapturedPacket): OutIface {
    // A record always has its interface (the reader skips EPBs naming none); the fallback
    // keeps the types total.
    const key = this.reader.interfaceOf(pkt.interfaceId) ?? this.fallbackIface(pkt.linkType);
    let out = this.ifaces.get(key);
    if (out) return out;
    const raw = this.reader.rawTimestamp();
    // A classic pcap record's fraction is µs or ns as its magic says (unitsPerSecond).
    const units = key.unitsPerSecond;
    out = { id: this.o.writer.interfaceCount, unitsPerSecond: units, tsOffsetSec: raw?.form === 'secFrac' ? 0 : key.tsOffsetSec };
    this.o.out(this.o.writer.idb({
      linkType: key.linkType,
      snaplen: key.snaplen,
      tsresol: tsresolOf(units),
      tsoffset: out.tsOffsetSec !== 0 ? out.tsOffsetSec : undefined,
      name: key.name ? (this.o.interfaceText?.(key.name) ?? key.name) : undefined,
      filter: key.filter !== null ? (this.o.interfaceText?.(key.filter) ?? key.filter) : undefined,
    }));
    this.ifaces.set(key, out);
    return out;
  }

  private readonly fallbacks = new Map<number, InterfaceInfo>();
  private fallbackIface(linkType: number): InterfaceInfo {
    let f = this.fallbacks.get(linkType);
    if (!f) {
      f = { linkType, snaplen: 0, unitsPerSecond: 1e6, tsOffsetSec: 0, name: '', drops: null, osDrops: null, filter: null, isbStartRaw: null, isbEndRaw: null };
      this.fallbacks.set(linkType, f);
    }
    return f;
  }

  private ticks(pkt: CapturedPacket, ifc: OutIface): bigint {
    const raw = this.reader.rawTimestamp();
    if (raw?.form === 'ticks') return (BigInt(raw.hi) << 32n) | BigInt(raw.lo);
    if (raw?.form === 'secFrac') return BigInt(raw.sec) * BigInt(ifc.unitsPerSecond) + BigInt(raw.frac);
    // No stored time (SPB, Network Monitor): from tsUs, in the interface's units, before its offset.
    const rel = pkt.tsUs - ifc.tsOffsetSec * 1e6;
    const whole = Math.floor(rel);
    const units = BigInt(ifc.unitsPerSecond);
    return (BigInt(whole) * units) / 1_000_000n + BigInt(Math.round(((rel - whole) * ifc.unitsPerSecond) / 1e6));
  }

  private onPacket(pkt: CapturedPacket): void {
    const sel = this.o.selection;
    const i = this.next;
    if (i >= sel.frames.length || sel.frames[i] !== pkt.frame) return;
    this.next++;
    let data = pkt.buf.subarray(pkt.off, pkt.off + pkt.capLen);
    let origLen = pkt.origLen;
    if (this.o.transform) {
      const t = this.o.transform({ frame: pkt.frame, kind: kindName(sel.kinds[i]), tsUs: pkt.tsUs, linkType: pkt.linkType, data, origLen });
      if (t === null) {
        this.dropped++;
        return;
      }
      if (t.length !== data.length) origLen = Math.max(t.length, origLen - data.length + t.length);
      data = t;
    }
    const ifc = this.iface(pkt);
    this.o.out(this.o.writer.epbTicks(ifc.id, this.ticks(pkt, ifc), data, origLen, this.o.comments?.get(pkt.frame)));
    this.written++;
  }
}
