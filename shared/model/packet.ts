// Packets as they move through the engine. Bytes are not copied: a packet names a range of
// the reader's current buffer (buffer + offsets, so the hot path allocates no view per
// packet), valid only during the callback that receives it. A stage that keeps bytes must
// copy them (Uint8Array.prototype.slice).

/** One record of a capture file, as the capture readers emit it. */
export interface CapturedPacket {
  /** 1-based frame number, counted the way tshark counts (every record of the file). */
  frame: number;
  /** Capture time in microseconds since the Unix epoch (fractional for ns captures). */
  tsUs: number;
  /** LINKTYPE_* value of the interface that captured it. */
  linkType: number;
  /**
   * The captured bytes are buf[off, off + capLen) (capLen may be shorter than origLen when a
   * snaplen cut the packet). buf is the reader's chunk: other records share it.
   */
  buf: Uint8Array;
  off: number;
  capLen: number;
  origLen: number;
  /** pcapng interface id (0 for classic pcap). */
  interfaceId: number;
}

/** 'icmp': the UDP datagram quoted by an ICMP/ICMPv6 error (PacketDecoderOptions.emitIcmpQuotes). */
export type L4Proto = 'udp' | 'tcp' | 'sctp' | 'icmp';

/** The ICMP error around a quoted datagram (L4Segment.icmp). */
export interface IcmpInfo {
  /** ICMP type and code (ICMPv6 numbering when v6). */
  type: number;
  code: number;
  v6: boolean;
  /** The ICMP message's own source (the host or router reporting the error) and destination. */
  from: string;
  to: string;
  /** The quote holds fewer payload bytes than the quoted UDP length (the usual case). */
  cut: boolean;
}

/** A transport-layer segment after link, IP (reassembled), tunnels and L4 headers are decoded. */
export interface L4Segment {
  frame: number;
  tsUs: number;
  ipVersion: 4 | 6;
  /** Printable addresses: dotted IPv4 or RFC 5952 IPv6. */
  src: string;
  dst: string;
  proto: L4Proto;
  srcPort: number;
  dstPort: number;
  /**
   * UDP payload, TCP segment payload, or SCTP DATA chunk user data: the view
   * buf[payloadOff, payloadEnd). The per-packet paths (RTP) read buf with the offsets and never
   * need the view; a reused segment (PacketDecoderOptions.reuseSegments) makes it on demand.
   */
  readonly payload: Uint8Array;
  buf: Uint8Array;
  payloadOff: number;
  payloadEnd: number;
  /** Present for TCP only. */
  tcp?: { seq: number; ack: number; flags: number };
  /**
   * Present for proto 'icmp' only: the segment is the UDP datagram an ICMP error quotes —
   * src/dst and ports are the QUOTED datagram's, `payload` its quoted (usually cut) payload.
   */
  icmp?: IcmpInfo;
  /** 802.1Q tags seen on the way (outer first); empty when untagged. */
  vlans: number[];
  /** Tunnels crossed, outer first, e.g. ['gre','erspan'] or ['ipip']. */
  tunnels: string[];
  /**
   * The capture's snap length cut the datagram: `payload` is only its start. Good enough for
   * an RTP or RTCP header (captures taken with `-s 96` keep exactly that), never for SIP.
   */
  truncated?: boolean;
}

/** The captured bytes of a packet as a view (for stages that are not per-packet hot). */
export function packetBytes(p: CapturedPacket): Uint8Array {
  return p.buf.subarray(p.off, p.off + p.capLen);
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

/** ip:port, with IPv6 in brackets ([2001:db8::1]:5060), as the CLI prints it. */
export function endpointKey(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
