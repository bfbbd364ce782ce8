// Reads the tshark oracle files of ../shared/corpus (corpus/README.md says how they were
// made): SIP message counts per Call-ID and the `-z rtp,streams` table.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The corpus lives beside the checkout, never inside it (third-party data). */
export const CORPUS_DIR = process.env.CALLTRACE_CORPUS ?? resolve(REPO_ROOT, '../shared/corpus');
export const corpusPresent = existsSync(join(CORPUS_DIR, 'pcap')) && existsSync(join(CORPUS_DIR, 'oracle'));

export interface Oracle {
  file: string;
  packets: number;
  sipByCallId: Map<string, number>;
  streams: OracleStream[];
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

/** The `-z rtp,streams` table, read from the right (payload names may contain spaces). */
export function parseOracleStreams(text: string): OracleStream[] {
  const out: OracleStream[] = [];
  let inTable = false;
  for (const line of text.split('\n')) {
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

/** The oracle file of a corpus capture, as text. */
export function oracleText(file: string): string {
  return readFileSync(join(CORPUS_DIR, 'oracle', `${file}.txt`), 'utf8');
}

function section(text: string, startsWith: string): string[] {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.startsWith('## ') && l.includes(startsWith));
  if (i < 0) return [];
  const out: string[] = [];
  for (let j = i + 1; j < lines.length && !lines[j].startsWith('## '); j++) out.push(lines[j]);
  return out;
}

export function readOracle(file: string): Oracle {
  const text = oracleText(file);
  const cap = section(text, 'capinfos');
  const packets = Number(cap.find((l) => l.startsWith('pcap/'))?.split(',')[7] ?? NaN);
  const sipByCallId = new Map<string, number>();
  for (const line of section(text, '-e sip.Call-ID | sort | uniq -c')) {
    const m = /^\s*(\d+)\s(.*)$/.exec(line);
    if (!m || m[2] === '') continue;
    // A frame carrying several SIP messages prints their Call-IDs joined by commas.
    for (const id of m[2].split(',')) sipByCallId.set(id, (sipByCallId.get(id) ?? 0) + Number(m[1]));
  }
  const streams = parseOracleStreams(text);
  return { file, packets, sipByCallId, streams };
}
