// Test support for the RTP corpus agreement test: locate the shared corpus and tshark,
// pull every RTP packet out of a capture with tshark's own dissector (so the test does not
// depend on our capture pipeline); the oracle files are read by test/support/oracle.ts.

import { spawnSync } from 'node:child_process';
import { corpusPresent } from '../../support/oracle.ts';

// The corpus location and the oracle reader are shared with the other corpus tests.
export { CORPUS_DIR, oracleText as readOracle, parseOracleStreams, type OracleStream } from '../../support/oracle.ts';
export function corpusAvailable(): boolean {
  return corpusPresent;
}

export function tsharkVersion(): string | null {
  const r = spawnSync('tshark', ['--version'], { encoding: 'utf8' });
  if (r.status !== 0 || typeof r.stdout !== 'string') return null;
  return r.stdout.split('\n')[0] ?? null;
}

/** One row of `tshark -T fields` for an RTP packet. */
export interface TsharkRtpRow {
  frame: number;
  /** µs since the epoch, fractional below 1 µs. */
  tsUs: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  ssrc: number;
  seq: number;
  timestamp: number;
  payloadType: number;
  marker: boolean;
}

const FIELDS = [
  'frame.number', 'frame.time_epoch', 'ip.src', 'ipv6.src', 'udp.srcport', 'ip.dst', 'ipv6.dst',
  'udp.dstport', 'rtp.ssrc', 'rtp.seq', 'rtp.timestamp', 'rtp.p_type', 'rtp.marker', 'icmp.type', 'icmpv6.type',
];

/**
 * frame.time_epoch is printed with nanosecond digits ("1409236548.219009000"); a double
 * holding seconds would lose the sub-µs part, so split at the dot: µs = s·10⁶ + ns/1000.
 */
export function epochToUs(text: string): number {
  const dot = text.indexOf('.');
  if (dot < 0) return Number(text) * 1e6;
  const secs = Number(text.slice(0, dot));
  const frac = (text.slice(dot + 1) + '000000000').slice(0, 9);
  return secs * 1e6 + Number(frac) / 1000;
}

/**
 * Fields with several occurrences in one frame (an ICMP error quoting the RTP packet, the
 * RFC 2198 block headers' payload types) are joined with ';' (-E aggregator). The
 * innermost IP header is the last occurrence; the RTP header's own PT is the first.
 */
function last(v: string): string {
  const i = v.lastIndexOf(';');
  return i < 0 ? v : v.slice(i + 1);
}
function first(v: string): string {
  const i = v.indexOf(';');
  return i < 0 ? v : v.slice(0, i);
}

export function extractRtp(pcapPath: string): TsharkRtpRow[] {
  const args = ['-r', pcapPath, '-o', 'rtp.heuristic_rtp:TRUE', '-Y', 'rtp', '-T', 'fields', '-E', 'separator=,', '-E', 'aggregator=;'];
  for (const f of FIELDS) args.push('-e', f);
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`tshark failed on ${pcapPath}: ${r.stderr}`);
  const rows: TsharkRtpRow[] = [];
  for (const line of r.stdout.split('\n')) {
    if (line === '') continue;
    const c = line.split(',');
    if (c.length < FIELDS.length) continue;
    // An ICMP error quoting an RTP packet matches `-Y rtp`, but packet-rtp.c does not tap
    // packets inside ICMP errors (pinfo->flags.in_error_pkt): not a stream packet.
    if (c[13] !== '' || c[14] !== '') continue;
    rows.push({
      frame: Number(c[0]),
      tsUs: epochToUs(c[1]),
      src: last(c[2] || c[3]),
      srcPort: Number(last(c[4])),
      dst: last(c[5] || c[6]),
      dstPort: Number(last(c[7])),
      ssrc: Number(first(c[8])) >>> 0,
      seq: Number(first(c[9])),
      timestamp: Number(first(c[10])) >>> 0,
      payloadType: Number(first(c[11])),
      marker: first(c[12]) === '1' || first(c[12]) === 'True',
    });
  }
  return rows;
}
