// Packet construction for tests and fixture generation: every link layer, tunnel and
// transport the decoder reads, with correct length fields and a correct IPv4 header
// checksum (RFC 791 §3.1; RFC 1071 ones' complement). UDP/TCP/SCTP checksums are left 0
// (the decoder, like tshark by default, does not verify them). Pure functions → Uint8Array.

export function concat(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function be16(v: number): Uint8Array {
  return Uint8Array.of((v >> 8) & 0xff, v & 0xff);
}

function be32(v: number): Uint8Array {
  return Uint8Array.of((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

export function ascii(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

// ---------------------------------------------------------------- addresses

export function ipv4Bytes(s: string): Uint8Array {
  const p = s.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !(x >= 0 && x <= 255))) throw new Error(`bad IPv4 ${s}`);
  return Uint8Array.from(p);
}

/** Parses any RFC 4291 §2.2 text form (with ::, and a trailing dotted quad). */
export function ipv6Bytes(s: string): Uint8Array {
  let text = s;
  const c = text.lastIndexOf(':');
  if (text.includes('.')) {
    // Trailing dotted quad (::ffff:192.0.2.1) → two hex groups.
    const v4 = ipv4Bytes(text.slice(c + 1));
    text = `${text.slice(0, c + 1)}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) throw new Error(`bad IPv6 ${s}`);
  const parse = (t: string): number[] => (t ? t.split(':').map((x) => (/^[0-9a-f]{1,4}$/i.test(x) ? parseInt(x, 16) : NaN)) : []);
  const head = parse(halves[0]);
  const tail = halves.length === 2 ? parse(halves[1]) : [];
  const fill = halves.length === 2 ? 8 - head.length - tail.length : 0;
  const groups = [...head, ...new Array<number>(Math.max(0, fill)).fill(0), ...tail];
  if (groups.length !== 8 || fill < 0 || (halves.length === 2 && fill < 1) || groups.some((g) => Number.isNaN(g))) {
    throw new Error(`bad IPv6 ${s}`);
  }
  const out = new Uint8Array(16);
  groups.forEach((g, i) => { out[2 * i] = g >> 8; out[2 * i + 1] = g & 0xff; });
  return out;
}

// ---------------------------------------------------------------- link layers

export interface VlanTag { tpid?: number; vid: number; pcp?: number }

export interface EthernetOpts {
  dst?: Uint8Array;
  src?: Uint8Array;
  /** Tags outer first; a number is an 802.1Q tag (TPID 0x8100). */
  vlans?: (number | VlanTag)[];
  type: number;
}

export function ethernet(o: EthernetOpts, payload: Uint8Array): Uint8Array {
  const dst = o.dst ?? Uint8Array.of(0x00, 0x11, 0x22, 0x33, 0x44, 0x55);
  const src = o.src ?? Uint8Array.of(0x00, 0x66, 0x77, 0x88, 0x99, 0xaa);
  const tags = (o.vlans ?? []).map((t) => {
    const tag = typeof t === 'number' ? { vid: t } : t;
    return concat(be16(tag.tpid ?? 0x8100), be16(((tag.pcp ?? 0) << 13) | (tag.vid & 0xfff)));
  });
  return concat(dst, src, ...tags, be16(o.type), payload);
}

/** LINKTYPE_LINUX_SLL (16-byte header). */
export function sll(protocol: number, payload: Uint8Array, o: { pktType?: number; arphrd?: number } = {}): Uint8Array {
  const addr = Uint8Array.of(0x00, 0x66, 0x77, 0x88, 0x99, 0xaa, 0, 0);
  return concat(be16(o.pktType ?? 0), be16(o.arphrd ?? 1), be16(6), addr, be16(protocol), payload);
}

/** LINKTYPE_LINUX_SLL2 (20-byte header). */
export function sll2(protocol: number, payload: Uint8Array, o: { ifIndex?: number; arphrd?: number; pktType?: number } = {}): Uint8Array {
  const addr = Uint8Array.of(0x00, 0x66, 0x77, 0x88, 0x99, 0xaa, 0, 0);
  return concat(be16(protocol), be16(0), be32(o.ifIndex ?? 1), be16(o.arphrd ?? 1),
    Uint8Array.of(o.pktType ?? 0, 6), addr, payload);
}

/** LINKTYPE_NULL / LOOP: 4-byte address family (2 = AF_INET; 10/24/28/30 = AF_INET6). */
export function nullLoopback(family: number, payload: Uint8Array, bigEndian = false): Uint8Array {
  const f = bigEndian ? be32(family) : be32(family).reverse();
  return concat(f, payload);
}

/** LINKTYPE_RAW / IPV4 / IPV6: the IP packet itself. */
export function raw(ipPacket: Uint8Array): Uint8Array {
  return ipPacket.slice();
}

/** PPPoE session header + PPP protocol (0x0021 IPv4, 0x0057 IPv6); wrap in ethernet type 0x8864. */
export function pppoeSession(pppProto: number, payload: Uint8Array, session = 0x1234): Uint8Array {
  return concat(Uint8Array.of(0x11, 0x00), be16(session), be16(payload.length + 2), be16(pppProto), payload);
}

/** IEEE 802.3 CRC-32 (the Ethernet FCS), bitwise: fixtures are small. */
export function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) {
    c ^= b[i];
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** ERF record types whose payload is an Ethernet frame after 2 bytes of offset and pad. */
const ERF_ETH_TYPES = new Set([2, 11, 16, 20]);

export interface ErfOpts {
  /** ERF record type: 2 ETH (11, 16, 20: its color/hash variants), 22 IPv4, 23 IPv6 … */
  type: number;
  /** Record timestamp, µs since the epoch, written as ERF's little-endian 32.32 fixed point. */
  tsUs: number;
  /** Flags byte; default 0x04 (vlen: the record is not padded), capture interface 0. */
  flags?: number;
  /** Loss counter, or the color of the color types. */
  lctr?: number;
  /** Extension headers, 8 bytes each (their type in byte 0); the "more follow" bits are set here. */
  ext?: Uint8Array[];
  /** Ethernet types: append the frame's FCS (a DAG card captures it); wlen counts it either way. */
  fcs?: boolean;
}

/**
 * One ERF record (LINKTYPE_ERF 197), as DAG cards write them: 16-byte header, extension
 * headers, then for Ethernet types offset(1) pad(1) and the frame, else the payload itself.
 */
export function erf(o: ErfOpts, payload: Uint8Array): Uint8Array {
  const isEth = ERF_ETH_TYPES.has(o.type & 0x7f);
  const fcs = isEth && o.fcs ? be32(crc32(payload)).reverse() : new Uint8Array(0);
  const ext = (o.ext ?? []).map((e, i, all) => {
    if (e.length !== 8) throw new Error('an ERF extension header is 8 bytes');
    const x = e.slice();
    x[0] = (x[0] & 0x7f) | (i + 1 < all.length ? 0x80 : 0);
    return x;
  });
  const body = concat(...ext, isEth ? new Uint8Array(2) : new Uint8Array(0), payload, fcs);
  const h = new Uint8Array(16);
  const sec = Math.floor(o.tsUs / 1e6);
  const frac = Math.round(((o.tsUs - sec * 1e6) / 1e6) * 2 ** 32);
  const ts = (BigInt(sec) << 32n) + BigInt(frac);
  const v = new DataView(h.buffer);
  v.setBigUint64(0, ts, true);
  h[8] = (o.type & 0x7f) | (ext.length ? 0x80 : 0);
  h[9] = o.flags ?? 0x04;
  v.setUint16(10, 16 + body.length);
  v.setUint16(12, o.lctr ?? 0);
  // Ethernet: the frame on the wire, FCS included, whether or not it was captured.
  v.setUint16(14, payload.length + (isEth ? 4 : 0));
  return concat(h, body);
}

export interface NflogTlv { type: number; value: Uint8Array }

export interface NflogOpts {
  /** Address family: 2 AF_INET, 10 AF_INET6, 0 (unspecified). */
  family: number;
  /** The nflog group (`iptables … -j NFLOG --nflog-group N`), big-endian. */
  resourceId?: number;
  /** TLVs before the payload (NFULA_PACKET_HDR 1, NFULA_PREFIX 10, NFULA_UID 11 …). */
  tlvs?: NflogTlv[];
  /** TLV length and type in big-endian, as a big-endian host writes them (default little). */
  bigEndian?: boolean;
}

/**
 * LINKTYPE_NFLOG (239) record: family(1) version 0(1) resource id(2), then each TLV as
 * length(2) type(2) value, padded to 4 bytes, host byte order; the payload is TLV 9.
 */
export function nflog(o: NflogOpts, payload: Uint8Array): Uint8Array {
  const h16 = (v: number): Uint8Array => (o.bigEndian ? be16(v) : be16(v).reverse());
  const tlvs = [...(o.tlvs ?? []), { type: 9, value: payload }].map((t) => {
    const len = 4 + t.value.length;
    return concat(h16(len), h16(t.type), t.value, new Uint8Array((4 - (len & 3)) & 3));
  });
  return concat(Uint8Array.of(o.family, 0), be16(o.resourceId ?? 0), ...tlvs);
}

// ---------------------------------------------------------------- IP

export interface Ipv4Opts {
  src: string;
  dst: string;
  proto: number;
  id?: number;
  ttl?: number;
  dontFragment?: boolean;
  moreFragments?: boolean;
  /** In bytes; must be a multiple of 8. */
  fragOffset?: number;
  /** Raw option bytes, padded here to a multiple of 4. */
  options?: Uint8Array;
  /** Override Total Length (e.g. 0 for offload captures). */
  totalLength?: number;
}

/** RFC 1071 Internet checksum over `b`. */
export function internetChecksum(b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i + 1 < b.length; i += 2) sum += (b[i] << 8) | b[i + 1];
  if (b.length & 1) sum += b[b.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

export function ipv4(o: Ipv4Opts, payload: Uint8Array): Uint8Array {
  const optLen = o.options ? (o.options.length + 3) & ~3 : 0;
  const hl = 20 + optLen;
  const h = new Uint8Array(hl);
  h[0] = 0x40 | (hl / 4);
  h.set(be16(o.totalLength ?? hl + payload.length), 2);
  h.set(be16(o.id ?? 0x1234), 4);
  const fo = (o.fragOffset ?? 0) / 8;
  h.set(be16((o.dontFragment ? 0x4000 : 0) | (o.moreFragments ? 0x2000 : 0) | (fo & 0x1fff)), 6);
  h[8] = o.ttl ?? 64;
  h[9] = o.proto;
  h.set(ipv4Bytes(o.src), 12);
  h.set(ipv4Bytes(o.dst), 16);
  if (o.options) h.set(o.options, 20);
  h.set(be16(internetChecksum(h)), 10);
  return concat(h, payload);
}

/** Splits `payload` (an L4 datagram) into IPv4 fragments of at most `fragSize` payload bytes (rounded down to 8). */
export function ipv4Fragments(o: Ipv4Opts, payload: Uint8Array, fragSize: number): Uint8Array[] {
  const step = Math.max(8, fragSize & ~7);
  const out: Uint8Array[] = [];
  for (let off = 0; off < payload.length; off += step) {
    const part = payload.subarray(off, Math.min(payload.length, off + step));
    out.push(ipv4({ ...o, fragOffset: off, moreFragments: off + step < payload.length }, part));
  }
  return out;
}

/** An IPv6 extension header in the generic layout, or a Fragment / AH header. */
export type Ipv6Ext =
  | { type: 'hop' | 'dst' | 'routing'; /** option bytes after next/len; padded to 8n-2 */ data?: Uint8Array }
  | { type: 'fragment'; offset: number; more: boolean; id: number }
  | { type: 'ah'; /** ICV etc. after the 12 fixed bytes; multiple of 4 */ icv?: Uint8Array };

const EXT_NUM = { hop: 0, routing: 43, dst: 60, fragment: 44, ah: 51 } as const;

export interface Ipv6Opts {
  src: string;
  dst: string;
  /** Upper-layer protocol after the extension headers. */
  nextHeader: number;
  hopLimit?: number;
  ext?: Ipv6Ext[];
  payloadLength?: number;
}

function extBytes(e: Ipv6Ext, next: number): Uint8Array {
  if (e.type === 'fragment') {
    return concat(Uint8Array.of(next, 0), be16((e.offset & 0xfff8) | (e.more ? 1 : 0)), be32(e.id));
  }
  if (e.type === 'ah') {
    const icv = e.icv ?? new Uint8Array(4);
    const len = 12 + icv.length;
    return concat(Uint8Array.of(next, len / 4 - 2), be16(0), be32(0x100), be32(1), icv);
  }
  const data = e.data ?? new Uint8Array(0);
  const len = (data.length + 2 + 7) & ~7; // PadN-free: zero bytes are Pad1 options
  const out = new Uint8Array(len);
  out[0] = next;
  out[1] = len / 8 - 1;
  if (e.type === 'routing') { out[2] = 0; out[3] = 0; } // type 0, segments left 0
  out.set(data, e.type === 'routing' ? 4 : 2);
  return out;
}

export function ipv6(o: Ipv6Opts, payload: Uint8Array): Uint8Array {
  const ext = o.ext ?? [];
  const parts: Uint8Array[] = [];
  for (let i = 0; i < ext.length; i++) {
    const next = i + 1 < ext.length ? EXT_NUM[ext[i + 1].type] : o.nextHeader;
    parts.push(extBytes(ext[i], next));
  }
  const body = concat(...parts, payload);
  const h = new Uint8Array(40);
  h[0] = 0x60;
  h.set(be16(o.payloadLength ?? body.length), 4);
  h[6] = ext.length ? EXT_NUM[ext[0].type] : o.nextHeader;
  h[7] = o.hopLimit ?? 64;
  h.set(ipv6Bytes(o.src), 8);
  h.set(ipv6Bytes(o.dst), 24);
  return concat(h, body);
}

/**
 * RFC 8200 §4.5 fragmentation: `o.ext` is the unfragmentable part (hop-by-hop, routing);
 * `fragmentable` is everything after the Fragment header (further extension headers and the
 * upper-layer header + data), whose first header type is `o.nextHeader`.
 */
export function ipv6Fragments(o: Ipv6Opts, fragmentable: Uint8Array, fragSize: number, id = 0xabcd): Uint8Array[] {
  const step = Math.max(8, fragSize & ~7);
  const out: Uint8Array[] = [];
  for (let off = 0; off < fragmentable.length; off += step) {
    const part = fragmentable.subarray(off, Math.min(fragmentable.length, off + step));
    const ext: Ipv6Ext[] = [...(o.ext ?? []), { type: 'fragment', offset: off, more: off + step < fragmentable.length, id }];
    out.push(ipv6({ ...o, ext, payloadLength: undefined }, part));
  }
  return out;
}

// ---------------------------------------------------------------- tunnels

export interface GreOpts {
  /** Protocol Type: 0x0800, 0x86dd, 0x6558, 0x88be, 0x22eb. */
  proto: number;
  checksum?: boolean;
  key?: number;
  seq?: number;
}

/** GRE header (RFC 2784 + RFC 2890 key/sequence); wrap in IP with proto 47. */
export function gre(o: GreOpts, payload: Uint8Array): Uint8Array {
  let fl = 0;
  const extra: Uint8Array[] = [];
  if (o.checksum) { fl |= 0x8000; extra.push(new Uint8Array(4)); }
  if (o.key !== undefined) { fl |= 0x2000; extra.push(be32(o.key)); }
  if (o.seq !== undefined) { fl |= 0x1000; extra.push(be32(o.seq)); }
  return concat(be16(fl), be16(o.proto), ...extra, payload);
}

/** GRE + ERSPAN type II header (version 1) around an Ethernet frame. */
export function erspanII(ethFrame: Uint8Array, o: { session?: number; vlan?: number; seq?: number } = {}): Uint8Array {
  const hdr = concat(be16((1 << 12) | ((o.vlan ?? 0) & 0xfff)), be16((o.session ?? 1) & 0x3ff), be32(0));
  return gre({ proto: 0x88be, seq: o.seq ?? 1 }, concat(hdr, ethFrame));
}

/** GRE + ERSPAN type I (no ERSPAN header, GRE without sequence number). */
export function erspanI(ethFrame: Uint8Array): Uint8Array {
  return gre({ proto: 0x88be }, ethFrame);
}

/** GRE + ERSPAN type III header (version 2), optional 8-byte platform sub-header. */
export function erspanIII(frame: Uint8Array, o: { session?: number; timestamp?: number; frameType?: number; subHeader?: boolean } = {}): Uint8Array {
  const w = (((o.frameType ?? 0) & 0x1f) << 10) | (o.subHeader ? 1 : 0);
  const hdr = concat(be16(2 << 12), be16((o.session ?? 1) & 0x3ff), be32(o.timestamp ?? 0), be16(0), be16(w),
    o.subHeader ? new Uint8Array(8) : new Uint8Array(0));
  return gre({ proto: 0x22eb, seq: 1 }, concat(hdr, frame));
}

export interface GtpuExtHeader {
  /** Extension header type, e.g. 0x85 PDU Session Container, 0xc0 PDCP PDU Number. */
  type: number;
  /** Content; zero-padded here so that length(1) + content + next type(1) is a multiple of 4. */
  content: Uint8Array;
}

export interface GtpuOpts {
  teid: number;
  /** Message type; 255 (G-PDU) by default, 1/2 echo request/response. */
  type?: number;
  /** Sequence number (sets S). */
  seq?: number;
  /** N-PDU number (sets PN). */
  npdu?: number;
  /** Extension headers in order (sets E). */
  ext?: GtpuExtHeader[];
}

/** GTPv1-U header (3GPP TS 29.281 §5) around a T-PDU; wrap in UDP to/from port 2152. */
export function gtpu(o: GtpuOpts, payload: Uint8Array): Uint8Array {
  const ext = o.ext ?? [];
  const optional = ext.length > 0 || o.seq !== undefined || o.npdu !== undefined;
  const flags = 0x30 | (ext.length ? 0x04 : 0) | (o.seq !== undefined ? 0x02 : 0) | (o.npdu !== undefined ? 0x01 : 0);
  const parts: Uint8Array[] = [];
  if (optional) parts.push(concat(be16(o.seq ?? 0), Uint8Array.of(o.npdu ?? 0, ext.length ? ext[0].type : 0)));
  ext.forEach((e, i) => {
    const len = (e.content.length + 2 + 3) & ~3;
    const h = new Uint8Array(len);
    h[0] = len / 4;
    h.set(e.content, 1);
    h[len - 1] = i + 1 < ext.length ? ext[i + 1].type : 0;
    parts.push(h);
  });
  const rest = concat(...parts, payload);
  return concat(Uint8Array.of(flags, o.type ?? 255), be16(rest.length), be32(o.teid), rest);
}

/** VXLAN header (RFC 7348 §5: I flag, 24-bit VNI) around an Ethernet frame; wrap in UDP to port 4789. */
export function vxlan(vni: number, ethFrame: Uint8Array): Uint8Array {
  return concat(Uint8Array.of(0x08, 0, 0, 0, (vni >> 16) & 0xff, (vni >> 8) & 0xff, vni & 0xff, 0), ethFrame);
}

// ---------------------------------------------------------------- transport

export function udp(srcPort: number, dstPort: number, payload: Uint8Array): Uint8Array {
  return concat(be16(srcPort), be16(dstPort), be16(8 + payload.length), be16(0), payload);
}

/**
 * ICMPv4 message (RFC 792): type, code, the 4-byte rest-of-header word, and the data — for an
 * error (destination unreachable, time exceeded …), the start of the datagram that caused it
 * (RFC 1812 §4.3.2.3: as much as fits in 576 bytes). Checksum computed. Wrap in IPv4 proto 1.
 */
export function icmpv4(type: number, code: number, data: Uint8Array, rest = 0): Uint8Array {
  const m = concat(Uint8Array.of(type, code, 0, 0), be32(rest >>> 0), data);
  m.set(be16(internetChecksum(m)), 2);
  return m;
}

/**
 * ICMPv6 message (RFC 4443): errors carry "as much of the invoking packet as possible without
 * the ICMPv6 packet exceeding the minimum IPv6 MTU" (1280 bytes). The checksum covers the
 * IPv6 pseudo-header (RFC 8200 §8.1), hence the addresses. Wrap in IPv6 next header 58.
 */
export function icmpv6(src: string, dst: string, type: number, code: number, data: Uint8Array, rest = 0): Uint8Array {
  const m = concat(Uint8Array.of(type, code, 0, 0), be32(rest >>> 0), data);
  const pseudo = concat(ipv6Bytes(src), ipv6Bytes(dst), be32(m.length), Uint8Array.of(0, 0, 0, 58));
  m.set(be16(internetChecksum(concat(pseudo, m))), 2);
  return m;
}

export interface TcpOpts {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack?: number;
  flags: number;
  window?: number;
  /** Raw option bytes, padded with NOPs... here zeros (EOL) to a multiple of 4. */
  options?: Uint8Array;
}

export function tcp(o: TcpOpts, payload: Uint8Array): Uint8Array {
  const optLen = o.options ? (o.options.length + 3) & ~3 : 0;
  const h = new Uint8Array(20 + optLen);
  h.set(be16(o.srcPort), 0);
  h.set(be16(o.dstPort), 2);
  h.set(be32(o.seq >>> 0), 4);
  h.set(be32((o.ack ?? 0) >>> 0), 8);
  h[12] = (((20 + optLen) / 4) << 4) | ((o.flags >> 8) & 1);
  h[13] = o.flags & 0xff;
  h.set(be16(o.window ?? 65535), 14);
  if (o.options) h.set(o.options, 20);
  return concat(h, payload);
}

export interface SctpChunk {
  /** DATA by default; any other type is written as an opaque chunk with `data` as its value. */
  type?: number;
  tsn?: number;
  streamId?: number;
  ssn?: number;
  ppid?: number;
  /** DATA flags; 0x03 (B|E, unfragmented) by default. */
  flags?: number;
  data: Uint8Array;
}

/** SCTP common header + chunks (each padded to 4 bytes). Checksum left 0. */
export function sctp(srcPort: number, dstPort: number, chunks: SctpChunk[], vtag = 0x01020304): Uint8Array {
  const parts = chunks.map((c) => {
    const type = c.type ?? 0;
    const body = type === 0
      ? concat(be32(c.tsn ?? 1), be16(c.streamId ?? 0), be16(c.ssn ?? 0), be32(c.ppid ?? 0), c.data)
      : c.data;
    const len = 4 + body.length;
    const pad = new Uint8Array((4 - (len & 3)) & 3);
    return concat(Uint8Array.of(type, c.flags ?? (type === 0 ? 3 : 0)), be16(len), body, pad);
  });
  return concat(be16(srcPort), be16(dstPort), be32(vtag), be32(0), ...parts);
}

/** An RTP packet (RFC 3550 §5.1, version 2, no CSRC or extension) with `payloadBytes` zero bytes of payload. */
export function rtp(o: { pt: number; seq: number; ts: number; ssrc: number; payloadBytes: number; marker?: boolean }): Uint8Array {
  const h = new Uint8Array(12 + o.payloadBytes);
  const v = new DataView(h.buffer);
  h[0] = 0x80;
  h[1] = (o.marker ? 0x80 : 0) | (o.pt & 0x7f);
  v.setUint16(2, o.seq & 0xffff);
  v.setUint32(4, o.ts >>> 0);
  v.setUint32(8, o.ssrc >>> 0);
  return h;
}
