// RTP / RTCP as parsed, and the per-stream facts computed the way Wireshark's RTP Stream
// Analysis does (see ../shared/docs/metrics.md and README "Metrics").

/** The fixed RTP header (RFC 3550 §5.1), with offsets into the UDP payload. */
export interface RtpHeader {
  version: number;
  padding: boolean;
  extension: boolean;
  csrcCount: number;
  marker: boolean;
  payloadType: number;
  seq: number;
  timestamp: number; // unsigned 32-bit
  ssrc: number; // unsigned 32-bit
  /** Offset of the payload in the UDP payload, after CSRCs and the extension. */
  payloadOffset: number;
  payloadLength: number;
}

export interface MediaGap {
  /** Arrival time of the last packet before the silence (µs since epoch). */
  startUs: number;
  durationMs: number;
  /** true for the silence from the stream's last packet to the call's end. */
  trailing: boolean;
}

/** One second of a stream, for the timeline (per-second bins, not per-packet rows). */
export interface StreamBin {
  /** Whole second since the epoch (floor of arrival time). */
  second: number;
  packets: number;
  /** Packets missing by sequence inside this second (expected − received, ≥ 0). */
  lost: number;
  maxJitterMs: number;
  maxDeltaMs: number;
}

export interface RtpStreamStats {
  ssrc: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  /** Payload type of the first packet (the "Payload" column of tshark). */
  payloadType: number;
  /** Encoding name when known (from SDP rtpmap or the static table), e.g. 'PCMA'. */
  encoding: string;
  clockRate: number;
  firstFrame: number;
  lastFrame: number;
  firstUs: number;
  lastUs: number;
  packets: number;
  /** expected − received; negative with duplicates (tshark's "Lost"). */
  lost: number;
  expected: number;
  sequenceErrors: number;
  minDeltaMs: number;
  meanDeltaMs: number;
  maxDeltaMs: number;
  minJitterMs: number;
  meanJitterMs: number;
  maxJitterMs: number;
  /** Silences longer than the gap threshold (the trailing one is added at call level). */
  gaps: MediaGap[];
  bins: StreamBin[];
  /** Estimated MOS (E-model, G.107) over the whole stream, null when not computable. */
  mos: number | null;
  /** Lowest MOS over 5 s windows, null when not computable. */
  minWindowMos: number | null;
  /** Payload types seen, for telephone-event and comfort-noise presence. */
  payloadTypes: number[];
}

export interface RtcpReportBlock {
  ssrc: number;
  fractionLost: number; // 0..255 / 256
  cumulativeLost: number; // signed 24-bit
  highestSeq: number;
  jitter: number; // timestamp units
  lsr: number;
  dlsr: number;
}

export interface RtcpReport {
  frame: number;
  tsUs: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  /** 200 SR, 201 RR, 202 SDES, 203 BYE, 204 APP, 207 XR */
  packetType: number;
  senderSsrc: number;
  /** SR sender info. */
  ntpTimestamp?: number;
  rtpTimestamp?: number;
  senderPackets?: number;
  senderOctets?: number;
  blocks: RtcpReportBlock[];
  /** SDES CNAME when present. */
  cname?: string;
  /** RFC 3611 VoIP metrics block (type 7), when present. */
  voipMetrics?: { ssrc: number; lossRate: number; discardRate: number; rFactor: number; mosLq: number; mosCq: number; roundTripDelay: number; endSystemDelay: number };
}
