// Test-only packet source for the SIP corpus tests: a deliberately small pcap/pcapng +
// link/IP/UDP/TCP walker, so these tests do not depend on the production capture readers
// (built elsewhere) and stay a check of the SIP layer alone. Not for production use:
// fragments are flagged, not reassembled, and tunnels beyond IP-in-IP/VLAN/PPPoE are skipped.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface TestPacket {
  frame: number;
  tsUs: number;
  src: string;
  dst: string;
  transport: 'udp' | 'tcp' | 'sctp';
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
  tcpSeq: number;
  /** IP fragment (payload incomplete): callers skip these. */
  fragment: boolean;
}

const here = path.dirname(fileURLToPath(import.meta.url));
/** <repo>/../shared/corpus — the shared test corpus beside the checkout. */
export const CORPUS_DIR = path.resolve(here, '../../..', '../shared/corpus');
export const corpusAvailable = fs.existsSync(path.join(CORPUS_DIR, 'pcap'));

export function corpusFile(name: string): string {
  return path.join(CORPUS_DIR, 'pcap', name);
}

export function readOracle(name: string): string {
  return fs.readFileSync(path.join(CORPUS_DIR, 'oracle', `${name}.txt`), 'utf8');
}

export interface OracleLadderRow {
  frame: number;
  callId: string;
  cseq: number;
  cseqMethod: string;
  status: number;
}

/** The "message ladder" section of an oracle file (single-message frames only). */
export function oracleLadder(name: string): OracleLadderRow[] {
  const text = readOracle(name);
  const start = text.indexOf('(message ladder)');
  if (start < 0) return [];
  const rows: OracleLadderRow[] = [];
  for (const line of text.slice(text.indexOf('\n', start) + 1).split('\n')) {
    if (line.startsWith('#') || line.trim() === '') break;
    if (line.includes(',')) continue; // several SIP messages in one frame
    const isRequest = line.endsWith(' ');
    const t = line.trim().split(/\s+/);
    const n = t.length;
    const off = isRequest ? 0 : 1;
    if (n < 7 + off) continue; // an empty field (e.g. no Call-ID) makes the row ambiguous
    rows.push({
      frame: Number(t[0]),
      callId: t[n - 3 - off],
      cseq: Number(t[n - 2 - off]),
      cseqMethod: t[n - 1 - off],
      status: isRequest ? 0 : Number(t[n - 1]),
    });
  }
  return rows;
}

/** SCTP user-message fragments awaiting their E chunk, per association direction + stream. */
const sctpPending = new Map<string, Uint8Array[]>();

export function readPackets(file: string): TestPacket[] {
  sctpPending.clear();
  const buf = new Uint8Array(fs.readFileSync(file));
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: TestPacket[] = [];
  const magic = dv.getUint32(0, false);
  if (magic === 0x0a0d0d0a) readPcapng(buf, dv, out);
  else if (magic === 0x474d4255) readNetmon2(buf, dv, out);
  else readPcap(buf, dv, out);
  return out;
}

function readPcap(buf: Uint8Array, dv: DataView, out: TestPacket[]): void {
  const m = dv.getUint32(0, true);
  const le = m === 0xa1b2c3d4 || m === 0xa1b23c4d;
  const nano = m === 0xa1b23c4d || dv.getUint32(0, false) === 0xa1b23c4d;
  const link = dv.getUint32(20, le) & 0xffff;
  let at = 24;
  let frame = 0;
  while (at + 16 <= buf.length) {
    const sec = dv.getUint32(at, le);
    const frac = dv.getUint32(at + 4, le);
    const incl = dv.getUint32(at + 8, le);
    at += 16;
    if (at + incl > buf.length) break;
    frame++;
    decodeLink(link, buf.subarray(at, at + incl), frame, sec * 1e6 + (nano ? Math.floor(frac / 1000) : frac), out);
    at += incl;
  }
}

function readPcapng(buf: Uint8Array, dv: DataView, out: TestPacket[]): void {
  let le = true;
  const links: number[] = [];
  let at = 0;
  let frame = 0;
  while (at + 12 <= buf.length) {
    const type = dv.getUint32(at, le);
    if (type === 0x0a0d0d0a) le = dv.getUint32(at + 8, true) === 0x1a2b3c4d;
    const len = dv.getUint32(at + 4, le);
    if (len < 12 || at + len > buf.length) break;
    if (type === 1) links.push(dv.getUint16(at + 8, le));
    else if (type === 6) {
      const iface = dv.getUint32(at + 8, le);
      const ts = dv.getUint32(at + 12, le) * 2 ** 32 + dv.getUint32(at + 16, le); // µs (default tsresol)
      const cap = dv.getUint32(at + 20, le);
      frame++;
      decodeLink(links[iface] ?? 1, buf.subarray(at + 28, at + 28 + cap), frame, ts, out);
    } else if (type === 3) {
      frame++;
      decodeLink(links[0] ?? 1, buf.subarray(at + 12, at + len - 4), frame, 0, out);
    }
    at += len;
  }
}

/**
 * Microsoft Network Monitor 2.x ("GMBU"), used by the PROTOS c07 capture: a header with the
 * frame table's offset (24) and length (28); each table entry (u32) points at a record
 * {u64 ts delta µs, u32 orig len, u32 incl len, data}. Link type 1 = Ethernet.
 */
function readNetmon2(buf: Uint8Array, dv: DataView, out: TestPacket[]): void {
  const link = dv.getUint16(6, true);
  const tableAt = dv.getUint32(24, true);
  const tableLen = dv.getUint32(28, true);
  for (let i = 0; i * 4 < tableLen && tableAt + i * 4 + 4 <= buf.length; i++) {
    const rec = dv.getUint32(tableAt + i * 4, true);
    if (rec + 16 > buf.length) break;
    const tsUs = dv.getUint32(rec, true) + dv.getUint32(rec + 4, true) * 2 ** 32;
    const incl = dv.getUint32(rec + 12, true);
    decodeLink(link === 1 ? 1 : link, buf.subarray(rec + 16, rec + 16 + incl), i + 1, tsUs, out);
  }
}

function decodeLink(link: number, p: Uint8Array, frame: number, tsUs: number, out: TestPacket[]): void {
  if (link === 1) {
    let off = 12;
    let type = (p[off] << 8) | p[off + 1];
    while (type === 0x8100 || type === 0x88a8) {
      off += 4;
      type = (p[off] << 8) | p[off + 1];
    }
    off += 2;
    if (type === 0x8864) {
      const ppp = (p[off + 6] << 8) | p[off + 7];
      off += 8;
      type = ppp === 0x0021 ? 0x0800 : ppp === 0x0057 ? 0x86dd : 0;
    }
    if (type === 0x0800 || type === 0x86dd) decodeIp(p.subarray(off), frame, tsUs, out);
  } else if (link === 113) {
    const type = (p[14] << 8) | p[15];
    if (type === 0x0800 || type === 0x86dd) decodeIp(p.subarray(16), frame, tsUs, out);
  } else if (link === 276) {
    decodeIp(p.subarray(20), frame, tsUs, out);
  } else if (link === 101 || link === 228 || link === 229 || link === 12) {
    decodeIp(p, frame, tsUs, out);
  } else if (link === 0) {
    decodeIp(p.subarray(4), frame, tsUs, out);
  }
}

function ip4(p: Uint8Array, at: number): string {
  return `${p[at]}.${p[at + 1]}.${p[at + 2]}.${p[at + 3]}`;
}

function ip6(p: Uint8Array, at: number): string {
  const g: string[] = [];
  for (let i = 0; i < 8; i++) g.push(((p[at + 2 * i] << 8) | p[at + 2 * i + 1]).toString(16));
  return g.join(':');
}

function decodeIp(p: Uint8Array, frame: number, tsUs: number, out: TestPacket[]): void {
  const v = p[0] >> 4;
  let proto: number;
  let src: string;
  let dst: string;
  let l4: Uint8Array;
  let fragment = false;
  if (v === 4) {
    const ihl = (p[0] & 0x0f) * 4;
    const total = (p[2] << 8) | p[3];
    proto = p[9];
    const flagsFrag = (p[6] << 8) | p[7];
    fragment = (flagsFrag & 0x2000) !== 0 || (flagsFrag & 0x1fff) !== 0;
    src = ip4(p, 12);
    dst = ip4(p, 16);
    l4 = p.subarray(ihl, Math.min(p.length, total || p.length));
    if (proto === 4 && !fragment) return decodeIp(l4, frame, tsUs, out);
  } else if (v === 6) {
    proto = p[6];
    src = ip6(p, 8);
    dst = ip6(p, 24);
    let off = 40;
    while (proto === 0 || proto === 43 || proto === 60 || proto === 44) {
      if (proto === 44) fragment = true;
      const next = p[off];
      off += proto === 44 ? 8 : (p[off + 1] + 1) * 8;
      proto = next;
    }
    l4 = p.subarray(off, Math.min(p.length, 40 + ((p[4] << 8) | p[5])));
    if ((proto === 4 || proto === 41) && !fragment) return decodeIp(l4, frame, tsUs, out);
  } else return;
  if (proto === 17) {
    const len = (l4[4] << 8) | l4[5];
    out.push({
      frame,
      tsUs,
      src,
      dst,
      transport: 'udp',
      srcPort: (l4[0] << 8) | l4[1],
      dstPort: (l4[2] << 8) | l4[3],
      payload: l4.subarray(8, fragment ? l4.length : Math.min(l4.length, len || l4.length)),
      tcpSeq: 0,
      fragment,
    });
  } else if (proto === 132) {
    // SCTP (RFC 9260 §3): 12-byte common header, then chunks; DATA (type 0) carries user data
    // after a 16-byte chunk header; B/E flags mark the first/last fragment of a user message.
    let off = 12;
    while (off + 4 <= l4.length) {
      const type = l4[off];
      const flags = l4[off + 1];
      const len = (l4[off + 2] << 8) | l4[off + 3];
      if (len < 4) break;
      if (type === 0 && len > 16) {
        const key = `${src}:${(l4[0] << 8) | l4[1]}>${dst}:${(l4[2] << 8) | l4[3]}/${(l4[off + 8] << 8) | l4[off + 9]}`;
        const piece = l4.subarray(off + 16, off + len);
        if (flags & 0x02) sctpPending.set(key, []);
        const parts = sctpPending.get(key);
        off += (len + 3) & ~3;
        if (!parts) continue;
        parts.push(piece);
        if (!(flags & 0x01)) continue;
        sctpPending.delete(key);
        const whole = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
        let at = 0;
        for (const x of parts) {
          whole.set(x, at);
          at += x.length;
        }
        out.push({
          frame,
          tsUs,
          src,
          dst,
          transport: 'sctp',
          srcPort: (l4[0] << 8) | l4[1],
          dstPort: (l4[2] << 8) | l4[3],
          payload: whole,
          tcpSeq: 0,
          fragment,
        });
        continue;
      }
      off += (len + 3) & ~3;
    }
  } else if (proto === 6) {
    const dataOff = (l4[12] >> 4) * 4;
    out.push({
      frame,
      tsUs,
      src,
      dst,
      transport: 'tcp',
      srcPort: (l4[0] << 8) | l4[1],
      dstPort: (l4[2] << 8) | l4[3],
      payload: l4.subarray(dataOff),
      tcpSeq: ((l4[4] << 24) >>> 0) + (l4[5] << 16) + (l4[6] << 8) + l4[7],
      fragment,
    });
  }
}

export interface TcpSegment {
  frame: number;
  tsUs: number;
  data: Uint8Array;
}

/**
 * Very small in-order TCP reassembly per direction (key "src:port>dst:port"): drops
 * retransmitted bytes by sequence number; assumes no reordering (true for the files used).
 */
export function tcpDirections(packets: TestPacket[]): Map<string, TcpSegment[]> {
  const dirs = new Map<string, { next: number | null; segs: TcpSegment[] }>();
  for (const p of packets) {
    if (p.transport !== 'tcp' || p.fragment || p.payload.length === 0) continue;
    const key = `${p.src}:${p.srcPort}>${p.dst}:${p.dstPort}`;
    let d = dirs.get(key);
    if (!d) dirs.set(key, (d = { next: null, segs: [] }));
    let data = p.payload;
    if (d.next !== null) {
      const behind = (d.next - p.tcpSeq) >>> 0;
      if (behind > 0 && behind < 0x80000000) {
        if (behind >= data.length) continue; // pure retransmission
        data = data.subarray(behind);
      }
    }
    d.next = (p.tcpSeq + p.payload.length) >>> 0;
    d.segs.push({ frame: p.frame, tsUs: p.tsUs, data });
  }
  const out = new Map<string, TcpSegment[]>();
  for (const [k, v] of dirs) out.set(k, v.segs);
  return out;
}
