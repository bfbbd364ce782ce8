// Writers that produce whole capture files as Uint8Array chunks (concatenate or stream
// them): classic pcap (tcpdump.org pcap format, draft-ietf-opsawg-pcap §4–5) and pcapng
// (draft-ietf-opsawg-pcapng: SHB §4.1, IDB §4.2, EPB §4.3, SPB §4.4, NRB §4.5, ISB §4.6).
// Used for test fixtures and exports; pure, no I/O. Timestamps are µs since the epoch
// (fractional allowed, as CapturedPacket.tsUs); 64-bit fields go through BigInt.

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** Splits a µs timestamp into whole seconds and a fraction in units of 10^-digits s. */
function splitTs(tsUs: number, digits: number): [number, number] {
  let sec = Math.floor(tsUs / 1e6);
  const scale = 10 ** digits;
  let frac = Math.round(((tsUs - sec * 1e6) / 1e6) * scale);
  if (frac >= scale) { sec += 1; frac -= scale; }
  return [sec, frac];
}

export interface PcapWriterOptions {
  linkType: number;
  /** Nanosecond magic (0xa1b23c4d) instead of microseconds. */
  nanos?: boolean;
  bigEndian?: boolean;
  snaplen?: number;
}

/** Classic libpcap file: 24-byte global header, then 16-byte record headers + data. */
export class PcapWriter {
  private readonly le: boolean;
  readonly snaplen: number;

  constructor(private readonly o: PcapWriterOptions) {
    this.le = !o.bigEndian;
    this.snaplen = o.snaplen ?? 262144;
  }

  header(): Uint8Array {
    const b = new Uint8Array(24);
    const v = new DataView(b.buffer);
    v.setUint32(0, this.o.nanos ? 0xa1b23c4d : 0xa1b2c3d4, this.le);
    v.setUint16(4, 2, this.le);
    v.setUint16(6, 4, this.le);
    v.setInt32(8, 0, this.le); // thiszone
    v.setUint32(12, 0, this.le); // sigfigs
    v.setUint32(16, this.snaplen, this.le);
    v.setUint32(20, this.o.linkType, this.le);
    return b;
  }

  /** One record; `data` is cut to the snaplen, origLen defaults to data.length. */
  packet(tsUs: number, data: Uint8Array, origLen?: number): Uint8Array {
    const cap = Math.min(data.length, this.snaplen);
    const b = new Uint8Array(16 + cap);
    const v = new DataView(b.buffer);
    const [sec, frac] = splitTs(tsUs, this.o.nanos ? 9 : 6);
    v.setUint32(0, sec, this.le);
    v.setUint32(4, frac, this.le);
    v.setUint32(8, cap, this.le);
    v.setUint32(12, origLen ?? data.length, this.le);
    b.set(data.subarray(0, cap), 16);
    return b;
  }
}

export interface IdbOptions {
  linkType: number;
  snaplen?: number;
  /**
   * if_tsresol (IDB option 9): decimal digits (6 = µs, the default; 9 = ns), or
   * {pow2: n} for 2^-n second units.
   */
  tsresol?: number | { pow2: number };
  /**
   * if_tsoffset (IDB option 14): whole seconds the reader adds to every timestamp of the
   * interface (signed 64-bit). Packet timestamps given to epb() stay absolute; the writer
   * subtracts the offset, so the file carries the offset and the smaller raw timestamps.
   */
  tsoffset?: number;
  name?: string;
  /** if_filter (IDB option 11) as a libpcap filter string, the way dumpcap records `-f`. */
  filter?: string;
}

export interface NameRecord { ip: Uint8Array; names: string[] }

const enc = (s: string): Uint8Array => {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0x7f;
  return out;
};

/** UTF-8, as pcapng requires for every string option (opt_comment, §3.5). */
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** One pcapng option: code(2) length(2) value padded to 4. */
interface Opt { code: number; value: Uint8Array }

/** pcapng section writer. Call shb() first, then idb() for each interface (ids from 0). */
export class PcapngWriter {
  private readonly le: boolean;
  private readonly ifaces: { linkType: number; snaplen: number; units: bigint; offsetSec: number }[] = [];

  constructor(o: { bigEndian?: boolean } = {}) {
    this.le = !o.bigEndian;
  }

  /** Interfaces declared so far. */
  get interfaceCount(): number {
    return this.ifaces.length;
  }

  private block(type: number, bodyLen: number, fill: (v: DataView, b: Uint8Array) => void, opts: Opt[] = []): Uint8Array {
    let optLen = 0;
    for (const op of opts) optLen += 4 + pad4(op.value.length);
    if (opts.length) optLen += 4; // opt_endofopt
    const total = 12 + pad4(bodyLen) + optLen;
    const b = new Uint8Array(total);
    const v = new DataView(b.buffer);
    v.setUint32(0, type, this.le);
    v.setUint32(4, total, this.le);
    fill(new DataView(b.buffer, 8), b.subarray(8));
    let p = 8 + pad4(bodyLen);
    for (const op of opts) {
      v.setUint16(p, op.code, this.le);
      v.setUint16(p + 2, op.value.length, this.le);
      b.set(op.value, p + 4);
      p += 4 + pad4(op.value.length);
    }
    // opt_endofopt is code 0 length 0: already zero.
    v.setUint32(total - 4, total, this.le);
    return b;
  }

  private u64(v: bigint): Uint8Array {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, v, this.le);
    return b;
  }

  /** Section Header Block; section length -1 (unknown), as streaming writers do. */
  shb(o: { userAppl?: string; comment?: string } = {}): Uint8Array {
    const opts: Opt[] = o.userAppl ? [{ code: 4, value: enc(o.userAppl) }] : [];
    // opt_comment (code 1): shown by capinfos and Wireshark's capture file properties.
    if (o.comment) opts.unshift({ code: 1, value: utf8(o.comment) });
    return this.block(0x0a0d0d0a, 16, (v) => {
      v.setUint32(0, 0x1a2b3c4d, this.le);
      v.setUint16(4, 1, this.le);
      v.setUint16(6, 0, this.le);
      v.setBigInt64(8, -1n, this.le);
    }, opts);
  }

  /** Interface Description Block; returns the bytes, the interface id is the declaration order. */
  idb(o: IdbOptions): Uint8Array {
    const snaplen = o.snaplen ?? 0; // 0 = no limit (pcapng §4.2)
    const opts: Opt[] = [];
    let units = 1_000_000n;
    if (o.tsresol !== undefined) {
      if (typeof o.tsresol === 'number') {
        units = 10n ** BigInt(o.tsresol);
        opts.push({ code: 9, value: Uint8Array.of(o.tsresol) });
      } else {
        units = 1n << BigInt(o.tsresol.pow2);
        opts.push({ code: 9, value: Uint8Array.of(0x80 | o.tsresol.pow2) });
      }
    }
    if (o.tsoffset !== undefined) {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setBigInt64(0, BigInt(o.tsoffset), this.le);
      opts.push({ code: 14, value: b });
    }
    if (o.name) opts.unshift({ code: 2, value: enc(o.name) });
    if (o.filter !== undefined) opts.push({ code: 11, value: Uint8Array.from([0, ...enc(o.filter)]) });
    this.ifaces.push({ linkType: o.linkType, snaplen, units, offsetSec: o.tsoffset ?? 0 });
    return this.block(1, 8, (v) => {
      v.setUint16(0, o.linkType, this.le);
      v.setUint32(4, snaplen, this.le);
    }, opts);
  }

  private ticks(ifId: number, tsUs: number): bigint {
    const units = this.ifaces[ifId]?.units ?? 1_000_000n;
    const rel = tsUs - (this.ifaces[ifId]?.offsetSec ?? 0) * 1e6;
    // Whole µs and the sub-µs remainder separately keep ns precision beyond 2^53.
    const whole = Math.floor(rel);
    const sub = rel - whole;
    return (BigInt(whole) * units) / 1_000_000n + BigInt(Math.round((sub * Number(units)) / 1e6));
  }

  /** Enhanced Packet Block. */
  epb(ifId: number, tsUs: number, data: Uint8Array, origLen?: number): Uint8Array {
    return this.epbTicks(ifId, this.ticks(ifId, tsUs), data, origLen);
  }

  /**
   * Enhanced Packet Block with its timestamp given in the interface's own units, before
   * if_tsoffset (exactly what a reader found in the original record: an export keeps the
   * original times to the last unit this way), and an optional opt_comment (code 1, UTF-8,
   * tshark's frame.comment).
   */
  epbTicks(ifId: number, t: bigint, data: Uint8Array, origLen?: number, comment?: string): Uint8Array {
    const snap = this.ifaces[ifId]?.snaplen ?? 0;
    const cap = snap > 0 ? Math.min(snap, data.length) : data.length;
    const opts: Opt[] = comment ? [{ code: 1, value: utf8(comment) }] : [];
    return this.block(6, 20 + cap, (v, b) => {
      v.setUint32(0, ifId, this.le);
      v.setUint32(4, Number(t >> 32n), this.le);
      v.setUint32(8, Number(t & 0xffffffffn), this.le);
      v.setUint32(12, cap, this.le);
      v.setUint32(16, origLen ?? data.length, this.le);
      b.set(data.subarray(0, cap), 20);
    }, opts);
  }

  /** Simple Packet Block: interface 0, no timestamp; captured length implied by the block length. */
  spb(data: Uint8Array, origLen?: number): Uint8Array {
    const snap = this.ifaces[0]?.snaplen ?? 0;
    const cap = snap > 0 ? Math.min(snap, data.length) : data.length;
    return this.block(3, 4 + cap, (v, b) => {
      v.setUint32(0, origLen ?? data.length, this.le);
      b.set(data.subarray(0, cap), 4);
    });
  }

  /** Name Resolution Block: IPv4 (4-byte) and IPv6 (16-byte) records. */
  nrb(records: NameRecord[]): Uint8Array {
    const recs = records.map((r) => {
      const names = r.names.map((n) => [...enc(n), 0]).flat();
      const value = Uint8Array.from([...r.ip, ...names]);
      return { type: r.ip.length === 16 ? 2 : 1, value };
    });
    let len = 4; // nrb_record_end
    for (const r of recs) len += 4 + pad4(r.value.length);
    return this.block(4, len, (v, b) => {
      let p = 0;
      for (const r of recs) {
        v.setUint16(p, r.type, this.le);
        v.setUint16(p + 2, r.value.length, this.le);
        b.set(r.value, p + 4);
        p += 4 + pad4(r.value.length);
      }
    });
  }

  /**
   * Interface Statistics Block with times already in the interface's units (before
   * if_tsoffset), as a reader found them: an export carries the original recording window.
   */
  isbTicks(ifId: number, o: { startTicks?: bigint; endTicks?: bigint; drops?: number }): Uint8Array {
    const t = o.endTicks ?? o.startTicks ?? 0n;
    const hiLo = (v: bigint): Uint8Array => {
      const b = new Uint8Array(8);
      const d = new DataView(b.buffer);
      d.setUint32(0, Number((v >> 32n) & 0xffffffffn), this.le);
      d.setUint32(4, Number(v & 0xffffffffn), this.le);
      return b;
    };
    const opts: Opt[] = [];
    if (o.startTicks !== undefined) opts.push({ code: 2, value: hiLo(o.startTicks) });
    if (o.endTicks !== undefined) opts.push({ code: 3, value: hiLo(o.endTicks) });
    if (o.drops !== undefined) opts.push({ code: 5, value: this.u64(BigInt(o.drops)) });
    return this.block(5, 12, (v) => {
      v.setUint32(0, ifId, this.le);
      v.setUint32(4, Number((t >> 32n) & 0xffffffffn), this.le);
      v.setUint32(8, Number(t & 0xffffffffn), this.le);
    }, opts);
  }

  /**
   * Interface Statistics Block with isb_starttime (2), isb_endtime (3), isb_ifrecv (4) and
   * isb_ifdrop (5). `windowInMicroseconds` writes the start/end (and the block's own
   * timestamp) in µs whatever the interface's resolution, as dumpcap does for nanosecond
   * interfaces.
   */
  isb(ifId: number, tsUs: number, o: { drops?: number | bigint; received?: number | bigint; startUs?: number; endUs?: number; windowInMicroseconds?: boolean }): Uint8Array {
    const ticks = (us: number): bigint => (o.windowInMicroseconds ? BigInt(Math.round(us)) : this.ticks(ifId, us));
    const t = ticks(tsUs);
    const opts: Opt[] = [];
    const hiLo = (v: bigint): Uint8Array => {
      const b = new Uint8Array(8);
      const d = new DataView(b.buffer);
      d.setUint32(0, Number(v >> 32n), this.le);
      d.setUint32(4, Number(v & 0xffffffffn), this.le);
      return b;
    };
    if (o.startUs !== undefined) opts.push({ code: 2, value: hiLo(ticks(o.startUs)) });
    if (o.endUs !== undefined) opts.push({ code: 3, value: hiLo(ticks(o.endUs)) });
    if (o.received !== undefined) opts.push({ code: 4, value: this.u64(BigInt(o.received)) });
    if (o.drops !== undefined) opts.push({ code: 5, value: this.u64(BigInt(o.drops)) });
    return this.block(5, 12, (v) => {
      v.setUint32(0, ifId, this.le);
      v.setUint32(4, Number(t >> 32n), this.le);
      v.setUint32(8, Number(t & 0xffffffffn), this.le);
    }, opts);
  }
}
