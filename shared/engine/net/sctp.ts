// SCTP (RFC 9260 §3): common header, then chunks padded to 4 bytes. DATA (§3.3.1) and
// I-DATA (RFC 8260 §2.1) carry user data; other chunks (INIT, SACK, HEARTBEAT …) are skipped.
import { u16be, u32be } from './bytes.ts';
import { NET, type NetStat } from './net_stats.ts';

const CHUNK_DATA = 0;
const CHUNK_IDATA = 64;
/** DATA flags: B (beginning) = 0x02, E (end) = 0x01; both set = an unfragmented message. */
export const SCTP_FLAG_B = 0x02;
export const SCTP_FLAG_E = 0x01;

/** One DATA chunk as the walk reports it (reused object: copy what you keep). */
export class SctpData {
  flags = 0;
  tsn = 0;
  streamId = 0;
  /** I-DATA (RFC 8260): fragments are ordered by MID/FSN, not TSN. */
  iData = false;
  off = 0;
  end = 0;
}

/**
 * Calls `onData` for the user data of every DATA/I-DATA chunk (fragmented or not) and
 * `onStat` for a cut or malformed chunk, after which the rest of the packet is skipped.
 */
export function walkSctpData(b: Uint8Array, off: number, end: number, d: SctpData,
  onData: (d: SctpData) => void, onStat: (st: NetStat) => void): void {
  if (end - off < 12) { onStat(NET.truncatedSctp); return; }
  let p = off + 12;
  while (p < end) {
    if (end - p < 4) { onStat(NET.truncatedSctp); return; }
    const type = b[p];
    const len = u16be(b, p + 2);
    if (len < 4 || p + len > end) { onStat(NET.truncatedSctp); return; }
    if (type === CHUNK_DATA || type === CHUNK_IDATA) {
      const hdr = type === CHUNK_DATA ? 16 : 20;
      if (len < hdr) {
        onStat(NET.truncatedSctp);
      } else {
        d.flags = b[p + 1];
        d.tsn = u32be(b, p + 4);
        d.streamId = u16be(b, p + 8);
        d.iData = type === CHUNK_IDATA;
        d.off = p + hdr;
        d.end = p + len;
        onData(d);
      }
    }
    p += (len + 3) & ~3;
  }
}
