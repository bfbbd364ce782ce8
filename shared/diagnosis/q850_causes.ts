// ITU-T Q.850 cause values (diagnosis.md §4 "Q.850 names": every code shows its name), with
// the side a cause usually points to and, where §4 / seed 002 give one, what to do about it.
// Also the text names PBXs write instead of numbers (FreeSWITCH hangup_cause, Asterisk
// HANGUPCAUSE names), so CDR rows carrying only a name still get a Q.850 code.
//
// `sip` is the SIP response an ISUP/ISDN gateway sends for the cause (RFC 3398 §8.2.6.1),
// used to classify CDR rows that carry only a release cause (diagnosis.md §5).

export type Q850Class =
  | 'normal'
  | 'resource_unavailable'
  | 'service_unavailable'
  | 'service_not_implemented'
  | 'invalid_message'
  | 'protocol_error'
  | 'interworking';

/** Where a cause usually points: no fault, the called user, the dialled number, the provider/network, our own configuration, or a protocol problem. */
export type Q850PointsTo = 'none' | 'callee' | 'dialing' | 'provider' | 'configuration' | 'protocol';

export interface Q850Cause {
  code: number;
  name: string;
  cls: Q850Class;
  meaning: string;
  pointsTo: Q850PointsTo;
  /** What to do, from diagnosis.md §4 and seed 002, when the cause calls for action. */
  advice?: string;
  /** SIP response a gateway maps the cause to (RFC 3398 §8.2.6.1), when it defines one. */
  sip?: number;
}

const PROVIDER_FAILOVER = 'Provider side: fail over to a backup route/provider for new calls and contact the provider with the call times.';
const NUMBER_DATA = 'Check the dialled number and the number data (format, E.164, porting) before retrying.';

function c(code: number, name: string, cls: Q850Class, pointsTo: Q850PointsTo, meaning: string, extra: { advice?: string; sip?: number } = {}): Q850Cause {
  return { code, name, cls, pointsTo, meaning, ...extra };
}

/** Every assigned Q.850 cause value (Q.850 05/1998 with amendments: 14, 24). */
export const Q850_CAUSES: readonly Q850Cause[] = [
  // Normal class (1–31)
  c(1, 'Unallocated (unassigned) number', 'normal', 'dialing', 'The dialled number is not assigned.', { advice: NUMBER_DATA, sip: 404 }),
  c(2, 'No route to specified transit network', 'normal', 'dialing', 'The transit network asked for is not reachable from here.', { advice: 'Check the routing / carrier-selection prefix for this destination.', sip: 404 }),
  c(3, 'No route to destination', 'normal', 'dialing', 'No route to the called number exists in the network.', { advice: 'Check the route for this destination prefix and the number data.', sip: 404 }),
  c(4, 'Send special information tone', 'normal', 'dialing', 'The called party cannot be reached; a special information tone is played.', { sip: 404 }),
  c(5, 'Misdialled trunk prefix', 'normal', 'dialing', 'A trunk prefix was dialled where none is allowed.', { advice: NUMBER_DATA, sip: 404 }),
  c(6, 'Channel unacceptable', 'normal', 'provider', 'The channel offered is not acceptable to the far end.'),
  c(7, 'Call awarded and being delivered in an established channel', 'normal', 'none', 'The call is being delivered over a channel already in use for similar calls.'),
  c(8, 'Preemption', 'normal', 'provider', 'The call was pre-empted (e.g. by a higher-priority call).'),
  c(9, 'Preemption – circuit reserved for reuse', 'normal', 'provider', 'The call was pre-empted and the circuit is reserved for reuse.'),
  c(14, 'QoR: ported number', 'normal', 'dialing', 'Query on release: the number has been ported; the call should be re-routed.', { advice: 'Check number-portability data for this number.' }),
  c(16, 'Normal call clearing', 'normal', 'none', 'One of the parties hung up normally.', { advice: 'No action: a normal hangup.' }),
  c(17, 'User busy', 'normal', 'callee', 'The called party is busy.', { advice: 'No action: the callee is busy.', sip: 486 }),
  c(18, 'No user responding', 'normal', 'callee', 'The called party did not respond to the call set-up in time.', { advice: 'Usually no action: the callee did not respond.', sip: 408 }),
  c(19, 'No answer from user (user alerted)', 'normal', 'callee', 'The called party was alerted (rang) but did not answer in time.', { advice: 'Check the ring timeout settings if calls give up too early.', sip: 480 }),
  c(20, 'Subscriber absent', 'normal', 'callee', 'The called party is not reachable (mobile off, not registered).', { advice: 'The callee is offline or not registered.', sip: 480 }),
  c(21, 'Call rejected', 'normal', 'callee', 'The called party (or its network) rejected the call.', { advice: 'An intentional rejection: check call blocking, ANI and compliance restrictions.', sip: 403 }),
  c(22, 'Number changed', 'normal', 'dialing', 'The called number has changed.', { advice: NUMBER_DATA, sip: 410 }),
  c(23, 'Redirection to new destination', 'normal', 'none', 'The call is being redirected to another destination.', { sip: 410 }),
  c(24, 'Call rejected due to feature at the destination', 'normal', 'callee', 'A feature at the destination (e.g. anonymous call rejection) rejected the call.'),
  c(25, 'Exchange routing error', 'normal', 'provider', 'A routing error in an exchange (e.g. a hop counter ran out).', { advice: 'Check the routing for loops.' }),
  c(26, 'Non-selected user clearing', 'normal', 'none', 'The call was answered elsewhere (another device of the group).', { sip: 404 }),
  c(27, 'Destination out of order', 'normal', 'callee', 'The destination cannot be reached: its interface is not working.', { advice: 'Check the destination endpoint or gateway is up.', sip: 502 }),
  c(28, 'Invalid number format (address incomplete)', 'normal', 'dialing', 'The called number is incomplete or badly formatted.', { advice: NUMBER_DATA, sip: 484 }),
  c(29, 'Facility rejected', 'normal', 'provider', 'A supplementary service asked for was rejected by the network.', { sip: 501 }),
  c(30, 'Response to STATUS ENQUIRY', 'normal', 'protocol', 'Sent in reply to a STATUS ENQUIRY; not a release reason.'),
  c(31, 'Normal, unspecified', 'normal', 'none', 'A normal event with no more specific cause.', { advice: 'No action: a normal release.', sip: 480 }),
  // Resource unavailable (34–47)
  c(34, 'No circuit/channel available', 'resource_unavailable', 'provider', 'The provider has no circuit or channel free for the call.', { advice: PROVIDER_FAILOVER + ' Add backup routes.', sip: 503 }),
  c(38, 'Network out of order', 'resource_unavailable', 'provider', 'The provider network is not working and will not be soon.', { advice: PROVIDER_FAILOVER, sip: 503 }),
  c(39, 'Permanent frame mode connection out of service', 'resource_unavailable', 'provider', 'A permanent frame-mode connection is out of service.'),
  c(40, 'Permanent frame mode connection operational', 'resource_unavailable', 'provider', 'A permanent frame-mode connection is operational again.'),
  c(41, 'Temporary failure', 'resource_unavailable', 'provider', 'The provider network had a temporary failure; a retry soon may succeed.', { advice: PROVIDER_FAILOVER + ' Check the provider status.', sip: 503 }),
  c(42, 'Switching equipment congestion', 'resource_unavailable', 'provider', 'The switching equipment is congested.', { advice: PROVIDER_FAILOVER, sip: 503 }),
  c(43, 'Access information discarded', 'resource_unavailable', 'provider', 'The network could not deliver some access information (e.g. user-to-user data).'),
  c(44, 'Requested circuit/channel not available', 'resource_unavailable', 'provider', 'The specific circuit or channel asked for is not available.', { advice: PROVIDER_FAILOVER }),
  c(46, 'Precedence call blocked', 'resource_unavailable', 'provider', 'No pre-emptable circuit, or the called user is busy with an equal or higher-precedence call.'),
  c(47, 'Resource unavailable, unspecified', 'resource_unavailable', 'provider', 'A resource is unavailable, no more specific cause.', { advice: PROVIDER_FAILOVER, sip: 503 }),
  // Service or option not available (49–63)
  c(49, 'Quality of service not available', 'service_unavailable', 'provider', 'The requested quality of service cannot be provided.'),
  c(50, 'Requested facility not subscribed', 'service_unavailable', 'configuration', 'The caller has not subscribed to the facility asked for.', { advice: 'Check the account / trunk subscription with the provider.' }),
  c(53, 'Outgoing calls barred within CUG', 'service_unavailable', 'configuration', 'Outgoing calls are barred for this member of a closed user group.'),
  c(55, 'Incoming calls barred within CUG', 'service_unavailable', 'callee', 'Incoming calls are barred for the called member of a closed user group.', { sip: 403 }),
  c(57, 'Bearer capability not authorized', 'service_unavailable', 'configuration', 'The caller is not authorised for the bearer capability asked for.', { sip: 403 }),
  c(58, 'Bearer capability not presently available', 'service_unavailable', 'provider', 'The bearer capability asked for is not available now.', { sip: 503 }),
  c(62, 'Inconsistency in designated outgoing access information and subscriber class', 'service_unavailable', 'configuration', 'The outgoing access asked for is inconsistent with the subscriber class.'),
  c(63, 'Service or option not available, unspecified', 'service_unavailable', 'provider', 'A service or option is not available, no more specific cause.'),
  // Service or option not implemented (65–79)
  c(65, 'Bearer capability not implemented', 'service_not_implemented', 'configuration', 'The bearer capability (codec/media type) asked for is not supported.', { advice: 'Align codecs / media types between the two sides.', sip: 488 }),
  c(66, 'Channel type not implemented', 'service_not_implemented', 'configuration', 'The channel type asked for is not supported.'),
  c(69, 'Requested facility not implemented', 'service_not_implemented', 'configuration', 'The supplementary service asked for is not supported.'),
  c(70, 'Only restricted digital information bearer capability is available', 'service_not_implemented', 'configuration', 'Only restricted digital bearer is available for the call.', { sip: 488 }),
  c(79, 'Service or option not implemented, unspecified', 'service_not_implemented', 'configuration', 'A service or option is not implemented, no more specific cause.', { sip: 501 }),
  // Invalid message (81–95)
  c(81, 'Invalid call reference value', 'invalid_message', 'protocol', 'A message referred to a call reference not in use.'),
  c(82, 'Identified channel does not exist', 'invalid_message', 'protocol', 'A message referred to a channel that does not exist.'),
  c(83, 'A suspended call exists, but this call identity does not', 'invalid_message', 'protocol', 'Call resume attempted with an unknown call identity.'),
  c(84, 'Call identity in use', 'invalid_message', 'protocol', 'Call suspend attempted with a call identity already in use.'),
  c(85, 'No call suspended', 'invalid_message', 'protocol', 'Call resume attempted with no call suspended.'),
  c(86, 'Call having the requested call identity has been cleared', 'invalid_message', 'protocol', 'The suspended call was cleared while suspended.'),
  c(87, 'User not member of CUG', 'invalid_message', 'configuration', 'The called user is not a member of the closed user group.', { sip: 403 }),
  c(88, 'Incompatible destination', 'invalid_message', 'configuration', 'The destination cannot handle the call (incompatible capabilities).', { sip: 503 }),
  c(90, 'Non-existent CUG', 'invalid_message', 'configuration', 'The closed user group does not exist.'),
  c(91, 'Invalid transit network selection', 'invalid_message', 'dialing', 'The transit network selection is badly formatted.'),
  c(95, 'Invalid message, unspecified', 'invalid_message', 'protocol', 'An invalid message, no more specific cause.'),
  // Protocol error (96–111)
  c(96, 'Mandatory information element is missing', 'protocol_error', 'protocol', 'A message lacked a mandatory information element.'),
  c(97, 'Message type non-existent or not implemented', 'protocol_error', 'protocol', 'A message type was not recognised.'),
  c(98, 'Message not compatible with call state or message type non-existent or not implemented', 'protocol_error', 'protocol', 'A message arrived that the call state does not allow, or was not recognised.'),
  c(99, 'Information element / parameter non-existent or not implemented', 'protocol_error', 'protocol', 'An information element or parameter was not recognised.'),
  c(100, 'Invalid information element contents', 'protocol_error', 'protocol', 'An information element had invalid contents.'),
  c(101, 'Message not compatible with call state', 'protocol_error', 'protocol', 'A message arrived that the call state does not allow.'),
  c(102, 'Recovery on timer expiry', 'protocol_error', 'protocol', 'A timer expired: on SIP platforms the RTP (media) timeout or the session timer (VOS3000 sends it for both).', {
    advice: 'Check whether RTP stopped before the end (RTP timeout: NAT, firewall) or the call ended at the session-timer interval (refresh re-INVITE/UPDATE lost).',
    sip: 504,
  }),
  c(103, 'Parameter non-existent or not implemented – passed on', 'protocol_error', 'protocol', 'A parameter was not recognised and was passed on.'),
  c(110, 'Message with unrecognized parameter, discarded', 'protocol_error', 'protocol', 'A message with an unrecognised parameter was discarded.'),
  c(111, 'Protocol error, unspecified', 'protocol_error', 'protocol', 'A protocol error, no more specific cause.', { sip: 500 }),
  // Interworking (127)
  c(127, 'Interworking, unspecified', 'interworking', 'provider', 'The call crossed a network that does not report the real cause (interworking).', { sip: 500 }),
];

const BY_CODE = new Map(Q850_CAUSES.map((x) => [x.code, x]));

export function q850Cause(code: number): Q850Cause | undefined {
  return BY_CODE.get(code);
}

/**
 * The name for any code 0–127. An unassigned value is named with the class "unspecified" cause
 * it must be treated as (Q.850 §2.2.7: an unrecognised cause in a class is handled as that
 * class's unspecified cause).
 */
export function q850Name(code: number): string {
  const known = BY_CODE.get(code);
  if (known) return known.name;
  if (!Number.isInteger(code) || code < 0 || code > 127) return `invalid cause ${code}`;
  if (code === 0) return 'No cause (0)';
  const fallback = code <= 31 ? 31 : code <= 47 ? 47 : code <= 63 ? 63 : code <= 79 ? 79 : code <= 95 ? 95 : code <= 111 ? 111 : 127;
  return `Unassigned cause ${code} (treated as ${fallback} ${BY_CODE.get(fallback)!.name})`;
}

/** "16 (Normal call clearing)" — the form evidence sentences use. */
export function q850Label(code: number): string {
  return `${code} (${q850Name(code)})`;
}

// ─── Text names used by PBXs ────────────────────────────────────────────────────────────

export interface HangupCauseName {
  /** Q.850 cause the switch reports for it (in a Reason header or the CDR's numeric column). */
  q850: number;
  /** The switch's own value when it is not a Q.850 cause (FreeSWITCH ≥ 1.4 numbering). */
  vendorCode?: number;
  /** What it means when it is not a plain Q.850 name. */
  note?: string;
}

/**
 * FreeSWITCH `hangup_cause` and Asterisk `HANGUPCAUSE` / ast_str2cause names. FreeSWITCH's own
 * causes (≥ 142: ORIGINATOR_CANCEL, MEDIA_TIMEOUT …) are not Q.850: switch_channel_cause_q850()
 * reports every one of them as 16 NORMAL_CLEARING, so that is their q850 here; the note says
 * what really happened.
 */
export const HANGUP_CAUSE_NAMES: Readonly<Record<string, HangupCauseName>> = {
  UNSPECIFIED: { q850: 0 },
  NOTDEFINED: { q850: 0 },
  UNALLOCATED: { q850: 1 },
  UNALLOCATED_NUMBER: { q850: 1 },
  NO_ROUTE_TRANSIT_NET: { q850: 2 },
  NO_ROUTE_DESTINATION: { q850: 3 },
  MISDIALLED_TRUNK_PREFIX: { q850: 5 },
  CHANNEL_UNACCEPTABLE: { q850: 6 },
  CALL_AWARDED_DELIVERED: { q850: 7 },
  // Asterisk writes PRE_EMPTED for Q.850 8 (Preemption); FreeSWITCH uses the same name with the old value 45.
  PRE_EMPTED: { q850: 8, note: 'Preemption (FreeSWITCH numbers it 45, the pre-1998 value).' },
  NUMBER_PORTED_NOT_HERE: { q850: 14 },
  NORMAL_CLEARING: { q850: 16 },
  USER_BUSY: { q850: 17 },
  BUSY: { q850: 17 },
  NO_USER_RESPONSE: { q850: 18 },
  NO_ANSWER: { q850: 19 },
  NOANSWER: { q850: 19 },
  SUBSCRIBER_ABSENT: { q850: 20 },
  UNREGISTERED: { q850: 20 },
  CALL_REJECTED: { q850: 21 },
  NUMBER_CHANGED: { q850: 22 },
  REDIRECTION_TO_NEW_DESTINATION: { q850: 23 },
  REDIRECTED_TO_NEW_DESTINATION: { q850: 23 },
  EXCHANGE_ROUTING_ERROR: { q850: 25 },
  ANSWERED_ELSEWHERE: { q850: 26 },
  NONSELECTED_USER_CLEARING: { q850: 26 },
  DESTINATION_OUT_OF_ORDER: { q850: 27 },
  INVALID_NUMBER_FORMAT: { q850: 28 },
  FACILITY_REJECTED: { q850: 29 },
  RESPONSE_TO_STATUS_ENQUIRY: { q850: 30 },
  NORMAL_UNSPECIFIED: { q850: 31 },
  NORMAL_CIRCUIT_CONGESTION: { q850: 34 },
  CONGESTION: { q850: 34 },
  NETWORK_OUT_OF_ORDER: { q850: 38 },
  FAILURE: { q850: 38 },
  NORMAL_TEMPORARY_FAILURE: { q850: 41 },
  SWITCH_CONGESTION: { q850: 42 },
  ACCESS_INFO_DISCARDED: { q850: 43 },
  REQUESTED_CHAN_UNAVAIL: { q850: 44 },
  FACILITY_NOT_SUBSCRIBED: { q850: 50 },
  OUTGOING_CALL_BARRED: { q850: 52, note: 'Outgoing calls barred (ISDN Q.931 value 52, not in Q.850).' },
  INCOMING_CALL_BARRED: { q850: 54, note: 'Incoming calls barred (ISDN Q.931 value 54, not in Q.850).' },
  BEARERCAPABILITY_NOTAUTH: { q850: 57 },
  BEARERCAPABILITY_NOTAVAIL: { q850: 58 },
  SERVICE_UNAVAILABLE: { q850: 63 },
  BEARERCAPABILITY_NOTIMPL: { q850: 65 },
  CHAN_NOT_IMPLEMENTED: { q850: 66 },
  FACILITY_NOT_IMPLEMENTED: { q850: 69 },
  SERVICE_NOT_IMPLEMENTED: { q850: 79 },
  INVALID_CALL_REFERENCE: { q850: 81 },
  INCOMPATIBLE_DESTINATION: { q850: 88 },
  INVALID_MSG_UNSPECIFIED: { q850: 95 },
  MANDATORY_IE_MISSING: { q850: 96 },
  MESSAGE_TYPE_NONEXIST: { q850: 97 },
  WRONG_MESSAGE: { q850: 98 },
  IE_NONEXIST: { q850: 99 },
  INVALID_IE_CONTENTS: { q850: 100 },
  WRONG_CALL_STATE: { q850: 101 },
  RECOVERY_ON_TIMER_EXPIRE: { q850: 102 },
  MANDATORY_IE_LENGTH_ERROR: { q850: 103 },
  PROTOCOL_ERROR: { q850: 111 },
  INTERWORKING: { q850: 127 },
  // FreeSWITCH-only causes: reported as Q.850 16 (switch_channel_cause_q850).
  SUCCESS: { q850: 16, vendorCode: 142, note: 'FreeSWITCH: the operation succeeded.' },
  ORIGINATOR_CANCEL: { q850: 16, vendorCode: 487, note: 'FreeSWITCH: the caller cancelled before answer (SIP CANCEL → 487 Request Terminated).' },
  CRASH: { q850: 16, vendorCode: 500, note: 'FreeSWITCH: the channel crashed.' },
  SYSTEM_SHUTDOWN: { q850: 16, vendorCode: 501, note: 'FreeSWITCH: the switch shut down.' },
  LOSE_RACE: { q850: 16, vendorCode: 502, note: 'FreeSWITCH: another leg answered first.' },
  MANAGER_REQUEST: { q850: 16, vendorCode: 503, note: 'FreeSWITCH: hung up by an API/ESL command.' },
  BLIND_TRANSFER: { q850: 16, vendorCode: 600, note: 'FreeSWITCH: blind transfer.' },
  ATTENDED_TRANSFER: { q850: 16, vendorCode: 601, note: 'FreeSWITCH: attended transfer.' },
  ALLOTTED_TIMEOUT: { q850: 16, vendorCode: 602, note: 'FreeSWITCH: the call reached its allotted time limit.' },
  USER_CHALLENGE: { q850: 16, vendorCode: 603, note: 'FreeSWITCH: the call was challenged for credentials (401/407).' },
  MEDIA_TIMEOUT: { q850: 16, vendorCode: 604, note: 'FreeSWITCH: RTP timeout — no media for rtp-timeout-sec.' },
  PICKED_OFF: { q850: 16, vendorCode: 605, note: 'FreeSWITCH: the call was picked up elsewhere.' },
  USER_NOT_REGISTERED: { q850: 16, vendorCode: 606, note: 'FreeSWITCH: the called user is not registered.' },
  PROGRESS_TIMEOUT: { q850: 16, vendorCode: 607, note: 'FreeSWITCH: no ringing/progress within progress_timeout.' },
  INVALID_GATEWAY: { q850: 16, vendorCode: 608, note: 'FreeSWITCH: the gateway named does not exist.' },
  GATEWAY_DOWN: { q850: 16, vendorCode: 609, note: 'FreeSWITCH: the gateway is down (failed OPTIONS ping).' },
  INVALID_URL: { q850: 16, vendorCode: 610, note: 'FreeSWITCH: the dial string URL is invalid.' },
  INVALID_PROFILE: { q850: 16, vendorCode: 611, note: 'FreeSWITCH: the SIP profile named does not exist.' },
  NO_PICKUP: { q850: 16, vendorCode: 612, note: 'FreeSWITCH: nobody picked up a pickup group call.' },
  SRTP_READ_ERROR: { q850: 16, vendorCode: 613, note: 'FreeSWITCH: SRTP decryption failed.' },
};

/** The Q.850 code for a PBX cause name (case-insensitive; "AST_CAUSE_"/"SWITCH_CAUSE_" prefixes accepted), null when unknown. */
export function q850FromName(name: string): number | null {
  return hangupCauseFromName(name)?.q850 ?? null;
}

export function hangupCauseFromName(name: string): HangupCauseName | null {
  const key = name.trim().toUpperCase().replace(/^(AST_CAUSE_|SWITCH_CAUSE_)/, '');
  return HANGUP_CAUSE_NAMES[key] ?? null;
}
