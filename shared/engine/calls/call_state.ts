// What the tracker keeps of one Call-ID while a capture is read: the SIP messages (without
// their header lists, which the facts do not need) and the time of the latest activity.
// Facts are derived from it once, when the call is finished (call_facts.ts).

import type { Side } from '../../model/call.ts';
import type { SipMessage } from '../../model/sip.ts';
import { LegKeyCollector } from './leg_keys.ts';

/** A SIP message as kept per call: the parsed fields the facts need, and the raw text. */
export type KeptSipMessage = Omit<SipMessage, 'headers'>;

export class CallState {
  readonly messages: KeptSipMessage[] = [];
  /** Keys of transmissions already seen, for retransmission detection (RFC 3261 §17). */
  private readonly seen = new Set<string>();
  readonly retransmission: boolean[] = [];
  lastSipUs = 0;
  /** Latest RTP/RTCP packet of any of its streams (maintained by the media tracker). */
  lastMediaUs = 0;
  /** BYE answered, CANCEL, or a final error seen: the call can be finished once idle. */
  ended = false;
  /** Keys of the media streams associated with this call. */
  readonly streamKeys = new Set<string>();

  /** From-tag of the first request (the initial INVITE when the capture saw it). */
  private callerTag: string | null = null;
  private callerAddr = '';
  /** A 2xx to an INVITE was seen (kept, not searched for: a search per message is quadratic). */
  private inviteAnswered = false;

  /** Headers that tie this dialog to other legs, read before the header list is dropped. */
  readonly legKeys: LegKeyCollector;

  constructor(readonly callId: string) {
    this.legKeys = new LegKeyCollector(callId);
  }

  /** Which side sent this message: requests carrying the caller's From-tag, and responses to the callee's requests. */
  senderSide(msg: SipMessage | KeptSipMessage): Side {
    if (this.callerTag) return (msg.from.tag === this.callerTag) === msg.isRequest ? 'caller' : 'callee';
    return `${msg.src}|${msg.srcPort}` === this.callerAddr ? 'caller' : 'callee';
  }

  add(msg: SipMessage): void {
    if (msg.quoted) {
      // Seen inside an ICMP error: kept in the ladder and the count, but no transmission —
      // no caller tag, no retransmission key, no activity time, no end of the call.
      const { headers: _h, ...kept } = msg;
      this.messages.push(kept);
      this.retransmission.push(false);
      return;
    }
    if (this.callerTag === null && msg.isRequest && (this.messages.length === 0 || (msg.method === 'INVITE' && msg.to.tag === ''))) {
      this.callerTag = msg.from.tag;
      this.callerAddr = `${msg.src}|${msg.srcPort}`;
    }
    this.legKeys.add(msg);
    const { headers: _headers, ...kept } = msg;
    this.messages.push(kept);
    // Same hop (addresses and ports), same start line, same transaction → a retransmission.
    // A proxy forwarding the message is another hop, so it is not one.
    const key = msg.isRequest
      ? `${msg.src}|${msg.srcPort}|${msg.dst}|${msg.dstPort}|${msg.method}|${msg.cseq}|${msg.viaBranch}`
      : `${msg.src}|${msg.srcPort}|${msg.dst}|${msg.dstPort}|${msg.statusCode}|${msg.cseq}|${msg.cseqMethod}|${msg.to.tag}|${msg.viaBranch}`;
    const dup = this.seen.has(key);
    if (!dup) this.seen.add(key);
    this.retransmission.push(dup);
    if (msg.tsUs > this.lastSipUs) this.lastSipUs = msg.tsUs;
    if (!msg.isRequest && msg.cseqMethod === 'INVITE' && msg.statusCode >= 200 && msg.statusCode < 300) this.inviteAnswered = true;
    if (!msg.isRequest && msg.statusCode >= 200) {
      // 200 to BYE/CANCEL, or a final error to the initial INVITE, ends the call.
      if ((msg.cseqMethod === 'BYE' || msg.cseqMethod === 'CANCEL') && msg.statusCode < 300) this.ended = true;
      else if (msg.cseqMethod === 'INVITE' && msg.statusCode >= 300 && msg.statusCode !== 401 && msg.statusCode !== 407) {
        // A final error ends the call only if no 2xx was seen (a re-INVITE rejected mid-call does not).
        if (!this.inviteAnswered) this.ended = true;
      }
    }
  }

  get lastActivityUs(): number {
    return Math.max(this.lastSipUs, this.lastMediaUs);
  }
}
