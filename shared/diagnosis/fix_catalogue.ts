// The fix catalogue of diagnosis.md §4 as data: one table, cause key → what to change and the
// checks that confirm the diagnosis first. `sip_<code>` keys resolve through the SIP response
// table (sip_responses.ts), with a generic 4xx / 5xx / 6xx fix when a code has no advice.

import type { CauseKey, Fix } from '../model/verdict.ts';
import type { FixedCauseKey } from './buckets.ts';
import { sipCodeOfCause } from './buckets.ts';
import { SIP_CLASS_MEANING, sipClassOf, sipLabel, sipResponse } from './sip_responses.ts';

// Shared check lists (§4 "Dead far end", "Audio-path symptoms", "RTP timeout").
const DEAD_FAR_END_CHECKS = [
  'Is the media server / agent process still running (and was it restarted around this time)?',
  'Host resources of the media server at that time: CPU, memory (OOM kills), disk full.',
  'Database connectivity of the media server (a stalled database freezes call handling).',
  'Signs of a SIP flood or scan (a burst of INVITE/REGISTER/OPTIONS from unknown sources) at that time.',
];
const AUDIO_PATH_CHECKS = [
  'Do the SDP c= addresses reach each other, or is a private address announced from behind NAT?',
  'Is a NAT or firewall dropping RTP to/from the announced ports (RTP port range open both ways)?',
  'Is a SIP ALG on a router rewriting the signalling? Disable it.',
  'Packet loss or jitter on the path (see the stream statistics).',
  'Do both sides use a common codec (compare the offer and the answer)?',
];
const CONNTRACK_CHECK =
  'Stateful firewall UDP timeout: cat /proc/sys/net/netfilter/nf_conntrack_udp_timeout and nf_conntrack_udp_timeout_stream (defaults ~30 s / 180 s); raise to 300 and 3600.';
const KEEPALIVE_TEXT =
  'Keep NAT bindings alive: SIP OPTIONS keepalive every 30 s, RTP keepalive every 20 s (media proxy), registration refresh every 60 s.';
const RTP_TIMEOUT_WORKAROUND = 'Raising the RTP timeout itself only hides the problem: it is a workaround, not a fix.';

export const FIX_CATALOGUE: Readonly<Record<FixedCauseKey, Fix>> = {
  normal_clearing: {
    title: 'No change needed: the caller hung up after a successful call',
    text: 'The call was answered, media flowed both ways, and the caller released it normally after the success duration. This is the expected outcome for most calls.',
    checks: ['Media flowed both ways until the BYE.', 'The Reason header, if any, is Q.850 16 or 31 (normal).'],
  },
  caller_hangup_short: {
    title: 'Usually none: watch the rate of short caller hangups',
    text: 'The caller hung up shortly after the answer while media was flowing. One such call is not a fault; a rising share of them (per hour, per trunk) points at what the caller heard first: a slow or silent greeting, a wrong prompt, or audio quality.',
    checks: [
      'Compare the share of short caller hangups this hour with the usual rate.',
      'Check the agent\'s first response latency and the greeting audio for these calls.',
      'Check the stream quality (loss, jitter, MOS) of the short calls.',
    ],
  },
  cancel_487: {
    title: 'No change needed: the caller gave up before the answer',
    text: 'The caller cancelled the INVITE while it was still ringing (CANCEL, then 487 Request Terminated). Watch the rate: many early cancels mean long ringing or post-dial delay.',
    checks: ['How long did it ring (INVITE → CANCEL) and what was the post-dial delay?', 'Compare the share of cancelled calls with the usual rate.'],
  },
  agent_bye: {
    title: 'No change needed: the agent ended the call',
    text: 'The agent side (our media server / AI agent) sent the BYE while media was flowing: normally the script completed. If the agent was not expected to hang up, read its event log for the call.',
    checks: ['The agent\'s log shows the call ended on purpose (script complete, transfer, goodbye).'],
  },
  rtp_timeout_both: {
    title: 'Find why the endpoint lost its network (both RTP directions stopped)',
    text:
      'RTP stopped in both directions before the call was released (on VOS3000-style platforms with BYE and Q.850 102, Recovery on timer expiry). When both directions stop, the endpoint usually lost its network connection or crashed. If new calls fail while established ones drop at the same time, the RTP port range is exhausted: increase it. If the silence began after a quiet period (mute, silence suppression), a stateful firewall UDP timeout expired the flow: raise it. ' +
      RTP_TIMEOUT_WORKAROUND,
    checks: [
      'Did the endpoint\'s signalling stop too (no re-INVITE/OPTIONS answers), i.e. it lost its network?',
      'Did other calls to/from the same endpoint drop at the same moment?',
      'Are new calls failing while old ones drop? Check RTP port range usage on the media server.',
      CONNTRACK_CHECK,
    ],
  },
  rtp_timeout_oneway: {
    title: 'Keep the RTP path open: enable the media proxy / RTP relay and NAT keepalive',
    text:
      'One RTP direction stopped while the other kept flowing, and the call was then released. This is the NAT pinhole expiring or a firewall dropping RTP in one direction. Enable the media proxy / RTP relay for endpoints behind NAT. ' +
      KEEPALIVE_TEXT +
      ' If it stops after an idle period, a stateful firewall UDP timeout expired the flow: raise it (Linux nf_conntrack_udp_timeout_stream 3600, nf_conntrack_udp_timeout 300; at least 3600 s for RTP on hardware firewalls). ' +
      RTP_TIMEOUT_WORKAROUND,
    checks: [
      'Which direction stopped, and which side of it sits behind NAT?',
      'Did the direction stop after a period of silence (mute / VAD)? Then it is the firewall UDP timeout.',
      CONNTRACK_CHECK,
      'Is a SIP ALG rewriting the SDP? Disable it.',
    ],
  },
  one_way_audio: {
    title: 'Fix the audio path: NAT / firewall blocking RTP in one direction',
    text:
      'The SDP expected media both ways, but one direction never carried a single RTP packet while the other did: one party could not hear the other. Typical causes: NAT or firewall rules blocking RTP, a SIP ALG rewriting the signalling (disable it), a private address announced in SDP, or a codec mismatch. Enable the media proxy / symmetric RTP for endpoints behind NAT.',
    checks: AUDIO_PATH_CHECKS,
  },
  no_media: {
    title: 'Fix the media path: no RTP flowed in either direction',
    text:
      'The call was answered with SDP expecting media, but no RTP was seen in either direction. Either the announced addresses are unreachable (private addresses behind NAT, firewall closing the RTP port range), a SIP ALG broke the SDP, or the media server could not allocate RTP ports (port range exhausted: new calls fail while old ones drop). Also check the capture point sees the media path at all.',
    checks: [...AUDIO_PATH_CHECKS, 'Was the capture taken where RTP passes (media may bypass the signalling host)?', 'RTP port range usage on the media server.'],
  },
  provider_reject_487: {
    title: 'The provider cancelled the call: check post-dial-delay timeouts',
    text:
      'The INVITE ended with 487 Request Terminated although the caller sent no CANCEL: the provider (or a proxy) gave up on the call, typically on its own post-dial-delay or ring timeout, or because of capacity. Check the PDD / no-answer timeouts on both sides and the call set-up timing; ask the provider if it persists.',
    checks: [
      'Time from the INVITE to the 487, against the provider\'s and our own PDD / ring timeouts.',
      'No CANCEL from our side in the capture (the 487 was not our doing).',
      'Does it happen on one trunk or destination only?',
    ],
  },
  session_timer_expiry: {
    title: 'Fix the session timer: the refresh got no answer',
    text:
      'The call ended at the session-timer expiry point (RFC 4028): the session refresh (re-INVITE or UPDATE) was not answered with 200 OK, or never sent, so the session expired (typically BYE with Q.850 102). Set Session-Expires to 1800–3600 s, Min-SE 90, refresher = uac — or disable session timers where an endpoint does not support them. Then find why the refresh was lost: often NAT or a firewall dropping the in-dialog request.',
    checks: [
      'Was a refresh re-INVITE/UPDATE sent at about half the interval, and did it get a 200 OK?',
      'Do calls drop at a fixed duration (the Session-Expires value, e.g. 1800 s)?',
      'Does the far end list "timer" in Supported, and is the refresher the side that actually refreshes?',
      'Does the refresh reach the far end through NAT (compare the Contact / Record-Route addresses)?',
    ],
  },
  abnormal_release: {
    title: 'Act on the release cause: the call was cleared abnormally',
    text:
      'The call was released with a Q.850 cause other than normal clearing, with no media silence or session timer to explain it. The cause names the side: 34 (no circuit), 38 (network out of order) or 41 (temporary failure) point at the provider — fail over to a backup route for new calls and contact the provider. A mid-call release on a route switch means failover is acting on established calls: fail over on new calls only, and keep ASR thresholds below 80 % (higher ones switch too eagerly).',
    checks: [
      'The Q.850 cause and its location in the Reason header (see the evidence).',
      'Do other calls on the same trunk end with the same cause at the same time (provider outage)?',
      'Did the routing log show a route change / failover during the call?',
    ],
  },
  llm_timeout: {
    title: 'Bring the LLM time-to-first-token under the timeout',
    text:
      'The agent\'s event log shows the LLM took longer than the LLM timeout to produce its first token, so the caller heard silence and the call ended. Check the LLM provider\'s latency and status at that time, keep the model in the same region as the media servers, use streaming and a faster fallback model, and play a filler phrase while waiting.',
    checks: [
      'The agent event\'s llm_last_ttft_ms against the timeout.',
      'The LLM provider\'s status and latency at that time; other calls in the same hour.',
      'Prompt / context size growth over the call (slower first tokens).',
    ],
  },
  no_bye_dead_signalling: {
    title: 'The far end went dead mid-call: check the media server',
    text:
      'Signalling and media both stopped with no BYE or CANCEL, and the capture went on: the far end (our media server / agent or the caller\'s equipment) died or lost its network mid-call. Check the media server process, its host resources (CPU, memory, disk), its database connectivity, and signs of a SIP flood.',
    checks: DEAD_FAR_END_CHECKS,
  },
  server_dead_bye_unanswered: {
    title: 'The agent side died: check the media server',
    text:
      'The agent side\'s media stopped, then the caller\'s BYE was retransmitted and never answered: the media server / agent was no longer processing SIP. Check the process, its host resources (CPU, memory, disk), its database connectivity, and signs of a SIP flood.',
    checks: DEAD_FAR_END_CHECKS,
  },
  invite_no_response: {
    title: 'Nothing answered the INVITE: check the far end is up and reachable',
    text:
      'The INVITE was retransmitted and no response of any kind (not even 100 Trying) came back: the far end is down, not listening on its SIP port, or unreachable (routing, firewall). Check the media server process and host, and the network path and firewall rules to its SIP port.',
    checks: ['Is the far end listening on the SIP port (transport and port as sent)?', 'Does the network path / firewall let SIP through to it?', ...DEAD_FAR_END_CHECKS],
  },
  capture_ended: {
    title: 'Capture the whole call: the capture stopped while the call was alive',
    text:
      'The capture ended while the call was still up, before any release was seen, so there is nothing to conclude about how it ended. Capture a longer window (until after the call ends) or import the CDR / agent event log for this call.',
    checks: ['The call\'s last packet is close to the end of the capture.', 'A CDR or agent event for this Call-ID, if available.'],
  },
  in_progress: {
    title: 'Capture the whole set-up: the call was not answered or rejected yet',
    text:
      'The call set-up had not finished (no final response, no CANCEL) when the capture stopped, so its outcome is unknown. Capture a longer window or import the CDR for this call.',
    checks: ['The last message of the call is a provisional response or the INVITE itself.', 'A CDR for this Call-ID, if available.'],
  },
  release_side_unknown: {
    title: 'Find who hung up: the CDR does not say',
    text:
      'The call was answered and ended, but the export does not record which side released it (Asterisk Master.csv never does), so the verdict is left open rather than guessed. Import the capture or the agent\'s close-of-call events for this call, or a CDR format that records the releasing side (CEL HANGUP events, CUCM origCause/destCause, FreeSWITCH hangup_cause with sip_hangup_disposition).',
    checks: ['A capture or agent event for this Call-ID or these numbers around this time.', 'Does the PBX export record the hangup side (e.g. Asterisk CEL, FreeSWITCH sip_hangup_disposition)?'],
  },
};

// Generic fixes by SIP class for codes without specific advice (seed 003).
const SIP_CLASS_FIX: Readonly<Record<3 | 4 | 5 | 6, { title: string; checks: string[] }>> = {
  3: {
    title: 'Follow or remove the redirect',
    checks: ['Does the calling system follow 3xx redirects (Contact of the response)?', 'Is the redirect expected for this destination?'],
  },
  4: {
    title: 'Fix the request on the originating side',
    checks: [
      'Read the Reason and Warning headers of the final response.',
      'Compare the INVITE (Request-URI format, From / P-Asserted-Identity, credentials, source IP) with what the provider expects.',
    ],
  },
  5: {
    title: 'Fail over: the server side failed',
    checks: [
      'Read the Reason, Warning and Retry-After headers of the final response.',
      'Does it persist across retries and across destinations?',
      'On a least-cost-routing trunk a 503 is an expected route-advance signal: does the next route get tried?',
    ],
  },
  6: {
    title: 'Intentional rejection: retrying will not help',
    checks: ['Read the Reason and Warning headers of the final response.', 'Is the calling number (ANI) valid and not flagged by call analytics?'],
  },
};

function sipFix(code: number): Fix {
  const info = sipResponse(code);
  const cls = sipClassOf(code);
  const generic = cls !== null && cls >= 3 ? SIP_CLASS_FIX[cls as 3 | 4 | 5 | 6] : SIP_CLASS_FIX[4];
  const label = sipLabel(code);
  const meaning = info?.meaning ?? (cls ? SIP_CLASS_MEANING[cls] : '');
  const parts = [`The call failed with ${label}: ${meaning}`];
  if (info?.advice) parts.push(info.advice);
  else if (cls) parts.push(SIP_CLASS_MEANING[cls]);
  if (info && cls !== null && cls >= 4) parts.push(info.retryElsewhere ? 'Another route / provider, or a retry later, can succeed.' : 'Retrying the same call elsewhere will not help until the cause is fixed.');
  return { title: `${label}: ${info?.title ?? generic.title}`, text: parts.join(' '), checks: generic.checks };
}

/**
 * The wording of the fixes that say media flowed, for a verdict that could not see media: a
 * signalling-only capture (`tcpdump port 5060`, diagnosis.md §3 rule 8) or a CDR row alone.
 * Claiming "media flowed both ways" there would state as fact what nobody checked.
 */
const MEDIA_NOT_SEEN: Partial<Record<FixedCauseKey, Pick<Fix, 'text' | 'checks'>>> = {
  normal_clearing: {
    text: 'The call was answered and the caller released it normally after the success duration. Whether media flowed could not be checked (no RTP in what was read): if the caller complains of silence, capture the media too.',
    checks: ['The Reason header, if any, is Q.850 16 or 31 (normal).', 'If audio is in question, capture RTP as well (not only port 5060) and look again.'],
  },
  caller_hangup_short: {
    text: 'The caller hung up shortly after the answer. Whether media was flowing could not be checked (no RTP in what was read): a short call with no audio at all would be a media fault instead. One such call is not a fault; a rising share of them (per hour, per trunk) points at what the caller heard first: a slow or silent greeting, a wrong prompt, or audio quality.',
    checks: [
      'Compare the share of short caller hangups this hour with the usual rate.',
      'Capture RTP as well (not only port 5060) for a few of these calls: did the caller hear anything?',
      'Check the agent\'s first response latency and the greeting audio for these calls.',
    ],
  },
  agent_bye: {
    text: 'The agent side (our media server / AI agent) sent the BYE: normally the script completed. Whether media was flowing could not be checked (no RTP in what was read). If the agent was not expected to hang up, read its event log for the call.',
    checks: ['The agent\'s log shows the call ended on purpose (script complete, transfer, goodbye).', 'If audio is in question, capture RTP as well (not only port 5060).'],
  },
};

export interface FixContext {
  /** False when the verdict could not see media (signalling-only capture, CDR row alone). */
  mediaSeen?: boolean;
}

/** The fix for any cause key; `sip_<code>` keys come from the SIP table. */
export function fixFor(cause: CauseKey, ctx: FixContext = {}): Fix {
  const code = sipCodeOfCause(cause);
  if (code !== null) return sipFix(code);
  const fix = FIX_CATALOGUE[cause as FixedCauseKey];
  const unseen = ctx.mediaSeen === false ? MEDIA_NOT_SEEN[cause as FixedCauseKey] : undefined;
  if (fix && unseen) return { ...fix, ...unseen };
  if (fix) return fix;
  // Unreachable for valid keys; a malformed `sip_…` key gets the class-less SIP fix.
  return sipFix(0);
}
