// Shared by the agreement test (and handy to run by hand with tsx): feed tshark's RTP rows
// for one capture to RtpStreamAnalyzer, stream by stream, and pair the results with the
// oracle's `-z rtp,streams` rows.

import { join } from 'node:path';
import { RtpStreamAnalyzer } from '../../../shared/engine/rtp/rtp_stream_analyzer.ts';
import type { RtpHeader, RtpStreamStats } from '../../../shared/model/media.ts';
import { CORPUS_DIR, extractRtp, parseOracleStreams, readOracle, type OracleStream } from './tshark_rtp.ts';

export interface StreamPair {
  key: string;
  oracle: OracleStream;
  ours: RtpStreamStats | null;
  /** Our "Problems?" flag (sequence error or wrong timestamp). */
  problem: boolean;
}

/**
 * tshark prints every payload-type name of a stream joined by ", " in payload-type order
 * (ui/tap-rtp-common.c update_payload_names walks payload_type_names[0..255]). Zipping that
 * list with the stream's sorted payload types recovers the names Wireshark had for the
 * dynamic ones: from SDP (a=rtpmap, e.g. "opus", "telephone-event") or from a dissector
 * registered on that PT ("rtpevent"); "RTPType-N" means it had none. This is the only thing
 * the test takes from the oracle besides the expected numbers: our SDP → stream mapping is
 * another component's job.
 */
export function rtpmapFromOracle(payload: string, pts: number[]): Record<number, { encoding: string; clockRate: number }> {
  const names = payload.split(', ');
  const map: Record<number, { encoding: string; clockRate: number }> = {};
  if (names.length !== pts.length) return map;
  for (let i = 0; i < pts.length; i++) {
    if (pts[i] >= 96 && !names[i].startsWith('RTPType-')) map[pts[i]] = { encoding: names[i], clockRate: 0 };
  }
  return map;
}

const streamKey = (src: string, srcPort: number, dst: string, dstPort: number, ssrc: number): string =>
  `${src}:${srcPort}>${dst}:${dstPort}#${ssrc.toString(16)}`;

export function compareCapture(file: string): StreamPair[] {
  const rows = extractRtp(join(CORPUS_DIR, 'pcap', file));
  const oracle = parseOracleStreams(readOracle(file));
  const byStream = new Map<string, typeof rows>();
  for (const r of rows) {
    const k = streamKey(r.src, r.srcPort, r.dst, r.dstPort, r.ssrc);
    let list = byStream.get(k);
    if (!list) byStream.set(k, (list = []));
    list.push(r);
  }
  const pairs: StreamPair[] = [];
  for (const o of oracle) {
    const k = streamKey(o.src, o.srcPort, o.dst, o.dstPort, o.ssrc);
    const list = byStream.get(k);
    if (!list) {
      pairs.push({ key: k, oracle: o, ours: null, problem: false });
      continue;
    }
    const pts = [...new Set(list.map((r) => r.payloadType))].sort((a, b) => a - b);
    const an = new RtpStreamAnalyzer({
      ssrc: o.ssrc, src: o.src, srcPort: o.srcPort, dst: o.dst, dstPort: o.dstPort,
      rtpmap: rtpmapFromOracle(o.payload, pts),
    });
    const hdr: RtpHeader = {
      version: 2, padding: false, extension: false, csrcCount: 0, marker: false, payloadType: 0,
      seq: 0, timestamp: 0, ssrc: o.ssrc, payloadOffset: 12, payloadLength: 0,
    };
    for (const r of list) {
      hdr.marker = r.marker;
      hdr.payloadType = r.payloadType;
      hdr.seq = r.seq;
      hdr.timestamp = r.timestamp;
      an.add(r.tsUs, r.frame, hdr);
    }
    pairs.push({ key: k, oracle: o, ours: an.finish(), problem: an.problem });
  }
  return pairs;
}

/** Field-by-field differences beyond tolerance (0.01 ms for times, exact for counts). */
export function differences(p: StreamPair, tolMs = 0.01): string[] {
  const o = p.oracle;
  const s = p.ours;
  if (!s) return ['stream not found in tshark -Y rtp output'];
  const d: string[] = [];
  const cmp = (name: string, ours: number, theirs: number, tol: number): void => {
    if (!(Math.abs(ours - theirs) <= tol)) d.push(`${name}: ours ${ours.toFixed(4)} tshark ${theirs}`);
  };
  cmp('packets', s.packets, o.packets, 0);
  cmp('lost', s.lost, o.lost, 0);
  // tshark prints 3 decimals: allow the rounding half-unit on top of the tolerance.
  cmp('minDelta', s.minDeltaMs, o.minDelta, tolMs + 0.0005);
  cmp('meanDelta', s.meanDeltaMs, o.meanDelta, tolMs + 0.0005);
  cmp('maxDelta', s.maxDeltaMs, o.maxDelta, tolMs + 0.0005);
  cmp('minJitter', s.minJitterMs, o.minJitter, tolMs + 0.0005);
  cmp('meanJitter', s.meanJitterMs, o.meanJitter, tolMs + 0.0005);
  cmp('maxJitter', s.maxJitterMs, o.maxJitter, tolMs + 0.0005);
  if (p.problem !== o.problem) d.push(`problem flag: ours ${p.problem} tshark ${o.problem}`);
  return d;
}
