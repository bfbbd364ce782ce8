// Reads the tshark oracle files of ../shared/corpus (corpus/README.md says how they were
// made): SIP message counts per Call-ID and the `-z rtp,streams` table.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The corpus lives beside the checkout, never inside it (third-party data). */
export const CORPUS_DIR = process.env.CALLTRACE_CORPUS ?? resolve(REPO_ROOT, '../shared/corpus');
export const corpusPresent = existsSync(join(CORPUS_DIR, 'pcap')) && existsSync(join(CORPUS_DIR, 'oracle'));

export interface OracleStream {
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  ssrc: number;
  payload: string;
  packets: number;
  lost: number;
  minDeltaMs: number;
  meanDeltaMs: number;
  maxDeltaMs: number;
  minJitterMs: number;
  meanJitterMs: number;
  maxJitterMs: number;
}

export interface Oracle {
  file: string;
  packets: number;
  sipByCallId: Map<string, number>;
  streams: OracleStream[];
}

function section(text: string, startsWith: string): string[] {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.startsWith('## ') && l.includes(startsWith));
  if (i < 0) return [];
  const out: string[] = [];
  for (let j = i + 1; j < lines.length && !lines[j].startsWith('## '); j++) out.push(lines[j]);
  return out;
}

const STREAM_RE = /^\s*[\d.]+\s+[\d.]+\s+(\S+)\s+(\d+)\s+(\S+)\s+(\d+)\s+(0x[0-9A-Fa-f]+)\s+(.+?)\s+(\d+)\s+(-?\d+)\s+\(-?[\d.]+%\)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s+(-?[\d.]+)\s*X?\s*$/;

export function readOracle(file: string): Oracle {
  const text = readFileSync(join(CORPUS_DIR, 'oracle', `${file}.txt`), 'utf8');
  const cap = section(text, 'capinfos');
  const packets = Number(cap.find((l) => l.startsWith('pcap/'))?.split(',')[7] ?? NaN);
  const sipByCallId = new Map<string, number>();
  for (const line of section(text, '-e sip.Call-ID | sort | uniq -c')) {
    const m = /^\s*(\d+)\s(.*)$/.exec(line);
    if (!m || m[2] === '') continue;
    // A frame carrying several SIP messages prints their Call-IDs joined by commas.
    for (const id of m[2].split(',')) sipByCallId.set(id, (sipByCallId.get(id) ?? 0) + Number(m[1]));
  }
  const streams: OracleStream[] = [];
  for (const line of section(text, 'rtp,streams')) {
    const m = STREAM_RE.exec(line);
    if (!m) continue;
    streams.push({
      src: m[1], srcPort: Number(m[2]), dst: m[3], dstPort: Number(m[4]), ssrc: parseInt(m[5], 16), payload: m[6],
      packets: Number(m[7]), lost: Number(m[8]),
      minDeltaMs: Number(m[9]), meanDeltaMs: Number(m[10]), maxDeltaMs: Number(m[11]),
      minJitterMs: Number(m[12]), meanJitterMs: Number(m[13]), maxJitterMs: Number(m[14]),
    });
  }
  return { file, packets, sipByCallId, streams };
}
