// TCP header (RFC 9293 §3.1). Options are skipped by the data offset; the checksum is not
// verified. Flags keep the 9 low bits (NS/AE … FIN) of bytes 12–13.
import { u16be, u32be } from './bytes.ts';
import { NET, type NetStat } from './net_stats.ts';

export class TcpHeader {
  srcPort = 0;
  dstPort = 0;
  seq = 0;
  ack = 0;
  flags = 0;
  payloadOff = 0;
}

export function parseTcp(b: Uint8Array, off: number, end: number, h: TcpHeader): NetStat | null {
  if (end - off < 20) return NET.truncatedTcp;
  const doff = (b[off + 12] >> 4) * 4;
  if (doff < 20 || end - off < doff) return NET.truncatedTcp;
  h.srcPort = u16be(b, off);
  h.dstPort = u16be(b, off + 2);
  h.seq = u32be(b, off + 4);
  h.ack = u32be(b, off + 8);
  h.flags = ((b[off + 12] & 1) << 8) | b[off + 13];
  h.payloadOff = off + doff;
  return null;
}
