// A call = the SIP dialogs sharing one Call-ID, with the RTP streams its SDP announced.
// These are the facts of ../shared/docs/diagnosis.md §1; the classifier is a pure
// function of them (shared/diagnosis).

import type { RtpStreamStats, MediaGap } from './media.ts';
import type { ReasonValue } from './sip.ts';

export type EndMethod = 'BYE' | 'CANCEL' | 'final_error' | 'none';
export type Side = 'caller' | 'callee';

/** One SIP message of a call, as the ladder needs it (raw text lives in the index). */
export interface CallMessageRef {
  frame: number;
  tsUs: number;
  src: string; // ip:port
  dst: string;
  label: string; // 'INVITE' or '200 OK'
  cseq: number;
  cseqMethod: string;
  /** A retransmission: same transaction, same start line, seen before. */
  retransmission: boolean;
  /**
   * True for a message seen only inside an ICMP/ICMPv6 error (the bounced datagram quoted
   * back): src/dst are the quoted datagram's, the label its start line. Absent otherwise.
   */
  quoted?: boolean;
}

/** An ICMP/ICMPv6 error that quoted one of the call's SIP messages (diagnosis evidence). */
export interface IcmpErrorFact {
  tsUs: number;
  frame: number;
  /** IP address of the ICMP error's sender (the host or router reporting it). */
  from: string;
  /** ICMP type and code (ICMPv6 numbering for ICMPv6 errors). */
  type: number;
  code: number;
  /** ICMP type 3 code 3 / ICMPv6 type 1 code 4: nothing listens on the quoted port. */
  portUnreachable: boolean;
  /** Label of the quoted message, e.g. 'INVITE', 'BYE' or '200 OK'. */
  quotedLabel: string;
  quotedCseq: number;
  quotedCseqMethod: string;
  /** Index of the quoted message in CallFacts.messages. */
  messageIndex: number;
}

export interface SessionTimerFacts {
  seconds: number;
  refresher: '' | 'uac' | 'uas';
  minSe: number | null;
  /** Every in-dialog refresh (re-INVITE / UPDATE): when, and its final status (0 = none). */
  refreshes: Array<{ tsUs: number; method: string; status: number; frame: number }>;
}

/** SDP expectation per direction: the most recent offer/answer says who should send. */
export interface MediaExpectation {
  /** caller → callee media expected at the end of the call. */
  callerSends: boolean;
  calleeSends: boolean;
  /** Either side put the call on hold at some point (sendonly/recvonly/inactive/0.0.0.0). */
  holdSeen: boolean;
  /** Hold in force when the call ended. */
  onHoldAtEnd: boolean;
}

export interface CallStream extends RtpStreamStats {
  /** Which side sent it: caller → callee is 'caller'. */
  direction: Side;
  /** Silence from the stream's last packet to the call's end (ms), null when the call has no end. */
  silenceBeforeEndMs: number | null;
  /** Longest gap in ms, the trailing one included. */
  longestGapMs: number;
  trailingGap: MediaGap | null;
}

/**
 * §3 rule 7: RTP sent to an address from which the receiving side never sends, signals or
 * answers — typically an SDP c= naming a private address behind NAT with no media latching.
 * Those packets never arrive, whatever the capture saw leave.
 */
export interface NatMismatch {
  /** The side whose SDP named the address (it should have received there). */
  receiver: Side;
  /** Where the RTP went (the address the SDP named), ip:port. */
  sdpAddr: string;
  /** Where that side really is: the host its RTP comes from, else its SIP. */
  usedAddr: string;
  ssrc: number;
  packets: number;
}

/**
 * What ties this dialog to the other legs of one end-to-end call (through a PBX, an SBC or a
 * voice-AI platform), read from its SIP: the keys shared/diagnosis/leg_links.ts correlates.
 * Numbers are kept as written; the correlator normalises them.
 */
export interface LegKeys {
  /** RFC 7989 Session-ID UUIDs (local and remote), lower-case, the null UUID left out. */
  sessionIds: string[];
  /** Call-IDs named by X-Call-ID / X-CID / X-Orig-Call-ID style headers (another leg's), as written. */
  refCallIds: string[];
  /** P-Charging-Vector icid-value (RFC 7315), as written. */
  icids: string[];
  /** User parts of the Diversion (RFC 5806) and History-Info (RFC 7044) URIs of the initial INVITE, in order. */
  diversions: string[];
  /** User part of the initial INVITE's Referred-By (RFC 3892), '' when none. */
  referredBy: string;
  /** Request-URI user of the initial INVITE, '' when none. */
  requestUser: string;
  /** REFERs sent in this dialog (RFC 3515): when, the Refer-To user and the referrer (Referred-By, else From user). */
  refers: Array<{ tsUs: number; target: string; by: string }>;
  /** Media addresses (ip:port of the first audio m= line) each side's SDP announced, first one first. */
  callerMedia: string[];
  calleeMedia: string[];
}

export interface CallFacts {
  /** Where the facts come from: a capture (SIP and RTP seen), or only a CDR row (no media facts). */
  origin?: 'capture' | 'cdr';
  callId: string;
  /** From/To of the initial INVITE (user part, else the URI). */
  from: string;
  to: string;
  fromUri: string;
  toUri: string;
  /** caller = sender of the initial INVITE; callee = its recipient. */
  callerAddr: string; // ip:port
  calleeAddr: string;
  /** The first request's method; a "call" is INVITE-initiated, other dialogs (REGISTER…) are kept too. */
  kind: 'call' | 'other';
  firstMethod: string;
  startUs: number;
  endUs: number; // last SIP message of the call
  inviteUs: number | null;
  firstProvisionalUs: number | null; // first 18x
  answerUs: number | null; // first 2xx to the initial INVITE
  answered: boolean;
  /** PDD: INVITE → first 18x, ms. */
  postDialDelayMs: number | null;
  /** Final response to the last initial-INVITE transaction (after 401/407 challenges). */
  finalStatus: number | null;
  finalReason: string;
  /** The 401/407 challenges that preceded the final transaction. */
  authChallenges: number;
  inviteTransmissions: number;
  /** The initial INVITE was retransmitted and no response of any kind was seen. */
  inviteUnanswered: boolean;
  endMethod: EndMethod;
  endedBy: Side | null;
  endUsAt: number | null; // BYE/CANCEL time
  endFrame: number | null;
  /** BYE/CANCEL answered by a 200. */
  endAnswered: boolean;
  endTransmissions: number;
  /** Reasons on the ending request (or final response). */
  endReasons: ReasonValue[];
  q850Cause: number | null;
  warnings: string[];
  retryAfter: number | null;
  /** Answered duration: answer → end (ms), 0 when not answered. */
  durationMs: number;
  sessionTimer: SessionTimerFacts | null;
  media: MediaExpectation;
  /** Every SIP message of the Call-ID, retransmissions and ICMP-quoted ones included (tshark's count). */
  sipMessages: number;
  sipRetransmissions: number;
  messages: CallMessageRef[];
  /** ICMP errors that quoted a message of the call, in capture order (empty when none). */
  icmpErrors: IcmpErrorFact[];
  streams: CallStream[];
  /** Capture coverage: time from the call's last packet (SIP or RTP) to the capture's end, ms. */
  captureTailMs: number;
  lastActivityUs: number;
  userAgents: string[];
  /** Streams sent to an address their receiver never uses (rule 7); absent in facts indexed before it existed. */
  natMismatch?: NatMismatch[];
  /** Keys for leg correlation (leg_links.ts); absent in facts indexed before it existed and in CDR-only calls. */
  legKeys?: LegKeys;
  /** Impossible values left out of these facts (timestamps going backwards), one line each; absent when none. */
  anomalies?: string[];
}
