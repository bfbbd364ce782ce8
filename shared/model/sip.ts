// Parsed SIP (RFC 3261) and SDP (RFC 4566) as the call tracker consumes them.

export type SipTransport = 'udp' | 'tcp' | 'sctp' | 'ws' | 'hep';

export interface NameAddr {
  /** Display name without quotes, '' when absent. */
  display: string;
  /** The URI as written, e.g. sip:alice@example.com;user=phone */
  uri: string;
  /** user part of the URI ('' when none), e.g. alice or +15551234 */
  user: string;
  /** tag parameter, '' when absent. */
  tag: string;
}

/** Reason header (RFC 3326): `Q.850;cause=16;text="Normal call clearing"` or `SIP;cause=480`. */
export interface ReasonValue {
  protocol: string; // 'Q.850', 'SIP', or as written
  cause: number | null;
  text: string;
}

export interface SdpMedia {
  /** 'audio', 'video', 'image' (T.38) … */
  media: string;
  port: number;
  proto: string; // 'RTP/AVP', 'RTP/SAVP', 'udptl' …
  payloadTypes: number[];
  /** Connection address for this m= line (media-level c= or session-level c=). */
  connection: string;
  /** 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive' (media-level, else session-level, else sendrecv). */
  direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  /** a=rtpmap by payload type: encoding name and clock rate. */
  rtpmap: Record<number, { encoding: string; clockRate: number; channels?: number }>;
  /** a=rtcp port when given. */
  rtcpPort?: number;
  /** a=ptime, ms. */
  ptime?: number;
}

export interface Sdp {
  origin: string;
  sessionName: string;
  connection: string;
  media: SdpMedia[];
}

export interface SipMessage {
  frame: number;
  tsUs: number;
  transport: SipTransport;
  src: string; // ip
  srcPort: number;
  dst: string;
  dstPort: number;

  isRequest: boolean;
  /** Request method, e.g. INVITE ('' for responses). */
  method: string;
  requestUri: string;
  /** Response status code (0 for requests). */
  statusCode: number;
  reasonPhrase: string;

  callId: string;
  cseq: number;
  cseqMethod: string;
  from: NameAddr;
  to: NameAddr;
  /** Top Via branch parameter ('' when absent). */
  viaBranch: string;
  contact: string;
  userAgent: string;

  /** All headers in order, names in their full lower-case form (compact forms expanded). */
  headers: Array<[name: string, value: string]>;
  /** Reason headers (RFC 3326), in order. */
  reasons: ReasonValue[];
  /** Session-Expires delta seconds and refresher (RFC 4028), when present. */
  sessionExpires?: { seconds: number; refresher: '' | 'uac' | 'uas' };
  minSe?: number;
  /** Warning header values as written. */
  warnings: string[];
  /** Retry-After seconds when present. */
  retryAfter?: number;

  contentType: string;
  /** SDP from the body (directly, or the application/sdp part of a multipart body). */
  sdp?: Sdp;
  /** The whole message as text (latin1-safe), kept for the ladder's raw view. */
  raw: string;
  /** Problems noticed while parsing that did not prevent it (e.g. Content-Length mismatch). */
  problems: string[];
  /**
   * Seen only inside an ICMP/ICMPv6 error that quotes the datagram carrying it (addresses and
   * ports above are the quoted datagram's). Evidence that the message was sent and bounced,
   * never a transmission of its own: it changes no transaction, retransmission or call state.
   */
  quoted?: IcmpQuoteOf;
}

/** The ICMP error a quoted SIP message was found in. */
export interface IcmpQuoteOf {
  type: number;
  code: number;
  v6: boolean;
  /** Sender of the ICMP error (the host or router that reported it). */
  from: string;
  /** The quote held only part of the message (its headers' end or its body missing). */
  cut: boolean;
}
