// tshark's reading of an exported capture, shared by the export tests (plain and redacted):
// the same questions asked of the original and of the export must be asked the same way.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseOracleStreams, type OracleStream } from './oracle.ts';

export const TSHARK = '/usr/bin/tshark';
export const tsharkPresent = existsSync(TSHARK);

export function tshark(file: string, args: readonly string[]): string {
  const r = spawnSync(TSHARK, ['-r', file, ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`tshark ${args.join(' ')} on ${file}: ${r.stderr}`);
  return r.stdout;
}

/** SIP messages per Call-ID as tshark counts them (a frame with several lists them joined by commas). */
export function sipCounts(file: string, hint: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of tshark(file, [...hint, '-Y', 'sip', '-T', 'fields', '-e', 'sip.Call-ID']).split('\n')) {
    if (line === '') continue;
    for (const id of line.split(',')) m.set(id, (m.get(id) ?? 0) + 1);
  }
  return m;
}

/** tshark's -z rtp,streams table (heuristic RTP on, as the corpus oracle). */
export function rtpStreams(file: string, hint: readonly string[]): OracleStream[] {
  return parseOracleStreams(tshark(file, [...hint, '-q', '-o', 'rtp.heuristic_rtp:TRUE', '-z', 'rtp,streams']));
}

/** The stream figures an export must keep (tshark's min jitter may differ in its last digit: README). */
export const figures = (s: OracleStream) => ({ packets: s.packets, lost: s.lost, maxDelta: s.maxDelta, meanJitter: s.meanJitter, maxJitter: s.maxJitter });
