// Test support for the RTP corpus agreement test: locate the shared corpus and tshark,
// pull every RTP packet out of a capture with tshark's own dissector (so the test does not
// depend on our capture pipeline), and parse the `-z rtp,streams` table of an oracle file.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** <repo>/../shared/corpus */
export const CORPUS_DIR = resolve(here, '..', '..', '..', '..', 'shared', 'corpus');

export function corpusAvailable(): boolean {
  return existsSync(join(CORPUS_DIR, 'pcap')) && existsSync(join(CORPUS_DIR, 'oracle'));
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

/** One row of tshark 4.0's `-z rtp,streams` table. */
export interface OracleStream {
  startS: number;
  endS: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  ssrc: number;
  /** "g711A", "g711U, rtpevent" … (all payload type names, in payload-type order). */
  payload: string;
  packets: number;
  lost: number;
  minDelta: number;
  meanDelta: number;
  maxDelta: number;
  minJitter: number;
  meanJitter: number;
  maxJitter: number;
  problem: boolean;
}

export function parseOracleStreams(text: string): OracleStream[] {
  const lines = text.split('\n');
  const out: OracleStream[] = [];
  let inTable = false;
  for (const line of lines) {
    if (line.includes('RTP Streams ====')) {
      inTable = true;
      continue;
    }
    if (!inTable) continue;
    if (line.startsWith('=====')) break;
    if (line.includes('Start time') || line.trim() === '') continue;
    const tok = line.trim().split(/\s+/);
    let problem = false;
    if (tok[tok.length - 1] === 'X') {
      problem = true;
      tok.pop();
    }
    const nums = tok.splice(tok.length - 6, 6).map(Number);
    tok.pop(); // "(x.y%)"
    const lost = Number(tok.pop());
    const packets = Number(tok.pop());
    const [startS, endS, src, srcPort, dst, dstPort, ssrc] = tok.splice(0, 7);
    out.push({
      startS: Number(startS), endS: Number(endS), src, srcPort: Number(srcPort), dst, dstPort: Number(dstPort),
      ssrc: Number(ssrc) >>> 0, payload: tok.join(' '), packets, lost,
      minDelta: nums[0], meanDelta: nums[1], maxDelta: nums[2], minJitter: nums[3], meanJitter: nums[4], maxJitter: nums[5],
      problem,
    });
  }
  return out;
}

export function readOracle(file: string): string {
  return readFileSync(join(CORPUS_DIR, 'oracle', `${file}.txt`), 'utf8');
}
