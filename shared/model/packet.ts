// Packets as they move through the engine. Byte fields are views (subarray) into the
// reader's buffers: valid only during the callback that receives them. A stage that
// keeps bytes must copy them (Uint8Array.prototype.slice).

/** One record of a capture file, as the capture readers emit it. */
export interface CapturedPacket {
  /** 1-based frame number, counted the way tshark counts (every record of the file). */
  frame: number;
  /** Capture time in microseconds since the Unix epoch (fractional for ns captures). */
  tsUs: number;
  /** LINKTYPE_* value of the interface that captured it. */
  linkType: number;
  /** Captured bytes (may be shorter than origLen when a snaplen cut it). */
  data: Uint8Array;
  origLen: number;
  /** pcapng interface id (0 for classic pcap). */
  interfaceId: number;
}

export type L4Proto = 'udp' | 'tcp' | 'sctp';

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
  /** UDP payload, TCP segment payload, or SCTP DATA chunk user data. */
  payload: Uint8Array;
  /** Present for TCP only. */
  tcp?: { seq: number; ack: number; flags: number };
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

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

/** ip:port, with IPv6 in brackets ([2001:db8::1]:5060), as the CLI prints it. */
export function endpointKey(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
