// Frames SIP messages out of ONE direction of ONE reassembled, in-order stream connection
// (TCP, TLS plaintext, SCTP stream), RFC 3261 §18.3: "the Content-Length header field MUST
// be used" on stream transports, so a message is its header section up to the empty line
// plus exactly Content-Length body bytes. Chunks may be cut anywhere. Bytes that cannot start
// a message are skipped line by line until a plausible start line appears (resync).
// Memory is bounded by maxMessageBytes. A larger message (a huge body, a huge header
// section, or a Content-Length no stream will ever fill, like 4294967295) is handed on cut at
// the limit and flagged `oversized` — its start line and headers still tell the call what
// happened — then the rest it announces is skipped, but only up to the next line that is a
// SIP start line: an announced length is not trusted past the next message.
import { copyBytes } from '../net/bytes.ts';
import { ByteQueue } from './byte_queue.ts';
import { MAX_START_LINE, indexOfLf, isTokenByte, startLineKind } from './sip_start_line.ts';

export interface FramedSipMessage {
  /** A copy of the message bytes (start line through the end of the body). */
  bytes: Uint8Array;
  /** Frame / timestamp of the segment that completed the message (as tshark reports it). */
  frame: number;
  tsUs: number;
  /** Frame / timestamp of the segment holding the message's first byte. */
  firstFrame: number;
  firstTsUs: number;
  /** Larger than maxMessageBytes: `bytes` holds its start of at most that size (headers, maybe cut). */
  oversized?: true;
}

/** Named counters (never thrown): what the framer skipped or could not frame. */
export interface SipFramerStats {
  messages: number;
  /** Runs of bare CRLF between messages: RFC 5626 §3.5.1 keep-alive pings/pongs. */
  keepAlives: number;
  /** Bytes skipped because they did not start a SIP message. */
  garbageBytes: number;
  /** Number of distinct garbage runs (each one is a resync). */
  resyncs: number;
  /** Messages larger than maxMessageBytes: handed on cut at the limit (flagged), the rest skipped. */
  oversized: number;
  /** Messages without Content-Length (framed with an empty body). */
  missingContentLength: number;
  /** Bytes of an unfinished message left when end() was called. */
  truncatedBytesAtEnd: number;
}

export interface SipStreamFramerOptions {
  /** Largest message kept in memory; default 256 KiB. */
  maxMessageBytes?: number;
}

const CR = 0x0d;
const LF = 0x0a;

export class SipStreamFramer {
  readonly stats: SipFramerStats = {
    messages: 0,
    keepAlives: 0,
    garbageBytes: 0,
    resyncs: 0,
    oversized: 0,
    missingContentLength: 0,
    truncatedBytesAtEnd: 0,
  };

  private readonly max: number;
  private readonly q = new ByteQueue();
  /** Bytes an oversized message still announces (Infinity: unknown), skipped up to the next start line. */
  private skipRemaining = 0;
  /** The skip is at the start of a line (where a start line would end it). */
  private skipAtLineStart = false;
  private inGarbage = false;
  private headerScanFrom = 0; // offset (relative to head) where the empty-line search resumes
  private firstFrame = 0;
  private firstTsUs = 0;

  constructor(options: SipStreamFramerOptions = {}) {
    this.max = Math.max(1024, options.maxMessageBytes ?? 256 * 1024);
  }

  push(chunk: Uint8Array, frame: number, tsUs: number): FramedSipMessage[] {
    const out: FramedSipMessage[] = [];
    if (chunk.length === 0) return out;
    if (this.q.pending === 0) {
      this.firstFrame = frame;
      this.firstTsUs = tsUs;
    }
    this.q.append(chunk);
    this.drain(out, frame, tsUs);
    return out;
  }

  /** End of stream: whatever is pending can never complete. */
  end(): void {
    this.stats.truncatedBytesAtEnd += this.q.pending;
    this.q.clear();
    this.headerScanFrom = 0;
    this.skipRemaining = 0;
  }

  /** Bytes held waiting for the rest of a message (for tests and memory accounting). */
  get pendingBytes(): number {
    return this.q.pending;
  }

  private consume(n: number): void {
    this.q.consume(n);
    this.headerScanFrom = 0;
  }

  private garbage(n: number): void {
    if (!this.inGarbage) this.stats.resyncs++;
    this.inGarbage = true;
    this.stats.garbageBytes += n;
    this.consume(n);
  }

  private drain(out: FramedSipMessage[], frame: number, tsUs: number): void {
    const q = this.q;
    const b = q.bytes; // stable during drain: nothing is appended here
    while (q.pending > 0) {
      if (this.skipRemaining > 0) {
        if (!this.skipOversized(frame, tsUs)) break;
        continue;
      }
      // Keep-alives between messages (RFC 5626 §3.5.1): CRLFCRLF ping, CRLF pong.
      if (b[q.head] === CR || b[q.head] === LF) {
        let i = q.head;
        while (i < q.len && (b[i] === CR || b[i] === LF)) i++;
        this.stats.keepAlives++;
        this.consume(i - q.head);
        continue;
      }
      // Start line (RFC 3261 §7.1/§7.2). A non-token first byte cannot start one.
      const lf = indexOfLf(b.subarray(0, q.len), q.head, q.head + MAX_START_LINE);
      if (!isTokenByte(b[q.head])) {
        this.garbage((lf < 0 ? q.len : lf + 1) - q.head);
        continue;
      }
      if (lf < 0) {
        if (q.len - q.head >= MAX_START_LINE) this.garbage(q.len - q.head);
        break; // wait for the rest of the line
      }
      if (!startLineKind(b, q.head, lf)) {
        this.garbage(lf + 1 - q.head);
        continue;
      }
      this.inGarbage = false;

      const headerEnd = this.findHeaderEnd(lf);
      if (headerEnd < 0) {
        if (q.len - q.head > this.max) {
          // The header section alone exceeds the cap: hand on its whole lines within the cap
          // (start line, Call-ID… usually come first), then skip to the next start line.
          const cut = b.subarray(q.head, q.head + this.max).lastIndexOf(LF);
          this.oversized(out, cut >= 0 ? q.head + cut + 1 : lf + 1, frame, tsUs);
          this.skipRemaining = Infinity;
          this.skipAtLineStart = b[q.len - 1] === LF;
          this.consume(q.len - q.head);
          continue;
        }
        break;
      }
      const cl = this.contentLength(lf + 1, headerEnd);
      if (cl === null) this.stats.missingContentLength++;
      const total = headerEnd - q.head + (cl ?? 0);
      if (total > this.max) {
        // Hand on the headers and the body bytes at hand (within the cap); skip the rest it
        // announces, up to the next start line.
        const have = q.len - q.head;
        const take = Math.min(total, have, this.max);
        this.oversized(out, q.head + take, frame, tsUs);
        this.skipRemaining = total - take;
        this.skipAtLineStart = b[q.head + take - 1] === LF;
        this.consume(take);
        continue;
      }
      if (q.len - q.head < total) break;
      out.push({
        bytes: copyBytes(b, q.head, q.head + total),
        frame,
        tsUs,
        firstFrame: this.firstFrame,
        firstTsUs: this.firstTsUs,
      });
      this.stats.messages++;
      this.consume(total);
      // Anything after a message completed by this chunk arrived in this chunk.
      this.firstFrame = frame;
      this.firstTsUs = tsUs;
    }
  }

  /** Hands on the pending bytes up to `end` as an oversized message, and counts it. */
  private oversized(out: FramedSipMessage[], end: number, frame: number, tsUs: number): void {
    const q = this.q;
    this.stats.oversized++;
    out.push({ bytes: copyBytes(q.bytes, q.head, end), frame, tsUs, firstFrame: this.firstFrame, firstTsUs: this.firstTsUs, oversized: true });
    this.inGarbage = false;
  }

  /**
   * Skips what an oversized message still announces, a line at a time; a line that is a SIP
   * start line ends the skip (the announced length lied, e.g. Content-Length: 4294967295).
   * False when it must wait for more bytes (at most one start line's worth is held).
   */
  private skipOversized(frame: number, tsUs: number): boolean {
    const q = this.q;
    const b = q.bytes;
    const held = q.len - q.head;
    const lf = indexOfLf(b.subarray(0, q.len), q.head, q.len);
    const lineLen = (lf < 0 ? q.len : lf + 1) - q.head;
    if (this.skipAtLineStart) {
      if (lf < 0) {
        // Wait for the end of the line (holding at most the cap), unless what the message
        // announces ends inside what is held anyway.
        if (held < Math.min(MAX_START_LINE, this.max) && held < this.skipRemaining) return false;
      } else if (lineLen <= this.skipRemaining && isTokenByte(b[q.head]) && startLineKind(b, q.head, lf)) {
        // The next message starts here: the announced length lied.
        this.skipRemaining = 0;
        this.stats.resyncs++;
        this.firstFrame = frame;
        this.firstTsUs = tsUs;
        return true;
      }
    }
    const n = Math.min(lineLen, this.skipRemaining);
    this.consume(n);
    this.skipRemaining -= n;
    this.skipAtLineStart = n === lineLen && lf >= 0;
    if (this.skipRemaining === 0) {
      this.firstFrame = frame;
      this.firstTsUs = tsUs;
    }
    return true;
  }

  /** Offset just past the empty line ending the header section (CRLFCRLF or LFLF), or -1. */
  private findHeaderEnd(firstLf: number): number {
    const q = this.q;
    const b = q.bytes;
    let i = Math.max(firstLf, q.head + this.headerScanFrom);
    for (; i < q.len; i++) {
      if (b[i] !== LF) continue;
      if (i + 1 >= q.len) break;
      if (b[i + 1] === LF) return i + 2;
      if (b[i + 1] === CR) {
        if (i + 2 >= q.len) break;
        if (b[i + 2] === LF) return i + 3;
      }
    }
    // Resume at the last LF boundary next time so the search stays linear over many chunks.
    this.headerScanFrom = Math.max(0, i - q.head);
    return -1;
  }

  /**
   * Content-Length (or compact "l", RFC 3261 §7.3.3) from the header lines in [from, to).
   * null when absent or not a number.
   */
  private contentLength(from: number, to: number): number | null {
    const b = this.q.bytes;
    let p = from;
    while (p < to) {
      let e = p;
      while (e < to && b[e] !== LF) e++;
      const v = headerValueIfContentLength(b, p, e);
      if (v !== null) return v;
      p = e + 1;
    }
    return null;
  }
}

const CONTENT_LENGTH = 'content-length';

function headerValueIfContentLength(b: Uint8Array, start: number, end: number): number | null {
  let nameLen: number;
  if ((b[start] | 0x20) === 0x6c && (b[start + 1] === 0x3a || b[start + 1] === 0x20 || b[start + 1] === 0x09)) {
    nameLen = 1; // compact form "l"
  } else {
    if (end - start < CONTENT_LENGTH.length) return null;
    for (let k = 0; k < CONTENT_LENGTH.length; k++) {
      if ((b[start + k] | 0x20) !== CONTENT_LENGTH.charCodeAt(k)) return null;
    }
    nameLen = CONTENT_LENGTH.length;
  }
  let i = start + nameLen;
  while (i < end && (b[i] === 0x20 || b[i] === 0x09)) i++;
  if (b[i] !== 0x3a) return null;
  i++;
  while (i < end && (b[i] === 0x20 || b[i] === 0x09)) i++;
  let n = 0;
  let digits = 0;
  while (i < end && b[i] >= 0x30 && b[i] <= 0x39 && digits < 10) {
    n = n * 10 + (b[i] - 0x30);
    i++;
    digits++;
  }
  return digits === 0 ? null : n;
}
