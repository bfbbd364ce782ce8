// SIP over WebSocket (RFC 7118) for ONE direction of ONE reassembled, in-order TCP stream.
// The stream opens with the HTTP/1.1 Upgrade handshake (RFC 6455 §4: client "GET … Upgrade:
// websocket", server "HTTP/1.1 101"), then carries frames (RFC 6455 §5.2). Each complete
// text or binary message is exactly one SIP message (RFC 7118 §5), so payloads go straight
// to parseSipMessage, with no Content-Length framing.
// A capture that starts mid-connection has no handshake; frames are then decoded directly
// ('G'/'H' can never start a valid frame: both would mean RSV bits or a fragmented control
// frame, so the two cases cannot be confused).
import { ByteQueue } from './byte_queue.ts';
import { latin1Decode } from './latin1.ts';

export interface WsMessage {
  /** Unmasked, reassembled message payload (a fresh copy). */
  payload: Uint8Array;
  /** true for a text message (opcode 0x1), false for binary (0x2). */
  text: boolean;
  /** Frame / timestamp of the segment that completed the message. */
  frame: number;
  tsUs: number;
}

export type WsDecoderState = 'start' | 'handshake' | 'frames' | 'closed' | 'failed';

/** Named counters: everything skipped or unusual is counted, nothing is thrown. */
export interface WsDecoderStats {
  handshakes: number;
  frames: number;
  messages: number;
  pings: number;
  pongs: number;
  closes: number;
  /** Messages (or frames) above maxMessageBytes, discarded. */
  oversized: number;
  /** Messages using permessage-deflate (RFC 7692, RSV1) — not decoded, skipped. */
  compressed: number;
  /** Violations of RFC 6455 framing (bad opcode, RSV2/3, fragmented control frame …). */
  protocolErrors: number;
  /** Bytes ignored: after a close frame, after a failure, or a handshake that was not an upgrade. */
  ignoredBytes: number;
}

export interface WebSocketDecoderOptions {
  /** Largest message kept in memory; default 256 KiB. */
  maxMessageBytes?: number;
}

const MAX_HANDSHAKE = 16 * 1024;

const OP_CONT = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

export class WebSocketStreamDecoder {
  readonly stats: WsDecoderStats = {
    handshakes: 0,
    frames: 0,
    messages: 0,
    pings: 0,
    pongs: 0,
    closes: 0,
    oversized: 0,
    compressed: 0,
    protocolErrors: 0,
    ignoredBytes: 0,
  };

  private st: WsDecoderState = 'start';
  private readonly max: number;
  private readonly q = new ByteQueue();
  /** Payload bytes of a discarded (oversized/compressed) frame still to skip. */
  private skipRemaining = 0;
  /** Fragments of the message in progress (RFC 6455 §5.4), or null. */
  private fragments: Uint8Array[] | null = null;
  private fragmentsText = false;
  private fragmentsSize = 0;
  /** The message in progress is being discarded (oversized or compressed) until FIN. */
  private discarding = false;

  constructor(options: WebSocketDecoderOptions = {}) {
    this.max = Math.max(1024, options.maxMessageBytes ?? 256 * 1024);
  }

  get state(): WsDecoderState {
    return this.st;
  }

  /** Bytes held for a frame or handshake not yet complete (0 at a message boundary). */
  get pendingBytes(): number {
    return this.q.pending;
  }

  push(chunk: Uint8Array, frame: number, tsUs: number): WsMessage[] {
    const out: WsMessage[] = [];
    let data = chunk;
    if (this.finished()) {
      this.stats.ignoredBytes += data.length;
      return out;
    }
    if (this.skipRemaining > 0) {
      const n = Math.min(this.skipRemaining, data.length);
      this.skipRemaining -= n;
      data = data.subarray(n);
    }
    if (data.length === 0) return out;
    this.q.append(data);
    if (this.st === 'start') {
      const b0 = this.q.bytes[this.q.head];
      this.st = b0 === 0x47 || b0 === 0x48 ? 'handshake' : 'frames'; // 'G'ET / 'H'TTP
    }
    if (this.st === 'handshake') this.handshake();
    if (this.st === 'frames') this.frames(out, frame, tsUs);
    if (this.finished()) {
      this.stats.ignoredBytes += this.q.pending;
      this.q.clear();
    }
    return out;
  }

  /** RFC 6455 §4.1/§4.2: the opening handshake is an HTTP header block ending in an empty line. */
  private handshake(): void {
    const q = this.q;
    const b = q.bytes;
    let end = -1;
    const limit = Math.min(q.len, q.head + MAX_HANDSHAKE);
    for (let i = q.head; i < limit; i++) {
      if (b[i] !== 0x0a) continue;
      if (b[i + 1] === 0x0a && i + 1 < q.len) {
        end = i + 2;
        break;
      }
      if (b[i + 1] === 0x0d && b[i + 2] === 0x0a && i + 2 < q.len) {
        end = i + 3;
        break;
      }
    }
    if (end < 0) {
      if (q.pending >= MAX_HANDSHAKE) {
        this.stats.protocolErrors++;
        this.st = 'failed';
      }
      return;
    }
    const head = latin1Decode(b, q.head, end).toLowerCase();
    q.consume(end - q.head);
    // Server side: "HTTP/1.1 101 Switching Protocols". Client side: GET with Upgrade: websocket.
    const isSwitch = head.startsWith('http/1.') && head.slice(8, 13).trim().startsWith('101');
    const isUpgradeRequest = head.startsWith('get ') && /\nupgrade:[ \t]*websocket/.test(head);
    if (isSwitch || isUpgradeRequest) {
      this.stats.handshakes++;
      this.st = 'frames';
    } else {
      this.st = 'failed'; // plain HTTP, a refused upgrade, or something else entirely
      this.stats.ignoredBytes += end;
    }
  }

  /** RFC 6455 §5.2 base framing, repeated while a whole frame header + payload is buffered. */
  private frames(out: WsMessage[], frame: number, tsUs: number): void {
    const q = this.q;
    while (q.pending >= 2 && this.st === 'frames') {
      const b = q.bytes;
      const h = q.head;
      const fin = (b[h] & 0x80) !== 0;
      const rsv = b[h] & 0x70;
      const opcode = b[h] & 0x0f;
      const masked = (b[h + 1] & 0x80) !== 0;
      let len = b[h + 1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (q.pending < 4) return;
        len = (b[h + 2] << 8) | b[h + 3];
        off = 4;
      } else if (len === 127) {
        if (q.pending < 10) return;
        // 64-bit length; the most significant bit MUST be 0 (§5.2). Anything ≥ 2^32 is far
        // beyond our cap and treated as a framing failure rather than skipped.
        if (b[h + 2] !== 0 || b[h + 3] !== 0 || b[h + 4] !== 0 || b[h + 5] !== 0) {
          this.fail();
          return;
        }
        len = ((b[h + 6] << 24) >>> 0) + (b[h + 7] << 16) + (b[h + 8] << 8) + b[h + 9];
        off = 10;
      }
      const maskAt = h + off;
      if (masked) off += 4;
      if (q.pending < off) return;

      const isControl = opcode >= 0x8;
      const knownOpcode =
        opcode === OP_CONT || opcode === OP_TEXT || opcode === OP_BINARY || opcode === OP_CLOSE || opcode === OP_PING || opcode === OP_PONG;
      // RSV2/RSV3 have no negotiated meaning; control frames are ≤125 bytes and never
      // fragmented (§5.5); reserved opcodes fail the connection (§5.2).
      if (!knownOpcode || (rsv & 0x30) !== 0 || (isControl && (!fin || len > 125))) {
        this.fail();
        return;
      }
      this.stats.frames++;

      // permessage-deflate (RFC 7692 §6): RSV1 on the first frame of a compressed message.
      // Decoding needs the shared LZ77 window across messages; not supported, so skip it.
      const compressedStart = (rsv & 0x40) !== 0 && !isControl && opcode !== OP_CONT;
      if (compressedStart) this.stats.compressed++;
      const tooBig = len > this.max || (!isControl && this.fragmentsSize + len > this.max);

      if (compressedStart || tooBig || (this.discarding && opcode === OP_CONT)) {
        if (tooBig && !compressedStart && !this.discarding) this.stats.oversized++;
        if (!isControl) {
          if (opcode !== OP_CONT && this.fragments) this.stats.protocolErrors++;
          this.fragments = null;
          this.fragmentsSize = 0;
          this.discarding = !fin;
        }
        this.skipFrame(off, len);
        continue;
      }
      if (q.pending < off + len) return; // wait for the whole frame

      const payload = new Uint8Array(len);
      payload.set(b.subarray(h + off, h + off + len));
      if (masked) {
        // §5.3: octet i of the payload is XORed with octet (i mod 4) of the masking key.
        const k0 = b[maskAt];
        const k1 = b[maskAt + 1];
        const k2 = b[maskAt + 2];
        const k3 = b[maskAt + 3];
        for (let i = 0; i < len; i++) {
          const m = i & 3;
          payload[i] ^= m === 0 ? k0 : m === 1 ? k1 : m === 2 ? k2 : k3;
        }
      }
      q.consume(off + len);

      if (isControl) {
        if (opcode === OP_PING) this.stats.pings++;
        else if (opcode === OP_PONG) this.stats.pongs++;
        else {
          this.stats.closes++;
          this.st = 'closed'; // §5.5.1: no data frames follow a Close
        }
        continue;
      }
      if (opcode === OP_CONT) {
        if (!this.fragments) {
          this.stats.protocolErrors++; // continuation without a first fragment
          continue;
        }
        this.fragments.push(payload);
        this.fragmentsSize += len;
      } else {
        if (this.fragments) this.stats.protocolErrors++; // new message before the last one ended
        this.fragments = [payload];
        this.fragmentsText = opcode === OP_TEXT;
        this.fragmentsSize = len;
        this.discarding = false;
      }
      if (fin) {
        const parts = this.fragments;
        let whole: Uint8Array;
        if (parts.length === 1) whole = parts[0];
        else {
          whole = new Uint8Array(this.fragmentsSize);
          let at = 0;
          for (const p of parts) {
            whole.set(p, at);
            at += p.length;
          }
        }
        out.push({ payload: whole, text: this.fragmentsText, frame, tsUs });
        this.stats.messages++;
        this.fragments = null;
        this.fragmentsSize = 0;
      }
    }
  }

  /** Read through a method so TypeScript does not narrow the state across the decode calls. */
  private finished(): boolean {
    return this.st === 'closed' || this.st === 'failed';
  }

  private skipFrame(headerLen: number, payloadLen: number): void {
    const q = this.q;
    const total = headerLen + payloadLen;
    if (q.pending >= total) q.consume(total);
    else {
      this.skipRemaining = total - q.pending;
      q.consume(q.pending);
    }
  }

  private fail(): void {
    this.stats.protocolErrors++;
    this.st = 'failed';
  }
}
