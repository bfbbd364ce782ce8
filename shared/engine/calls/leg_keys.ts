// Collects, while a Call-ID's messages go by, the header values that tie its dialog to the
// other legs of an end-to-end call (LegKeys in model/call.ts). The call state drops header
// lists to save memory, so they are read here as each message is added. Only the initial
// INVITE, its responses and REFERs are looked at: bounded work per call.

import type { LegKeys } from '../../model/call.ts';
import type { SipMessage } from '../../model/sip.ts';
import { parseNameAddr, parseParams, splitHeaderValues, unquote, uriUser } from '../sip/sip_header_values.ts';

/** At most this many values of each kind are kept (a hostile call cannot grow them). */
const MAX_VALUES = 8;

const NULL_UUID = '00000000000000000000000000000000';
const UUID = /^[0-9a-f]{32}$/;

/**
 * Headers naming another leg's Call-ID. Vendors spell them many ways (X-Call-ID, X-CID,
 * X-Orig-Call-ID, X-Original-Call-ID, X-Leg-Call-ID, X-Twilio-… excluded: not a SIP Call-ID).
 */
export function isCallIdRefHeader(name: string): boolean {
  return name === 'x-cid' || /^x-(?:orig(?:inal)?-|leg-|b2bua-|parent-|related-|sbc-)?call-?id$/.test(name);
}

function push(list: string[], v: string): void {
  if (v !== '' && list.length < MAX_VALUES && !list.includes(v)) list.push(v);
}

/** RFC 7989 §5: `Session-ID: local-uuid[;remote=remote-uuid]`. */
function sessionUuids(value: string): string[] {
  const semi = value.indexOf(';');
  const local = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  const remote = semi < 0 ? '' : (parseParams(value, semi).get('remote') ?? '').toLowerCase();
  return [local, remote].filter((u) => UUID.test(u) && u !== NULL_UUID);
}

/** History-Info (RFC 7044) and Diversion (RFC 5806) carry name-addrs, several per header. */
function namedUsers(value: string): string[] {
  return splitHeaderValues(value).map((v) => uriUser(parseNameAddr(v).uri)).filter((u) => u !== '');
}

export class LegKeyCollector {
  private readonly keys: Omit<LegKeys, 'callerMedia' | 'calleeMedia'> = {
    sessionIds: [],
    refCallIds: [],
    icids: [],
    diversions: [],
    referredBy: '',
    requestUser: '',
    refers: [],
  };
  private sawInitialInvite = false;

  constructor(private readonly callId: string) {}

  add(msg: SipMessage): void {
    if (msg.quoted) return;
    const initialInvite = msg.isRequest && msg.method === 'INVITE' && msg.to.tag === '';
    const refer = msg.isRequest && msg.method === 'REFER';
    const inviteResponse = !msg.isRequest && msg.cseqMethod === 'INVITE';
    if (!initialInvite && !refer && !inviteResponse) return;
    const k = this.keys;
    const firstInvite = initialInvite && !this.sawInitialInvite;
    if (firstInvite) {
      this.sawInitialInvite = true;
      k.requestUser = uriUser(msg.requestUri);
    }
    let referTo = '';
    let referredBy = '';
    for (const [name, value] of msg.headers) {
      if (name === 'session-id') for (const u of sessionUuids(value)) push(k.sessionIds, u);
      else if (name === 'p-charging-vector') push(k.icids, unquote(parseParams(';' + value).get('icid-value') ?? ''));
      else if (isCallIdRefHeader(name)) {
        const v = unquote(value.trim());
        if (v !== this.callId) push(k.refCallIds, v);
      } else if (initialInvite && (name === 'diversion' || name === 'history-info')) {
        for (const u of namedUsers(value)) push(k.diversions, u);
      } else if (name === 'referred-by') referredBy = uriUser(parseNameAddr(value).uri);
      else if (refer && name === 'refer-to') referTo = uriUser(parseNameAddr(value).uri);
    }
    if (firstInvite) k.referredBy = referredBy;
    if (refer && referTo !== '' && k.refers.length < MAX_VALUES) k.refers.push({ tsUs: msg.tsUs, target: referTo, by: referredBy || msg.from.user });
  }

  result(callerMedia: string[], calleeMedia: string[]): LegKeys {
    const k = this.keys;
    return { ...k, sessionIds: [...k.sessionIds], refCallIds: [...k.refCallIds], icids: [...k.icids], diversions: [...k.diversions], refers: [...k.refers], callerMedia, calleeMedia };
  }
}
