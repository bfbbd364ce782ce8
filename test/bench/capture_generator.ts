// Deterministic generator of large, realistic SIP/RTP captures for the ingest benchmark and
// for end-to-end checks of the engine against a known ground truth.
//
// What it writes: Ethernet/IPv4/UDP, SIP over UDP 5060 between a few carrier SBCs (callers)
// and a few media servers (our agents), SDP offer/answer announcing the RTP ports, and
// 20 ms G.711 RTP (PCMU/PCMA, 160-byte payloads) both ways, with the outcome mix of
// shared/docs/diagnosis.md §2–3 (normal clearing, short hang-up, agent BYE, CANCEL/487,
// 486/503/404, one-way audio, one-way RTP timeout) and some packet loss and arrival jitter.
//
// Why it is shaped like this:
// - The capture is streamed to disk through a small write buffer: a 1 GB capture must not
//   cost 1 GB of memory in the generator, or the benchmark would measure a swapping machine.
// - Packets must be in timestamp order (like a real capture). Every live call contributes a
//   handful of "sources" (its SIP script, one per RTP direction), each knowing only its next
//   packet; a binary heap over the sources picks the earliest. Memory is therefore bounded
//   by the number of live calls, whatever the target size.
// - Everything random comes from one seeded PRNG consumed in heap order (ties broken by
//   insertion order), so a seed always gives the same bytes.
// - Calls run in N "slots": a slot starts a call, waits for it to finish, pauses briefly and
//   starts the next one, so about N calls are live at once. New calls stop starting once the
//   bytes already planned reach the target; the calls in flight then finish normally, so the
//   capture never ends mid-call (that would make every last call `capture_ended`).
// - RTP ports are allocated sequentially per host and never reused before 25 000 calls per
//   host: the engine and tshark associate RTP by SDP-announced ip:port, and a reused port
//   would blur the ground truth.
// - Packets are built with shared/engine/capture/packet_builder.ts and written with the
//   capture writers, so the benchmark exercises the same bytes the tests already trust.

import { closeSync, openSync, writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { PcapWriter, PcapngWriter } from '../../shared/engine/capture/capture_writer.ts';
import { ascii, ethernet, ipv4, udp } from '../../shared/engine/capture/packet_builder.ts';

// ─── Public types ──────────────────────────────────────────────────────────────────────

export type CaptureFormat = 'pcap' | 'pcapng';

export type OutcomeKind =
  | 'normal_clearing'
  | 'caller_hangup_short'
  | 'agent_bye'
  | 'cancel_487'
  | 'sip_486'
  | 'sip_503'
  | 'sip_404'
  | 'one_way_audio'
  | 'rtp_timeout_oneway';

export const OUTCOME_KINDS: readonly OutcomeKind[] = [
  'normal_clearing', 'caller_hangup_short', 'agent_bye', 'cancel_487', 'sip_486', 'sip_503', 'sip_404',
  'one_way_audio', 'rtp_timeout_oneway',
];

/** Relative frequencies after the first round (a contact-centre day: mostly clean calls). */
const WEIGHTS: Record<OutcomeKind, number> = {
  normal_clearing: 40, caller_hangup_short: 12, agent_bye: 18, cancel_487: 6, sip_486: 5, sip_503: 4, sip_404: 3,
  one_way_audio: 5, rtp_timeout_oneway: 7,
};

export interface GeneratorOptions {
  out: string;
  targetBytes: number;
  /** Calls live at once (slots). Default 50. */
  concurrentCalls?: number;
  format?: CaptureFormat;
  seed?: number;
  /**
   * Multiplies ring and talk times (default 1). Small tests use < 1 to fit every outcome in
   * a couple of MB; thresholds that define an outcome (≥ 30 s for normal clearing, ≥ 6 s of
   * one-way silence for an RTP timeout) are kept whatever the scale.
   */
  durationScale?: number;
  /** Capture start, µs since the epoch. */
  startUs?: number;
  /**
   * Packet loss in %, applied to every RTP stream alike (independent losses, never the first
   * or last packet). Unset: the default mix, where a fifth of the answered calls lose
   * 0.3–3 % in short bursts and the rest lose nothing.
   */
  lossPct?: number;
  /**
   * Arrival jitter: each RTP packet arrives up to ± this many ms off its 20 ms grid (uniform).
   * Unset: the default profile (0–3 ms late, sometimes up to 15 ms). At most 9 ms, so a
   * stream never reorders.
   */
  jitterMs?: number;
  /** Called once per call, when its last packet has been written (the ground truth). */
  onCall?: (call: GeneratedCall) => void;
}

export interface GeneratedStream {
  /** Sender side: 'caller' = caller → agent. */
  direction: 'caller' | 'callee';
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  ssrc: number;
  payloadType: number;
  /** Packets written. */
  packets: number;
  /** Packets dropped inside the stream (never the first or the last one): the expected "lost". */
  lost: number;
  firstUs: number;
  lastUs: number;
}

export interface GeneratedCall {
  callId: string;
  kind: OutcomeKind;
  /** The diagnosis.md §2 cause key the classifier should reach. */
  expectedCause: string;
  answered: boolean;
  finalStatus: number;
  endMethod: 'BYE' | 'CANCEL' | 'final_error';
  endedBy: 'caller' | 'callee';
  startUs: number;
  answerUs: number | null;
  /** BYE / CANCEL / final response time. */
  endUs: number;
  /** Answer → BYE, ms (0 when not answered). */
  durationMs: number;
  sipMessages: number;
  streams: GeneratedStream[];
  lossy: boolean;
  callerAddr: string;
  calleeAddr: string;
}

export interface GeneratorResult {
  path: string;
  format: CaptureFormat;
  bytes: number;
  packets: number;
  calls: number;
  rtpStreams: number;
  byKind: Record<OutcomeKind, number>;
  firstUs: number;
  lastUs: number;
  maxLiveCalls: number;
}

// ─── PRNG ──────────────────────────────────────────────────────────────────────────────

/** sfc32 seeded through splitmix32: fast, good enough for traffic, identical on every platform. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const mix = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix();
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** [0, 1) */
  next(): number {
    return this.u32() / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(a: readonly T[]): T {
    return a[Math.floor(this.next() * a.length)];
  }

  hex(n: number): string {
    let s = '';
    while (s.length < n) s += this.u32().toString(16).padStart(8, '0');
    return s.slice(0, n);
  }

  digits(n: number): string {
    let s = '';
    for (let i = 0; i < n; i++) s += String(this.int(0, 9));
    return s;
  }
}

// ─── Time-ordered event queue ──────────────────────────────────────────────────────────

interface Source {
  /** Time of this source's next packet (µs). */
  at: number;
  /** Writes the packet at `at` and advances; false once the source has nothing more. */
  fire(): boolean;
}

/** Binary min-heap on (at, insertion order): the order is total, so output is deterministic. */
class EventQueue {
  private readonly items: { at: number; order: number; src: Source }[] = [];
  private counter = 0;

  get size(): number {
    return this.items.length;
  }

  push(src: Source): void {
    const it = { at: src.at, order: this.counter++, src };
    const a = this.items;
    a.push(it);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(it, a[p])) break;
      a[i] = a[p];
      i = p;
    }
    a[i] = it;
  }

  pop(): Source | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && less(a[r], a[l]) ? r : l;
        if (!less(a[c], last)) break;
        a[i] = a[c];
        i = c;
      }
      a[i] = last;
    }
    return top.src;
  }
}

function less(x: { at: number; order: number }, y: { at: number; order: number }): boolean {
  return x.at < y.at || (x.at === y.at && x.order < y.order);
}

// ─── Output ────────────────────────────────────────────────────────────────────────────

const WRITE_BUFFER = 4 * 1024 * 1024;
const LINKTYPE_ETHERNET = 1;
/** Ethernet 14 + IPv4 20 + UDP 8. */
const L2_L4 = 42;
const RTP_FRAME = L2_L4 + 12 + 160;

class CaptureOut {
  private readonly fd: number;
  private readonly buf = Buffer.allocUnsafe(WRITE_BUFFER);
  private pos = 0;
  bytes = 0;
  packets = 0;
  firstUs = -1;
  lastUs = 0;
  private readonly pcap: PcapWriter | null;
  private readonly pcapng: PcapngWriter | null;

  constructor(path: string, readonly format: CaptureFormat) {
    this.fd = openSync(path, 'w');
    if (format === 'pcap') {
      this.pcap = new PcapWriter({ linkType: LINKTYPE_ETHERNET, snaplen: 65535 });
      this.pcapng = null;
      this.raw(this.pcap.header());
    } else {
      this.pcap = null;
      this.pcapng = new PcapngWriter();
      this.raw(this.pcapng.shb({ userAppl: 'calltrace capture_generator' }));
      this.raw(this.pcapng.idb({ linkType: LINKTYPE_ETHERNET, snaplen: 65535, name: 'eth0' }));
    }
  }

  /** Bytes one frame of `frameLen` costs in the file (record / block overhead included). */
  recordBytes(frameLen: number): number {
    return this.format === 'pcap' ? 16 + frameLen : 32 + ((frameLen + 3) & ~3);
  }

  packet(tsUs: number, frame: Uint8Array): void {
    if (tsUs < this.lastUs) throw new Error(`generator bug: packet at ${tsUs} after ${this.lastUs}`);
    if (this.firstUs < 0) this.firstUs = tsUs;
    this.lastUs = tsUs;
    this.packets++;
    this.raw(this.pcap ? this.pcap.packet(tsUs, frame) : this.pcapng!.epb(0, tsUs, frame));
  }

  private raw(b: Uint8Array): void {
    if (this.pos + b.length > this.buf.length) this.flush();
    this.buf.set(b, this.pos);
    this.pos += b.length;
    this.bytes += b.length;
  }

  private flush(): void {
    let off = 0;
    while (off < this.pos) off += writeSync(this.fd, this.buf, off, this.pos - off);
    this.pos = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

// ─── Network ───────────────────────────────────────────────────────────────────────────

/** Carrier SBCs (callers; documentation ranges) and our media servers (agents). */
const CALLER_HOSTS = ['198.51.100.10', '198.51.100.11', '203.0.113.20', '203.0.113.21'];
const AGENT_HOSTS = ['10.20.0.11', '10.20.0.12', '10.20.0.13'];
const MAC_ROUTER = Uint8Array.of(0x00, 0x1b, 0x21, 0x3a, 0x4c, 0x01);
const MAC_SERVER = Uint8Array.of(0x52, 0x54, 0x00, 0x12, 0x34, 0x56);
const SIP_PORT = 5060;
const RTP_PORT_BASE = 10000;
const RTP_PORTS_PER_HOST = 25000;

class Network {
  private readonly ipIds = new Map<string, number>();
  private readonly nextPort = new Map<string, number>();

  /** Even RTP ports in sequence per host (RTCP would take the odd one above). */
  allocPort(host: string): number {
    const n = this.nextPort.get(host) ?? 0;
    this.nextPort.set(host, n + 1);
    return RTP_PORT_BASE + 2 * (n % RTP_PORTS_PER_HOST);
  }

  /** One Ethernet frame; the IPv4 identification counts up per sending host, as stacks do. */
  frame(src: string, srcPort: number, dst: string, dstPort: number, payload: Uint8Array, fromCaller: boolean): Uint8Array {
    const id = ((this.ipIds.get(src) ?? 0) + 1) & 0xffff;
    this.ipIds.set(src, id);
    const ip = ipv4({ src, dst, proto: 17, id, ttl: fromCaller ? 57 : 64, dontFragment: true }, udp(srcPort, dstPort, payload));
    return ethernet(fromCaller ? { dst: MAC_SERVER, src: MAC_ROUTER, type: 0x0800 } : { dst: MAC_ROUTER, src: MAC_SERVER, type: 0x0800 }, ip);
  }
}

// ─── One call ──────────────────────────────────────────────────────────────────────────

const MS = 1000;
const S = 1_000_000;
const PTIME_US = 20 * MS;

interface SipStep {
  at: number;
  fromCaller: boolean;
  text: string;
}

/** G.711 payloads: a few noisy frames around the codec's silence value, reused in turn. */
function makePayloads(rng: Rng, silence: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < 32; i++) {
    const p = new Uint8Array(160);
    for (let j = 0; j < 160; j++) p[j] = (silence ^ rng.int(0, 15)) & 0xff;
    out.push(p);
  }
  return out;
}

class Generator {
  private readonly rng: Rng;
  private readonly queue = new EventQueue();
  private readonly net = new Network();
  private readonly out: CaptureOut;
  private readonly payloads: Record<number, Uint8Array[]>;
  private readonly scale: number;
  private readonly deck: OutcomeKind[];
  private plannedBytes: number;
  private callNo = 0;
  private live = 0;
  maxLive = 0;
  calls = 0;
  rtpStreams = 0;
  readonly byKind = Object.fromEntries(OUTCOME_KINDS.map((k) => [k, 0])) as Record<OutcomeKind, number>;

  constructor(private readonly o: GeneratorOptions) {
    this.rng = new Rng(o.seed ?? 1);
    this.scale = o.durationScale ?? 1;
    this.out = new CaptureOut(o.out, o.format ?? 'pcap');
    this.plannedBytes = this.out.bytes;
    this.payloads = { 0: makePayloads(this.rng, 0xff), 8: makePayloads(this.rng, 0xd5) };
    // The first round deals every outcome once (shuffled), so even a small capture has them all.
    this.deck = [...OUTCOME_KINDS];
    for (let i = this.deck.length - 1; i > 0; i--) {
      const j = this.rng.int(0, i);
      [this.deck[i], this.deck[j]] = [this.deck[j], this.deck[i]];
    }
  }

  run(): GeneratorResult {
    const slots = Math.max(1, this.o.concurrentCalls ?? 50);
    const t0 = this.o.startUs ?? 1_700_000_000_000_000;
    // Stagger the slots' first calls so the capture does not open with N simultaneous INVITEs.
    const spread = Math.min(slots * 0.4 * S, 30 * S) * Math.min(1, this.scale);
    for (let i = 0; i < slots; i++) this.scheduleStart(t0 + Math.round(this.rng.uniform(0, spread)));
    for (;;) {
      const src = this.queue.pop();
      if (!src) break;
      if (src.fire()) this.queue.push(src);
    }
    this.out.close();
    return {
      path: this.o.out, format: this.out.format, bytes: this.out.bytes, packets: this.out.packets, calls: this.calls,
      rtpStreams: this.rtpStreams, byKind: this.byKind, firstUs: this.out.firstUs, lastUs: this.out.lastUs, maxLiveCalls: this.maxLive,
    };
  }

  private scheduleStart(at: number): void {
    this.queue.push({ at, fire: () => { this.startCall(at); return false; } });
  }

  private nextKind(): OutcomeKind {
    const fromDeck = this.deck.shift();
    if (fromDeck) return fromDeck;
    let total = 0;
    for (const k of OUTCOME_KINDS) total += WEIGHTS[k];
    let r = this.rng.uniform(0, total);
    for (const k of OUTCOME_KINDS) {
      r -= WEIGHTS[k];
      if (r < 0) return k;
    }
    return 'normal_clearing';
  }

  /** Scaled duration in µs, never below `min` seconds. */
  private dur(lo: number, hi: number, min: number): number {
    return Math.round(Math.max(min, this.rng.uniform(lo, hi) * this.scale) * S);
  }

  private startCall(t0: number): void {
    if (this.plannedBytes >= this.o.targetBytes) return; // target reached: this slot retires
    const rng = this.rng;
    const kind = this.nextKind();
    const n = ++this.callNo;
    const callerIp = rng.pick(CALLER_HOSTS);
    const agentIp = rng.pick(AGENT_HOSTS);
    const callerRtp = this.net.allocPort(callerIp);
    const agentRtp = this.net.allocPort(agentIp);
    const fromUser = `+1${rng.int(201, 989)}${rng.digits(7)}`;
    const toUser = `+1800555${String(rng.int(0, 9999)).padStart(4, '0')}`;
    const callId = `${n.toString(16).padStart(6, '0')}-${rng.hex(16)}@${callerIp}`;
    const fromTag = rng.hex(10);
    const toTag = rng.hex(10);
    const inviteBranch = `z9hG4bK${rng.hex(16)}`;
    const pt = rng.chance(0.5) ? 0 : 8;
    const callerUa = rng.pick(['Sonus SBC 9.2', 'Ribbon SBC SWe 10.1', 'AudioCodes Mediant SBC/v.7.40A', 'Oracle ESBC 9.0']);
    const agentUa = 'calltrace-agent/2.4 (media server)';

    // ---- SIP text ----------------------------------------------------------------------
    const inviteVia = `Via: SIP/2.0/UDP ${callerIp}:${SIP_PORT};branch=${inviteBranch}`;
    const fromHdr = `From: "${fromUser}" <sip:${fromUser}@${callerIp}>;tag=${fromTag}`;
    const toBare = `To: <sip:${toUser}@${agentIp}>`;
    const toTagged = `${toBare};tag=${toTag}`;
    const callerContact = `<sip:${fromUser}@${callerIp}:${SIP_PORT}>`;
    const agentContact = `<sip:${toUser}@${agentIp}:${SIP_PORT}>`;
    const sessId = rng.int(1e8, 9e8);
    const sdpOffer = sdp(callerIp, sessId, callerRtp, [0, 8]);
    const sdpAnswer = sdp(agentIp, sessId + 7, agentRtp, [pt]);
    const msg = (start: string, headers: string[], body = ''): string =>
      `${start}\r\n${headers.join('\r\n')}\r\n${body ? 'Content-Type: application/sdp\r\n' : ''}Content-Length: ${body.length}\r\n\r\n${body}`;
    const response = (code: number, reason: string, cseq: string, opts: { tag?: boolean; body?: string; extra?: string[]; via?: string } = {}): string =>
      msg(`SIP/2.0 ${code} ${reason}`, [
        opts.via ?? inviteVia, fromHdr, opts.tag === false ? toBare : toTagged, `Call-ID: ${callId}`, `CSeq: ${cseq}`,
        ...(opts.tag === false ? [] : [`Contact: ${agentContact}`]), `Server: ${agentUa}`, ...(opts.extra ?? []),
      ], opts.body);
    const invite = msg(`INVITE sip:${toUser}@${agentIp}:${SIP_PORT} SIP/2.0`, [
      inviteVia, 'Max-Forwards: 70', fromHdr, toBare, `Call-ID: ${callId}`, 'CSeq: 1 INVITE', `Contact: ${callerContact}`,
      `User-Agent: ${callerUa}`, 'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE', 'Supported: timer, replaces',
    ], sdpOffer);
    /** ACK of a non-2xx final response: same branch as the INVITE (RFC 3261 §17.1.1.3). */
    const ackError = msg(`ACK sip:${toUser}@${agentIp}:${SIP_PORT} SIP/2.0`, [
      inviteVia, 'Max-Forwards: 70', fromHdr, toTagged, `Call-ID: ${callId}`, 'CSeq: 1 ACK', `User-Agent: ${callerUa}`,
    ]);
    const ack2xx = msg(`ACK sip:${toUser}@${agentIp}:${SIP_PORT} SIP/2.0`, [
      `Via: SIP/2.0/UDP ${callerIp}:${SIP_PORT};branch=z9hG4bK${rng.hex(16)}`, 'Max-Forwards: 70', fromHdr, toTagged,
      `Call-ID: ${callId}`, 'CSeq: 1 ACK', `User-Agent: ${callerUa}`,
    ]);

    // ---- timeline ----------------------------------------------------------------------
    const steps: SipStep[] = [];
    const caller = (at: number, text: string) => steps.push({ at, fromCaller: true, text });
    const agent = (at: number, text: string) => steps.push({ at, fromCaller: false, text });
    const ms = (lo: number, hi: number) => Math.round(rng.uniform(lo, hi) * MS);
    caller(t0, invite);
    const t100 = t0 + ms(2, 25);
    agent(t100, response(100, 'Trying', '1 INVITE', { tag: false }));

    let answered = false;
    let finalStatus = 0;
    let endMethod: GeneratedCall['endMethod'] = 'BYE';
    let endedBy: GeneratedCall['endedBy'] = 'caller';
    let answerUs: number | null = null;
    let endUs = 0;
    let lossy = false;
    const streams: RtpSource[] = [];
    const expectedCause = kind;

    const finalError = (at: number, code: number, reason: string, extra: string[] = []) => {
      agent(at, response(code, reason, '1 INVITE', { extra }));
      caller(at + ms(1, 6), ackError);
      finalStatus = code;
      endMethod = 'final_error';
      endedBy = 'callee';
      endUs = at;
    };

    switch (kind) {
      case 'sip_404':
        finalError(t100 + ms(20, 200), 404, 'Not Found');
        break;
      case 'sip_503':
        finalError(t100 + ms(10, 120), 503, 'Service Unavailable', ['Retry-After: 30', 'Reason: Q.850;cause=34;text="No circuit/channel available"']);
        break;
      case 'sip_486':
        finalError(t100 + ms(100, 800), 486, 'Busy Here', ['Reason: Q.850;cause=17;text="User busy"']);
        break;
      case 'cancel_487': {
        const t180 = t100 + ms(80, 1500);
        agent(t180, response(180, 'Ringing', '1 INVITE'));
        const tCancel = t180 + this.dur(2, 12, 1);
        caller(tCancel, msg(`CANCEL sip:${toUser}@${agentIp}:${SIP_PORT} SIP/2.0`, [
          inviteVia, 'Max-Forwards: 70', fromHdr, toBare, `Call-ID: ${callId}`, 'CSeq: 1 CANCEL', `User-Agent: ${callerUa}`,
          'Reason: Q.850;cause=16;text="Normal call clearing"',
        ]));
        const t200 = tCancel + ms(2, 20);
        agent(t200, response(200, 'OK', '1 CANCEL', { tag: false }));
        const t487 = t200 + ms(1, 5);
        agent(t487, response(487, 'Request Terminated', '1 INVITE'));
        caller(t487 + ms(1, 6), ackError);
        finalStatus = 487;
        endMethod = 'CANCEL';
        endedBy = 'caller';
        endUs = tCancel;
        break;
      }
      default: {
        // Answered calls.
        answered = true;
        finalStatus = 200;
        const t180 = t100 + ms(80, 1500);
        agent(t180, response(180, 'Ringing', '1 INVITE'));
        const t200 = t180 + this.dur(1, 8, 0.3);
        answerUs = t200;
        agent(t200, response(200, 'OK', '1 INVITE', { body: sdpAnswer, extra: ['Allow: INVITE, ACK, CANCEL, BYE, OPTIONS'] }));
        const tAck = t200 + ms(5, 40);
        caller(tAck, ack2xx);

        let talk: number;
        let callerBye = true;
        let byeReason = '';
        // Which directions carry RTP, and until when (µs before the BYE they stop).
        let callerSends = true;
        let agentSends = true;
        let callerStopsEarly = 0;
        switch (kind) {
          case 'normal_clearing':
            talk = this.dur(30.5, 150, 30.5);
            break;
          case 'caller_hangup_short':
            talk = Math.min(this.dur(2, 25, 1.5), 28 * S);
            break;
          case 'agent_bye':
            talk = this.dur(8, 150, 3);
            callerBye = false;
            byeReason = 'Reason: Q.850;cause=16;text="Normal call clearing"';
            break;
          case 'one_way_audio':
            talk = this.dur(6, 45, 4);
            // The caller hangs up on silence; either direction may be the dead one.
            if (rng.chance(0.5)) agentSends = false;
            else callerSends = false;
            break;
          default: {
            // rtp_timeout_oneway: the caller's media stops (NAT pinhole expiry), ours keeps
            // flowing, and our media server's RTP timer ends the call.
            const before = this.dur(10, 90, 4);
            callerStopsEarly = this.dur(6, 30, 6);
            talk = before + callerStopsEarly;
            callerBye = false;
            byeReason = 'Reason: Q.850;cause=102;text="Recovery on timer expiry"';
          }
        }
        const tBye = t200 + talk;
        endUs = tBye;
        endMethod = 'BYE';
        endedBy = callerBye ? 'caller' : 'callee';
        lossy = kind !== 'one_way_audio' && rng.chance(0.2);
        if (callerBye) {
          const via = `Via: SIP/2.0/UDP ${callerIp}:${SIP_PORT};branch=z9hG4bK${rng.hex(16)}`;
          caller(tBye, msg(`BYE sip:${toUser}@${agentIp}:${SIP_PORT} SIP/2.0`, [
            via, 'Max-Forwards: 70', fromHdr, toTagged, `Call-ID: ${callId}`, 'CSeq: 2 BYE', `User-Agent: ${callerUa}`,
            ...(rng.chance(0.5) ? ['Reason: Q.850;cause=16;text="Normal call clearing"'] : []),
          ]));
          agent(tBye + ms(3, 30), response(200, 'OK', '2 BYE', { via }));
        } else {
          // Our side's BYE: its own Via and CSeq space, From/To swapped (RFC 3261 §12.2.1.1).
          const via = `Via: SIP/2.0/UDP ${agentIp}:${SIP_PORT};branch=z9hG4bK${rng.hex(16)}`;
          const fromAgent = `From: <sip:${toUser}@${agentIp}>;tag=${toTag}`;
          const toCaller = `To: "${fromUser}" <sip:${fromUser}@${callerIp}>;tag=${fromTag}`;
          agent(tBye, msg(`BYE sip:${fromUser}@${callerIp}:${SIP_PORT} SIP/2.0`, [
            via, 'Max-Forwards: 70', fromAgent, toCaller, `Call-ID: ${callId}`, 'CSeq: 1 BYE', `User-Agent: ${agentUa}`, byeReason,
          ]));
          caller(tBye + ms(3, 40), msg('SIP/2.0 200 OK', [via, fromAgent, toCaller, `Call-ID: ${callId}`, 'CSeq: 1 BYE', `Server: ${callerUa}`]));
        }

        // Both sides stop sending a little before the BYE goes out.
        // An explicit loss rate replaces the default mix for every stream (the lossy flag then
        // says whether any loss was asked for, so the manifest stays truthful).
        const lossPct = this.o.lossPct;
        if (lossPct !== undefined) lossy = lossPct > 0;
        const lossRate = () => (lossPct !== undefined ? lossPct / 100 : lossy ? rng.uniform(0.003, 0.03) : 0);
        if (agentSends) {
          const start = t200 + ms(10, 60);
          const stop = tBye - ms(20, 60);
          streams.push(new RtpSource(this, 'callee', agentIp, agentRtp, callerIp, callerRtp, pt, start, stop, lossRate(), lossPct === undefined));
        }
        if (callerSends) {
          const start = tAck + ms(10, 60);
          const stop = tBye - callerStopsEarly - ms(20, 60);
          streams.push(new RtpSource(this, 'caller', callerIp, callerRtp, agentIp, agentRtp, pt, start, stop, lossRate(), lossPct === undefined));
        }
      }
    }

    steps.sort((a, b) => a.at - b.at);
    const call = new LiveCall(this, {
      callId, kind, expectedCause, answered, finalStatus, endMethod, endedBy, startUs: t0, answerUs, endUs,
      durationMs: answerUs === null ? 0 : (endUs - answerUs) / MS, sipMessages: steps.length, streams: [], lossy,
      callerAddr: `${callerIp}:${SIP_PORT}`, calleeAddr: `${agentIp}:${SIP_PORT}`,
    });
    const sip = new SipSource(this, call, steps, callerIp, agentIp);
    let planned = 0;
    for (const s of steps) planned += this.out.recordBytes(L2_L4 + s.text.length);
    for (const r of streams) planned += r.plannedPackets * this.out.recordBytes(RTP_FRAME);
    this.plannedBytes += planned;
    call.pending = 1 + streams.length;
    this.queue.push(sip);
    for (const r of streams) {
      r.call = call;
      this.queue.push(r);
    }
    this.live++;
    this.maxLive = Math.max(this.maxLive, this.live);
    this.byKind[kind]++;
  }

  // ---- hooks for the sources -----------------------------------------------------------

  get random(): Rng {
    return this.rng;
  }

  /** Explicit arrival jitter (± ms), null for the default profile. */
  get jitterMs(): number | null {
    return this.o.jitterMs ?? null;
  }

  payload(pt: number, i: number): Uint8Array {
    const list = this.payloads[pt];
    return list[i % list.length];
  }

  write(at: number, src: string, srcPort: number, dst: string, dstPort: number, payload: Uint8Array, fromCaller: boolean): void {
    this.out.packet(at, this.net.frame(src, srcPort, dst, dstPort, payload, fromCaller));
  }

  callDone(call: LiveCall, lastUs: number): void {
    this.live--;
    this.calls++;
    this.rtpStreams += call.info.streams.length;
    this.o.onCall?.(call.info);
    // The slot pauses briefly, then starts its next call (if the target is not reached yet).
    this.scheduleStart(lastUs + Math.round(this.rng.uniform(0.05, 2) * S));
  }
}

class LiveCall {
  pending = 0;
  lastUs = 0;

  constructor(private readonly gen: Generator, readonly info: GeneratedCall) {}

  sourceDone(at: number): void {
    this.lastUs = Math.max(this.lastUs, at);
    if (--this.pending === 0) this.gen.callDone(this, this.lastUs);
  }
}

class SipSource implements Source {
  at: number;
  private i = 0;

  constructor(
    private readonly gen: Generator,
    private readonly call: LiveCall,
    private readonly steps: SipStep[],
    private readonly callerIp: string,
    private readonly agentIp: string,
  ) {
    this.at = steps[0].at;
  }

  fire(): boolean {
    const s = this.steps[this.i];
    const [src, dst] = s.fromCaller ? [this.callerIp, this.agentIp] : [this.agentIp, this.callerIp];
    this.gen.write(s.at, src, SIP_PORT, dst, SIP_PORT, ascii(s.text), s.fromCaller);
    this.i++;
    if (this.i >= this.steps.length) {
      this.call.sourceDone(s.at);
      return false;
    }
    // Steps are sorted; equal times keep their order.
    this.at = this.steps[this.i].at;
    return true;
  }
}

class RtpSource implements Source {
  at = 0;
  call!: LiveCall;
  /** Nominal packets from start to stop, the lost ones included. */
  readonly plannedPackets: number;
  private idx = 0;
  private readonly ssrc: number;
  private readonly seq0: number;
  private readonly ts0: number;
  private readonly info: GeneratedStream;
  private burst = 0;

  constructor(
    private readonly gen: Generator,
    direction: 'caller' | 'callee',
    private readonly src: string,
    private readonly srcPort: number,
    private readonly dst: string,
    private readonly dstPort: number,
    private readonly pt: number,
    private readonly startUs: number,
    stopUs: number,
    private readonly lossRate: number,
    /** Default profile: losses come in short bursts; an explicit --loss is independent per packet (so the rate is what was asked). */
    private readonly bursty: boolean,
  ) {
    const rng = gen.random;
    this.ssrc = rng.u32();
    this.seq0 = rng.int(0, 0xffff);
    this.ts0 = rng.u32();
    this.plannedPackets = Math.max(2, Math.floor((stopUs - startUs) / PTIME_US) + 1);
    this.info = { direction, src, srcPort, dst, dstPort, ssrc: this.ssrc, payloadType: pt, packets: 0, lost: 0, firstUs: 0, lastUs: 0 };
    this.at = this.arrival(0);
  }

  /**
   * Arrival = sender clock + network delay jitter: mostly 0–3 ms, sometimes up to 15 ms, or
   * uniform within ± jitterMs when one was asked for. Always under one packet time, so a
   * stream never reorders (the heap would still cope).
   */
  private arrival(i: number): number {
    const rng = this.gen.random;
    const jm = this.gen.jitterMs;
    const j = jm !== null ? rng.uniform(-jm, jm) : rng.chance(0.02) ? rng.uniform(3, 15) : rng.uniform(0, 3);
    return this.startUs + i * PTIME_US + Math.round(j * MS);
  }

  fire(): boolean {
    const i = this.idx;
    const p = new Uint8Array(12 + 160);
    const seq = (this.seq0 + i) & 0xffff;
    const ts = (this.ts0 + i * 160) >>> 0;
    p[0] = 0x80;
    p[1] = (i === 0 ? 0x80 : 0) | this.pt; // marker on the first packet of the talk spurt
    p[2] = seq >> 8;
    p[3] = seq & 0xff;
    p[4] = ts >>> 24;
    p[5] = (ts >>> 16) & 0xff;
    p[6] = (ts >>> 8) & 0xff;
    p[7] = ts & 0xff;
    p[8] = this.ssrc >>> 24;
    p[9] = (this.ssrc >>> 16) & 0xff;
    p[10] = (this.ssrc >>> 8) & 0xff;
    p[11] = this.ssrc & 0xff;
    p.set(this.gen.payload(this.pt, i), 12);
    this.gen.write(this.at, this.src, this.srcPort, this.dst, this.dstPort, p, this.info.direction === 'caller');
    if (this.info.packets === 0) this.info.firstUs = this.at;
    this.info.packets++;
    this.info.lastUs = this.at;

    // Next packet; losses skip sequence numbers and timestamps exactly like a lost datagram.
    // The first and last packets are never lost, so "lost" is measurable from the sequence.
    let next = i + 1;
    while (next < this.plannedPackets - 1 && this.lose()) {
      this.info.lost++;
      next++;
    }
    if (next >= this.plannedPackets) {
      this.call.info.streams.push(this.info);
      this.call.sourceDone(this.info.lastUs);
      return false;
    }
    this.idx = next;
    this.at = Math.max(this.arrival(next), this.at);
    return true;
  }

  /** Bernoulli loss with short bursts (1–4 packets), as on a congested access link. */
  private lose(): boolean {
    if (this.lossRate === 0) return false;
    if (this.burst > 0) {
      this.burst--;
      return true;
    }
    const rng = this.gen.random;
    if (!rng.chance(this.lossRate)) return false;
    if (!this.bursty) return true;
    this.burst = rng.chance(0.7) ? 0 : rng.int(1, 3);
    return true;
  }
}

function sdp(ip: string, sessId: number, port: number, pts: number[]): string {
  const names: Record<number, string> = { 0: 'PCMU/8000', 8: 'PCMA/8000' };
  return [
    'v=0',
    `o=- ${sessId} ${sessId} IN IP4 ${ip}`,
    's=-',
    `c=IN IP4 ${ip}`,
    't=0 0',
    `m=audio ${port} RTP/AVP ${[...pts, 101].join(' ')}`,
    ...pts.map((p) => `a=rtpmap:${p} ${names[p]}`),
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    'a=ptime:20',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

// ─── API ───────────────────────────────────────────────────────────────────────────────

/** Writes one capture to `o.out`; synchronous, memory bounded by the live calls. */
export function generateCapture(o: GeneratorOptions): GeneratorResult {
  if (!(o.targetBytes > 0)) throw new Error('targetBytes must be > 0');
  if (o.lossPct !== undefined && !(o.lossPct >= 0 && o.lossPct < 50)) throw new Error('lossPct must be in [0, 50)');
  // Beyond 9 ms two packets 20 ms apart could swap: the generator writes streams in order.
  if (o.jitterMs !== undefined && !(o.jitterMs >= 0 && o.jitterMs <= 9)) throw new Error('jitterMs must be in [0, 9]');
  if (o.concurrentCalls !== undefined && !(Number.isInteger(o.concurrentCalls) && o.concurrentCalls >= 1)) throw new Error('concurrentCalls must be an integer >= 1');
  return new Generator(o).run();
}

/** "100M", "1G", "2.5G", "512k", "12345" → bytes (decimal units, as MB/s figures are). */
export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgG]?)[bB]?$/.exec(s.trim());
  if (!m) throw new Error(`bad size '${s}' (e.g. 100M, 1G)`);
  const mult = { '': 1, k: 1e3, m: 1e6, g: 1e9 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Math.round(Number(m[1]) * mult);
}

// ─── CLI ───────────────────────────────────────────────────────────────────────────────

const USAGE = 'usage: tsx test/bench/capture_generator.ts --size 100M --out FILE [--format pcap|pcapng] [--seed N] [--calls N] [--loss PCT] [--jitter MS] [--scale X] [--manifest FILE.jsonl]';

function cli(argv: string[]): number {
  const a: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (!k.startsWith('--') || i + 1 >= argv.length) {
      process.stderr.write(`${USAGE}\n`);
      return 2;
    }
    a[k.slice(2)] = argv[++i];
  }
  if (!a.size || !a.out) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const format = (a.format ?? 'pcap') as CaptureFormat;
  if (format !== 'pcap' && format !== 'pcapng') {
    process.stderr.write(`bad --format ${format}\n`);
    return 2;
  }
  // The ground truth is streamed too, one JSON line per call, so it never piles up in memory.
  const manifestFd = a.manifest ? openSync(a.manifest, 'w') : null;
  const t = performance.now();
  const r = generateCapture({
    out: a.out, targetBytes: parseSize(a.size), format, seed: Number(a.seed ?? 1), concurrentCalls: Number(a.calls ?? 50),
    durationScale: Number(a.scale ?? 1),
    ...(a.loss !== undefined ? { lossPct: Number(a.loss) } : {}),
    ...(a.jitter !== undefined ? { jitterMs: Number(a.jitter) } : {}),
    onCall: manifestFd === null ? undefined : (c) => void writeSync(manifestFd, JSON.stringify(c) + '\n'),
  });
  if (manifestFd !== null) closeSync(manifestFd);
  const secs = (performance.now() - t) / 1000;
  process.stdout.write(
    `${r.path}: ${r.format}, ${(r.bytes / 1e6).toFixed(1)} MB, ${r.packets} packets, ${r.calls} calls, ${r.rtpStreams} RTP streams, ` +
    `${((r.lastUs - r.firstUs) / 1e6).toFixed(1)} s of traffic, up to ${r.maxLiveCalls} live calls; written in ${secs.toFixed(1)} s\n` +
    `outcomes: ${OUTCOME_KINDS.map((k) => `${k}=${r.byKind[k]}`).join(' ')}\n`,
  );
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = cli(process.argv.slice(2));
}
