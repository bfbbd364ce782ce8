// Per-stream RTP analysis (one SSRC from one src ip:port to one dst ip:port), computed the
// way Wireshark's RTP Stream Analysis does so that our numbers equal
// `tshark -q -o rtp.heuristic_rtp:TRUE -z rtp,streams` (tshark 4.0.17):
//   ui/tap-rtp-analysis.c  rtppacket_analyse()      jitter, delta, sequence, flags
//   ui/tap-rtp-common.c    rtpstream_info_calculate() expected / lost
// tshark 4.0.x still has the older analysis (in-sequence test against the first timestamp,
// lastnominaltime); later Wireshark versions use the dissector's extended timestamp and
// behave differently around events and wraps. We follow 4.0.17 (checked on the corpus).
// plus what we add on top: gaps, per-second bins, estimated MOS (docs/metrics.md).
//
// Hot path: add() runs for every RTP packet of multi-GB captures, so it only does number
// arithmetic on fields. It allocates nothing, except one MediaGap per silence and one
// StreamBin per second of stream (both bounded by the stream's duration, not its rate).

import type { MediaGap, RtpHeader, RtpStreamStats, StreamBin } from '../../model/media.ts';
import { codecForEncoding, eModel, type MosCodec } from './mos.ts';
import { PT_CN, PT_CN_OLD, clockRateFor, encodingFor, isTelephoneEvent, type RtpMap } from './rtp_parser.ts';

export interface RtpStreamAnalyzerOptions {
  ssrc: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  /** a=rtpmap for the stream's payload types (SdpMedia.rtpmap), when SDP set the stream up. */
  rtpmap?: RtpMap;
  /**
   * Clock rate for dynamic payload types (≥ 96) the rtpmap does not cover. Default 0 =
   * unknown, which is what tshark does for a heuristic stream without SDP: no jitter.
   */
  clockRate?: number;
  /** A silence longer than this (ms) between two packets is a gap. Default 200. */
  gapThresholdMs?: number;
  /** One-way delay Ta (ms) for the E-model's Id when known (RTCP RTT/2 + jitter buffer). */
  oneWayDelayMs?: number;
  /** Window for the lowest windowed MOS, seconds. Default 5. */
  mosWindowSeconds?: number;
}

const HALF32 = 2147483648;

/** Per payload type: the clock rate used for jitter (0 = none) and the tap's ms divisor. */
interface ClockTables {
  clock: Float64Array;
  divisor: Float64Array;
}

/**
 * Clock tables depend only on the rtpmap and the fallback clock rate, so streams announced by
 * the same SDP (or by none) share one pair instead of 2 KB each: with a flood of SSRCs the
 * per-stream tables were most of the memory (and a loop of 128 per new stream).
 */
const tablesByMap = new WeakMap<RtpMap, Map<number, ClockTables>>();
const tablesNoMap = new Map<number, ClockTables>();

function clockTables(rtpmap: RtpMap | undefined, fallback: number): ClockTables {
  const byRate = rtpmap ? tablesByMap.get(rtpmap) ?? new Map<number, ClockTables>() : tablesNoMap;
  if (rtpmap && !tablesByMap.has(rtpmap)) tablesByMap.set(rtpmap, byRate);
  let t = byRate.get(fallback);
  if (t) return t;
  t = { clock: new Float64Array(128), divisor: new Float64Array(128) };
  for (let pt = 0; pt < 128; pt++) {
    let rate: number;
    if (pt < 96) {
      // rtppacket_analyse: PT < 96 → static clock_map, whatever SDP said.
      rate = clockRateFor(pt);
    } else {
      const entry = rtpmap?.[pt];
      // RFC 4733 §2.2.1: events keep one timestamp for the whole event, so Wireshark
      // sets clock_rate = 0 (STAT_FLAG_PT_T_EVENT) and computes no jitter for them.
      if (entry && isTelephoneEvent(entry.encoding)) rate = 0;
      else rate = entry ? clockRateFor(pt, rtpmap) : fallback;
    }
    // The tap converts with `nominaltime_diff / (clock_rate/1000)` in unsigned integer
    // arithmetic: 44100 Hz divides by 44, 11025 by 11. Keep that to match tshark.
    const div = Math.trunc(rate / 1000);
    t.clock[pt] = div > 0 ? rate : 0;
    t.divisor[pt] = div;
  }
  byRate.set(fallback, t);
  return t;
}

export class RtpStreamAnalyzer {
  private readonly opts: RtpStreamAnalyzerOptions;
  private readonly gapThresholdMs: number;
  /** Per payload type: clock rate used for jitter (0 = none) and ms divisor, as the tap does (shared, read-only). */
  private readonly jitterClock: Float64Array;
  private readonly jitterDivisor: Float64Array;
  private readonly ptCount = new Float64Array(128);

  // ---- tap_rtp_stat_t, field for field (names follow Wireshark's) ----
  private firstPacket = true;
  private startSeqNr = 0;
  private stopSeqNr = 0;
  private seqNum = 0;
  private seqCycles = 0;
  private under = false;
  /** Arrival (ms since the stream's first packet) of the last in-time-sequence packet. */
  private time = 0;
  /** RTP timestamp of the stream's first packet (the in-sequence reference). */
  private firstTimestamp = 0;
  /** Nominal time (ms from the first timestamp) of the last packet with a clock rate. */
  private lastNominalTime = 0;
  private pt = 0;
  private delta = 0;
  private jitter = 0;
  private maxDelta = 0;
  private minDelta = -1;
  private meanDelta = 0;
  private minJitter = -1;
  private maxJitter = 0;
  private meanJitter = 0;
  private totalNr = 0;
  private sequence = 0;
  private wrongTimestamps = 0;
  private lastClockRate = 0;

  // ---- ours ----
  private baseUs = 0;
  private firstFrame = 0;
  private lastFrame = 0;
  private lastUs = 0;
  private firstPt = -1;
  private prevArrivalMs = 0;
  private readonly gaps: MediaGap[] = [];
  private readonly bins: StreamBin[] = [];
  private curBin: StreamBin | null = null;
  /** RFC 3550 A.1-style extended sequence number, for per-second loss. */
  private maxExtSeq = 0;

  constructor(opts: RtpStreamAnalyzerOptions) {
    this.opts = opts;
    this.gapThresholdMs = opts.gapThresholdMs ?? 200;
    const tables = clockTables(opts.rtpmap, opts.clockRate && opts.clockRate > 0 ? opts.clockRate : 0);
    this.jitterClock = tables.clock;
    this.jitterDivisor = tables.divisor;
  }

  /**
   * Feed one packet of this stream, in capture order.
   * @param tsUs arrival time, µs since the epoch (fractional for ns captures)
   * @param frame frame number (tshark's)
   */
  add(tsUs: number, frame: number, hdr: RtpHeader): void {
    const seq = hdr.seq & 0xffff;
    const ptNow = hdr.payloadType & 0x7f;
    this.ptCount[ptNow]++;

    const ts = hdr.timestamp >>> 0;

    if (this.firstPacket) {
      this.firstPacket = false;
      this.baseUs = tsUs;
      this.firstFrame = frame;
      this.lastFrame = frame;
      this.lastUs = tsUs;
      this.firstPt = ptNow;
      this.startSeqNr = seq;
      this.stopSeqNr = seq;
      this.seqNum = seq;
      this.time = 0;
      this.firstTimestamp = ts;
      this.lastNominalTime = 0;
      this.pt = ptNow;
      this.delta = 0;
      this.maxDelta = 0;
      this.minDelta = -1;
      this.meanDelta = 0;
      this.jitter = 0;
      this.minJitter = -1;
      this.maxJitter = 0;
      this.totalNr = 1;
      this.prevArrivalMs = 0;
      this.maxExtSeq = 0x10000 + seq;
      this.binFor(tsUs).packets++;
      return;
    }

    const t = (tsUs - this.baseUs) / 1000;

    // "In time sequence" is judged against the stream's FIRST timestamp (tshark 4.0): less
    // than 2^31 ahead of it, or, when the timestamp is numerically below the first one (the
    // 32-bit timestamp wrapped), (0xFFFFFFFF − first) + ts < 2^31: the forward distance
    // across the wrap. (tap-rtp-analysis.c writes it with TIMESTAMP_DIFFERENCE(v1, v2) =
    // v2 − v1; reading that macro the other way round, as this code once did, turned every
    // packet after a wrap into "wrong timestamp": a stream whose random first timestamp sat
    // just below 2^32 came out with max delta 0 and jitter 0 where tshark measured both.)
    // An out-of-sequence packet moves no reference and is left out of delta/jitter statistics.
    let inTimeSequence: boolean;
    const first = this.firstTimestamp;
    if (first <= ts) inTimeSequence = ts - first < HALF32;
    else inTimeSequence = 0xffffffff - first + ts < HALF32;
    if (!inTimeSequence) this.wrongTimestamps++;

    // Sequence cycles (ui/tap-rtp-analysis.c): a seq below the first one starts a new
    // cycle; `under` is cleared once the seq is back above the first one.
    if (seq < this.startSeqNr && inTimeSequence && !this.under) {
      this.seqCycles++;
      this.under = true;
    } else if (seq === 0 && this.stopSeqNr === 65535 && inTimeSequence && !this.under) {
      this.seqCycles++;
      this.under = true;
    } else if (seq > this.startSeqNr && inTimeSequence && this.under) {
      this.under = false;
    }

    // Sequence errors: anything but prev + 1. A backwards step of more than 0xFF00 is taken
    // as a wrap with the wrapping packets lost (Wireshark issue 5958).
    if (inTimeSequence && this.seqNum + 1 === seq) {
      this.seqNum = seq;
    } else if (inTimeSequence && this.seqNum === 65535 && seq === 0) {
      this.seqNum = seq;
    } else if (inTimeSequence && (this.seqNum + 1 < seq || this.seqNum - seq > 0xff00)) {
      this.seqNum = seq;
      this.sequence++;
    } else if (this.seqNum + 1 > seq) {
      this.sequence++;
    }

    // Comfort noise (RFC 3389, PT 13; 19 before RFC 3551) and the packet after it are left
    // out of the statistics: CN timestamps do not advance like media.
    const isCn = ptNow === PT_CN || ptNow === PT_CN_OLD;
    const followCn = this.pt === PT_CN || this.pt === PT_CN_OLD;
    this.pt = ptNow;

    const clockRate = this.jitterClock[ptNow];
    let currentJitter = 0;
    if (inTimeSequence) {
      if (clockRate !== 0) {
        this.lastClockRate = clockRate;
        // RFC 3550 §6.4.1 in ms, as the 4.0 tap does it: nominal time is the timestamp's
        // distance from the first one (mod 2^32) in ms; the expected arrival is the last
        // in-sequence arrival plus the nominal advance since the last packet that HAD a
        // clock rate. D = |arrival − expected|, J = (15·J + D)/16.
        const nominalTime = ((ts - first) >>> 0) / this.jitterDivisor[ptNow];
        const expected = this.time + (nominalTime - this.lastNominalTime);
        const diff = Math.abs(t - expected);
        currentJitter = (15 * this.jitter + diff) / 16;
        this.delta = t - this.time;
        this.jitter = currentJitter;
        this.lastNominalTime = nominalTime;
      } else {
        // No clock (telephone-event, unknown dynamic PT): delta only. The packet still
        // moves the reference arrival time below, but not lastNominalTime, so the next
        // media packet is compared across the event.
        this.delta = t - this.time;
      }
    }

    // "Regular" packet: not the first, no marker, not CN, not after CN, not wrong timestamp.
    if (!hdr.marker && !isCn && inTimeSequence && !followCn) {
      if (this.delta > this.maxDelta) this.maxDelta = this.delta;
      if (this.minDelta === -1) this.minDelta = this.delta;
      else if (this.delta < this.minDelta) this.minDelta = this.delta;
      // Wireshark divides by total_nr (all packets before this one), not by the number of
      // regular packets: skipped packets still grow the divisor. Kept for agreement. The
      // mean jitter averages J itself (not D), which is what tshark 4.0.17 prints.
      this.meanDelta = (this.meanDelta * (this.totalNr - 1) + this.delta) / this.totalNr;
      if (clockRate !== 0) {
        if (this.jitter > this.maxJitter) this.maxJitter = this.jitter;
        this.meanJitter = (this.meanJitter * (this.totalNr - 1) + currentJitter) / this.totalNr;
        if (this.minJitter === -1) this.minJitter = this.jitter;
        else if (this.jitter < this.minJitter) this.minJitter = this.jitter;
      }
    }

    if (inTimeSequence) this.time = t;
    // tshark 4.0 keeps the *last* packet's seq as stop_seq_nr (not the highest).
    this.stopSeqNr = seq;
    this.totalNr++;

    // ---- ours: gaps, bins ----
    const arrivalDelta = t - this.prevArrivalMs;
    if (arrivalDelta > this.gapThresholdMs) {
      this.gaps.push({ startUs: this.lastUs, durationMs: arrivalDelta, trailing: false });
    }
    this.prevArrivalMs = t;
    this.lastUs = tsUs;
    this.lastFrame = frame;

    const bin = this.binFor(tsUs);
    bin.packets++;
    if (clockRate !== 0 && this.jitter > bin.maxJitterMs) bin.maxJitterMs = this.jitter;
    if (arrivalDelta > bin.maxDeltaMs) bin.maxDeltaMs = arrivalDelta;
    // Per-second loss from an RFC 3550 A.1-style extended sequence number: a forward jump
    // counts the skipped numbers as lost in this second; a late (or duplicate) packet gives
    // one back. Clamped at ≥ 0 per bin in finish().
    let extSeq = Math.floor(this.maxExtSeq / 65536) * 65536 + seq;
    if (extSeq + 0x8000 < this.maxExtSeq) extSeq += 0x10000;
    else if (this.maxExtSeq + 0x8000 < extSeq) extSeq -= 0x10000;
    if (extSeq > this.maxExtSeq) {
      bin.lost += extSeq - this.maxExtSeq - 1;
      this.maxExtSeq = extSeq;
    } else {
      bin.lost -= 1;
    }
  }

  /** The bin of the second tsUs falls in; creates it (in order) when new. */
  private binFor(tsUs: number): StreamBin {
    const second = Math.floor(tsUs / 1e6);
    const cur = this.curBin;
    if (cur !== null && cur.second === second) return cur;
    const bins = this.bins;
    // Captures are almost always in time order, so look from the end.
    let i = bins.length - 1;
    while (i >= 0 && bins[i].second > second) i--;
    if (i >= 0 && bins[i].second === second) {
      this.curBin = bins[i];
      return bins[i];
    }
    const bin: StreamBin = { second, packets: 0, lost: 0, maxJitterMs: 0, maxDeltaMs: 0 };
    bins.splice(i + 1, 0, bin);
    this.curBin = bin;
    return bin;
  }

  /** Number of packets fed so far. */
  get packets(): number {
    return this.totalNr;
  }

  /** Arrival time of the latest packet, µs (0 before the first). */
  get lastArrivalUs(): number {
    return this.lastUs;
  }

  /** Packets flagged "wrong timestamp" (STAT_FLAG_WRONG_TIMESTAMP). Not in RtpStreamStats yet. */
  get wrongTimestampCount(): number {
    return this.wrongTimestamps;
  }

  /** tshark's "Problems?" column (X): any sequence error or wrong timestamp. */
  get problem(): boolean {
    return this.sequence > 0 || this.wrongTimestamps > 0;
  }

  /**
   * The stream's statistics. Can be called at any time (it does not end the analysis).
   * Values with no data keep tshark's conventions: minDeltaMs and minJitterMs are −1 when
   * no packet qualified (single packet, or no clock rate for jitter), means and maxima 0.
   * mos / minWindowMos are null when the codec has no E-model values (events, video,
   * unknown dynamic types) or nothing was received.
   */
  finish(): RtpStreamStats {
    const o = this.opts;
    const expected = this.totalNr === 0 ? 0 : this.stopSeqNr + this.seqCycles * 65536 - this.startSeqNr + 1;
    const lost = expected - this.totalNr;
    const bins = this.bins.map((b) => ({ ...b, lost: b.lost > 0 ? b.lost : 0 }));
    const firstPt = this.firstPt < 0 ? 0 : this.firstPt;

    const payloadTypes: number[] = [];
    let mainPt = -1;
    let mainCodec: MosCodec | null = null;
    for (let pt = 0; pt < 128; pt++) {
      if (this.ptCount[pt] === 0) continue;
      payloadTypes.push(pt);
      const codec = codecForEncoding(encodingFor(pt, o.rtpmap));
      if (codec !== null && (mainPt < 0 || this.ptCount[pt] > this.ptCount[mainPt])) {
        mainPt = pt;
        mainCodec = codec;
      }
    }

    let mos: number | null = null;
    let minWindowMos: number | null = null;
    if (mainCodec !== null && this.totalNr > 0) {
      const lossPct = expected > 0 && lost > 0 ? (lost * 100) / expected : 0;
      mos = eModel({ codec: mainCodec, lossPercent: lossPct, oneWayDelayMs: o.oneWayDelayMs }).mos;
      minWindowMos = this.minWindowMos(bins, mainCodec);
    }

    return {
      ssrc: o.ssrc,
      src: o.src,
      srcPort: o.srcPort,
      dst: o.dst,
      dstPort: o.dstPort,
      payloadType: firstPt,
      encoding: encodingFor(firstPt, o.rtpmap),
      clockRate: clockRateFor(firstPt, o.rtpmap) || this.lastClockRate || (o.clockRate ?? 0),
      firstFrame: this.firstFrame,
      lastFrame: this.lastFrame,
      firstUs: this.baseUs,
      lastUs: this.lastUs,
      packets: this.totalNr,
      lost,
      expected,
      sequenceErrors: this.sequence,
      minDeltaMs: this.minDelta,
      meanDeltaMs: this.meanDelta,
      maxDeltaMs: this.maxDelta,
      minJitterMs: this.minJitter,
      meanJitterMs: this.meanJitter,
      maxJitterMs: this.maxJitter,
      gaps: this.gaps.slice(),
      bins,
      mos,
      minWindowMos,
      payloadTypes,
    };
  }

  /** Lowest E-model MOS over fixed windows aligned on the stream's first second. */
  private minWindowMos(bins: readonly StreamBin[], codec: MosCodec): number | null {
    if (bins.length === 0) return null;
    const w = this.opts.mosWindowSeconds && this.opts.mosWindowSeconds > 0 ? this.opts.mosWindowSeconds : 5;
    const origin = bins[0].second;
    let min: number | null = null;
    let win = -1;
    let recv = 0;
    let lost = 0;
    const flush = (): void => {
      if (recv + lost === 0) return;
      const m = eModel({ codec, lossPercent: (lost * 100) / (recv + lost), oneWayDelayMs: this.opts.oneWayDelayMs }).mos;
      if (min === null || m < min) min = m;
    };
    for (const b of bins) {
      const idx = Math.floor((b.second - origin) / w);
      if (idx !== win) {
        flush();
        win = idx;
        recv = 0;
        lost = 0;
      }
      recv += b.packets;
      lost += b.lost;
    }
    flush();
    return min;
  }
}
