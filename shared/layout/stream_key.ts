// One stream's identity across the panes and the verdict. The SSRC alone is not enough: the
// fixtures (and real gateways) reuse one SSRC in both directions, so sender and receiver are
// part of the key, written as the evidence refs write them (ip:port, IPv6 in brackets).

import type { RtpStreamStats } from '../model/media.ts';
import { endpoint, ssrcHex } from '../diagnosis/evidence_text.ts';

export function streamKeyOf(ssrc: number, src: string, dst: string): string {
  return `${ssrcHex(ssrc)}|${src}|${dst}`;
}

export function streamKey(s: Pick<RtpStreamStats, 'ssrc' | 'src' | 'srcPort' | 'dst' | 'dstPort'>): string {
  return streamKeyOf(s.ssrc, endpoint(s.src, s.srcPort), endpoint(s.dst, s.dstPort));
}

/** A gap's identity: its stream and its start (a stream has at most one gap starting at a moment). */
export function gapKey(stream: string, startUs: number): string {
  return `${stream}@${Math.round(startUs)}`;
}
