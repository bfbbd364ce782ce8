// One test (at least) per rule of diagnosis.md §3, with its boundaries exactly at the
// thresholds and every precedence the spec states, on hand-built facts.

import { describe, expect, it } from 'vitest';
import { classify } from '../../shared/diagnosis/classifier.ts';
import { fixFor } from '../../shared/diagnosis/fix_catalogue.ts';
import type { AgentEvent } from '../../shared/model/cdr.ts';
import type { CallFacts } from '../../shared/model/call.ts';
import type { CaptureCoverage } from '../../shared/model/capture.ts';
import { DEFAULT_SETTINGS, type Verdict } from '../../shared/model/verdict.ts';
import { answeredCall, q850, T0_US, unansweredCall } from './facts_builder.ts';

const S = DEFAULT_SETTINGS;

function expectVerdict(v: Verdict, bucket: Verdict['bucket'], cause: string, lastRule: string): void {
  expect({ bucket: v.bucket, cause: v.cause, last: v.path[v.path.length - 1] }).toEqual({ bucket, cause, last: lastRule });
}

/** Every SIP ref points at the message it names; every evidence item has a sentence. */
function expectRefsConsistent(f: CallFacts, v: Verdict): void {
  for (const e of v.evidence) {
    expect(e.text.length).toBeGreaterThan(10);
    if (e.ref?.kind === 'sip') expect(f.messages[e.ref.messageIndex]?.frame).toBe(e.ref.frame);
  }
}

function event(ttftMs: number | null): AgentEvent {
  return { line: 7, callId: 'test-call@10.0.0.1', initiator: 'agent', sipFinalCode: 200, lastRtpUs: null, llmLastTtftMs: ttftMs, sttLastConfidence: 0.9, lastMos: 4.2, raw: {} };
}

describe('not answered (rules 1–4)', () => {
  it('R1: a CANCEL from the caller, 487 after it → 2 cancel_487', () => {
    const f = unansweredCall({ cancelAtMs: 2500, final: { status: 487, reason: 'Request Terminated' } });
    const v = classify(f);
    expectVerdict(v, 2, 'cancel_487', 'R1');
    expect(v.path).toEqual(['R1']);
    expect(v.problem).toBe(false);
    expect(v.confidence).toBe(1);
    expect(v.evidence[0].text).toMatch(/^CANCEL from the caller \(10\.0\.0\.1:5060\) at 00:42:12\.623 UTC, 2\.5 s after the INVITE, after 2\.4 s of ringing/);
    expect(v.evidence[0].ref).toMatchObject({ kind: 'sip', frame: f.messages.find((m) => m.label === 'CANCEL')!.frame });
    expect(v.evidence[1].text).toMatch(/487 Request Terminated/);
    expectRefsConsistent(f, v);
  });

  it('R1: a CANCEL whose 487 is not in the capture is still the caller giving up', () => {
    expectVerdict(classify(unansweredCall({ cancelAtMs: 1000 })), 2, 'cancel_487', 'R1');
  });

  it('R2: 487 without a CANCEL from the caller → 5 provider_reject_487', () => {
    const f = unansweredCall({ final: { status: 487, reason: 'Request Terminated', afterMs: 4000 } });
    const v = classify(f);
    expectVerdict(v, 5, 'provider_reject_487', 'R2');
    expect(v.path).toEqual(['R1', 'R2']);
    expect(v.problem).toBe(true);
    expect(v.evidence[0].text).toMatch(/no CANCEL/);
    expectRefsConsistent(f, v);
  });

  it('R3: a final 4xx/5xx/6xx → 5 sip_<code>, with Reason, Warning and Retry-After as evidence', () => {
    const f = unansweredCall({ final: { status: 503, reason: 'Service Unavailable' }, reasons: [q850(34)], warnings: ['399 gw "trunk full"'], retryAfter: 30, ringing: false });
    const v = classify(f);
    expectVerdict(v, 5, 'sip_503', 'R3');
    expect(v.path).toEqual(['R1', 'R2', 'R3']);
    const text = v.evidence.map((e) => e.text).join('\n');
    expect(text).toMatch(/Final response 503 Service Unavailable from the agent side \(10\.0\.0\.2:5060\)/);
    expect(text).toMatch(/Q\.850 34 \(No circuit\/channel available\) — it points at the provider side/);
    expect(text).toMatch(/Warning: 399 gw "trunk full"/);
    expect(text).toMatch(/Retry-After: 30 s/);
    expect(v.fix).toEqual(fixFor('sip_503'));
    expect(v.fix.title).toMatch(/next route/);
    expectRefsConsistent(f, v);
    for (const [status, reason] of [[486, 'Busy Here'], [488, 'Not Acceptable Here'], [603, 'Decline'], [404, 'Not Found'], [401, 'Unauthorized']] as const) {
      expectVerdict(classify(unansweredCall({ final: { status, reason } })), 5, `sip_${status}`, 'R3');
    }
  });

  it('R3: an unfollowed 3xx redirect ends the call too', () => {
    expectVerdict(classify(unansweredCall({ final: { status: 302, reason: 'Moved Temporarily' } })), 5, 'sip_302', 'R3');
  });

  it('R3: after a 407 challenge the final response of the authenticated INVITE counts', () => {
    const v = classify(unansweredCall({ authChallenges: 1, final: { status: 486, reason: 'Busy Here' } }));
    expectVerdict(v, 5, 'sip_486', 'R3');
    expect(v.evidence.map((e) => e.text).join('\n')).toMatch(/1 401\/407 challenge: this is the final response of the authenticated INVITE/);
  });

  it('R4: INVITE retransmitted, nothing answered, the capture window outlasts Timer B → 7 invite_no_response', () => {
    // 6 copies over 15.5 s, then 16.5 s more of recording: 32 s after the first INVITE.
    const f = unansweredCall({ unansweredTransmissions: 6, captureTailMs: 16_500 });
    const v = classify(f);
    expectVerdict(v, 7, 'invite_no_response', 'R4');
    expect(v.evidence[0].text).toMatch(/was sent 6 times between 00:42:10\.123 UTC and 00:42:25\.623 UTC, and nothing came back/);
    expect(v.evidence[1].text).toMatch(/32 s after the first INVITE, past Timer B/);
    expectRefsConsistent(f, v);
  });

  it('R4: a tail ≥ deadAfter alone is not enough: the window must outlast Timer B (diagnosis.md rule 4)', () => {
    const v = classify(unansweredCall({ unansweredTransmissions: 6, captureTailMs: S.deadAfterS * 1000 }));
    expectVerdict(v, null, 'in_progress', 'R4b');
  });

  it('R4: covered by Timer B (32 s since the INVITE) even with a short tail', () => {
    expectVerdict(classify(unansweredCall({ unansweredTransmissions: 7, captureTailMs: 500 })), 7, 'invite_no_response', 'R4');
  });

  it('R4 boundary: the capture window ends just before Timer B → in_progress, not a dead far end', () => {
    const v = classify(unansweredCall({ unansweredTransmissions: 6, captureTailMs: 16_499 }));
    expectVerdict(v, null, 'in_progress', 'R4b');
    expect(v.evidence[0].text).toMatch(/before the INVITE transaction timed out/);
  });

  it('R4b: ringing with no final response and no CANCEL → in_progress (not classifiable)', () => {
    const v = classify(unansweredCall({ ringing: true, captureTailMs: 1000 }));
    expectVerdict(v, null, 'in_progress', 'R4b');
    expect(v.path).toEqual(['R1', 'R2', 'R3', 'R4', 'R4b']);
    expect(v.bucketName).toBe('not classifiable');
    expect(v.problem).toBe(false);
  });

  it('CDR only: a release cause without a SIP code maps through RFC 3398, confidence ≤ 0.7', () => {
    const v = classify(unansweredCall({ origin: 'cdr', ringing: false, q850Cause: 17 }));
    expectVerdict(v, 5, 'sip_486', 'R3');
    expect(v.confidence).toBeLessThanOrEqual(0.7);
  });
});

describe('answered: a dead far end first (rules 5–6)', () => {
  it('R5: the caller BYE retransmitted and unanswered after the agent went silent → 7 server_dead_bye_unanswered', () => {
    const f = answeredCall({ talkMs: 5000, endAnswered: false, endTransmissions: 10, callee: { silenceMs: 2000 } });
    const v = classify(f);
    expectVerdict(v, 7, 'server_dead_bye_unanswered', 'R5');
    expect(v.path).toEqual(['R5']);
    expect(v.evidence[0].ref).toMatchObject({ kind: 'gap', src: '10.0.0.2:50000', dst: '10.0.0.1:40000', durationMs: 2000 });
    expect(v.evidence[1].text).toMatch(/was sent 10 times over 4\.5 s and never answered/);
    expectRefsConsistent(f, v);
  });

  it('R5 outranks media: both directions silent long enough still reads as the dead agent', () => {
    const v = classify(answeredCall({ endAnswered: false, endTransmissions: 7, caller: { silenceMs: 9000 }, callee: { silenceMs: 9000 } }));
    expectVerdict(v, 7, 'server_dead_bye_unanswered', 'R5');
  });

  it('R5 outranks one-way audio: an agent that never sent RTP and never answers the BYE', () => {
    expectVerdict(classify(answeredCall({ endAnswered: false, endTransmissions: 4, callee: { packets: 0 } })), 7, 'server_dead_bye_unanswered', 'R5');
  });

  it('R5 needs retransmissions and no answer: an answered BYE or a single copy does not fire it', () => {
    expect(classify(answeredCall({ talkMs: 5000, callee: { silenceMs: 2000 } })).cause).toBe('caller_hangup_short');
    expect(classify(answeredCall({ talkMs: 5000, endAnswered: false, endTransmissions: 1, callee: { silenceMs: 2000 } })).cause).toBe('caller_hangup_short');
  });

  it('R5 needs the agent silent first: agent media flowing up to the BYE does not fire it', () => {
    expect(classify(answeredCall({ talkMs: 5000, endAnswered: false, endTransmissions: 10, callee: { silenceMs: 20 } })).cause).toBe('caller_hangup_short');
  });

  it('the agent BYE unanswered after the caller went silent: the caller lost its network → rule 9 rtp_timeout_both', () => {
    const v = classify(answeredCall({ endedBy: 'callee', endAnswered: false, endTransmissions: 8, caller: { silenceMs: 6000 } }));
    expectVerdict(v, 4, 'rtp_timeout_both', 'R9');
    expect(v.confidence).toBe(1);
    expect(v.evidence.map((e) => e.text).join('\n')).toMatch(/the caller lost its network/);
  });

  it('R6: no BYE or CANCEL, the capture goes on exactly deadAfter → 7 no_bye_dead_signalling', () => {
    const f = answeredCall({ endMethod: 'none', captureTailMs: S.deadAfterS * 1000 });
    const v = classify(f);
    expectVerdict(v, 7, 'no_bye_dead_signalling', 'R6');
    expect(v.path).toEqual(['R5', 'R6']);
    expect(v.evidence.at(-1)!.text).toMatch(/The capture went on 5 s longer \(≥ deadAfter 5 s\)/);
    expectRefsConsistent(f, v);
  });

  it('R6b: the capture ends sooner than deadAfter → capture_ended, never a crash', () => {
    const v = classify(answeredCall({ endMethod: 'none', captureTailMs: S.deadAfterS * 1000 - 1 }));
    expectVerdict(v, null, 'capture_ended', 'R6b');
    expect(v.problem).toBe(false);
    expect(v.evidence.at(-1)!.text).toMatch(/still up when the recording stopped/);
  });

  it('deadAfter is a setting', () => {
    expect(classify(answeredCall({ endMethod: 'none', captureTailMs: 3000 }), { ...S, deadAfterS: 3 }).cause).toBe('no_bye_dead_signalling');
  });
});

describe('answered: media before who hung up (rules 7–10)', () => {
  it('R7: a direction the SDP expects never carried RTP while the other did → 4 one_way_audio', () => {
    const f = answeredCall({ talkMs: 4000, callee: { packets: 0 } });
    const v = classify(f);
    expectVerdict(v, 4, 'one_way_audio', 'R7');
    expect(v.evidence[0].text).toBe('The SDP expected media from the agent side to the caller, but not one RTP packet came during 4 s of answered call.');
    expect(v.evidence[1].ref).toEqual({ kind: 'stream', ssrc: 0x11111111, src: '10.0.0.1:40000', dst: '10.0.0.2:50000' });
  });

  it('R7 does not fire for a direction the SDP does not expect (sendonly / recvonly)', () => {
    expect(classify(answeredCall({ talkMs: 4000, callee: { packets: 0 }, calleeSends: false })).cause).toBe('caller_hangup_short');
  });

  it('R8: neither direction ever carried RTP → 4 no_media', () => {
    const v = classify(answeredCall({ talkMs: 4000, caller: { packets: 0 }, callee: { packets: 0 } }));
    expectVerdict(v, 4, 'no_media', 'R8');
    expect(v.evidence[0].text).toMatch(/expected media both ways, but no RTP was seen in either direction during 4 s/);
  });

  it('R8 does not fire when the SDP expects no media at all (inactive both ways)', () => {
    expect(classify(answeredCall({ talkMs: 4000, caller: { packets: 0 }, callee: { packets: 0 }, callerSends: false, calleeSends: false, holdSeen: true, onHoldAtEnd: true })).cause).toBe('caller_hangup_short');
  });

  it('R9: both directions silent exactly rtpTimeout before the BYE → 4 rtp_timeout_both', () => {
    const f = answeredCall({ talkMs: 8000, caller: { silenceMs: 5000 }, callee: { silenceMs: 5000 } });
    const v = classify(f);
    expectVerdict(v, 4, 'rtp_timeout_both', 'R9');
    expect(v.evidence[0].ref).toMatchObject({ kind: 'gap', durationMs: 5000 });
    expect(v.evidence[0].text).toMatch(/RTP from the caller to the agent side \(10\.0\.0\.1:40000 → 10\.0\.0\.2:50000, SSRC 0x11111111\) stopped at .*: 5 s of silence before the BYE/);
    expectRefsConsistent(f, v);
  });

  it('R9 boundary: 1 ms under rtpTimeout is not a timeout', () => {
    expect(classify(answeredCall({ talkMs: 8000, caller: { silenceMs: 4999 }, callee: { silenceMs: 4999 } })).cause).toBe('caller_hangup_short');
  });

  it('R9 outranks the Reason: BYE with Q.850 102 after measured silence is a media problem, not abnormal_release', () => {
    expect(classify(answeredCall({ talkMs: 8000, caller: { silenceMs: 6500 }, callee: { silenceMs: 6500 }, reasons: [q850(102)] })).cause).toBe('rtp_timeout_both');
  });

  it('R9 outranks who hung up: a caller hanging up on silence after a long call is not a success', () => {
    expect(classify(answeredCall({ talkMs: 60_000, caller: { silenceMs: 20_000 }, callee: { silenceMs: 20_000 } })).cause).toBe('rtp_timeout_both');
  });

  it('hold is not silence: on hold at the end, no RTP-timeout rule fires', () => {
    const v = classify(answeredCall({ talkMs: 60_000, caller: { silenceMs: 20_000 }, callee: { silenceMs: 20_000 }, holdSeen: true, onHoldAtEnd: true }));
    expectVerdict(v, 1, 'normal_clearing', 'R14');
  });

  it('hold is not silence: after a resume re-INVITE, silence counts from the re-INVITE', () => {
    // RTP stopped 20 s before the end (during hold); the resume re-INVITE came 2 s before the end.
    const held = answeredCall({ talkMs: 60_000, caller: { silenceMs: 20_000 }, callee: { silenceMs: 20_000 }, holdSeen: true, reinvitesAtMs: [58_000] });
    expect(classify(held).cause).toBe('normal_clearing');
    // The same silence 6 s after the resume is a timeout again, inferred (lower confidence).
    const resumedThenSilent = answeredCall({ talkMs: 60_000, caller: { silenceMs: 20_000 }, callee: { silenceMs: 20_000 }, holdSeen: true, reinvitesAtMs: [54_000] });
    const v = classify(resumedThenSilent);
    expect(v.cause).toBe('rtp_timeout_both');
    expect(v.confidence).toBeLessThan(1);
    expect(v.evidence.map((e) => e.text).join('\n')).toMatch(/counted since the re-INVITE that ended the hold/);
  });

  it('R10: one direction silent ≥ rtpTimeout while the other kept flowing → 4 rtp_timeout_oneway', () => {
    const v = classify(answeredCall({ talkMs: 7500, callee: { silenceMs: 5000 } }));
    expectVerdict(v, 4, 'rtp_timeout_oneway', 'R10');
    expect(v.path).toEqual(['R5', 'R6', 'R6b', 'R7', 'R8', 'R9', 'R10']);
    expect(v.evidence[1].text).toMatch(/kept flowing: 100 packets/);
  });

  it('R10 boundary and settings: rtpTimeout is a setting', () => {
    const f = answeredCall({ talkMs: 7500, callee: { silenceMs: 4000 } });
    expect(classify(f).cause).toBe('caller_hangup_short');
    expect(classify(f, { ...S, rtpTimeoutS: 4 }).cause).toBe('rtp_timeout_oneway');
  });

  it('R10 ignores a direction the SDP does not expect (held one way)', () => {
    expect(classify(answeredCall({ talkMs: 7500, callee: { silenceMs: 6000 }, calleeSends: false, holdSeen: true })).cause).toBe('caller_hangup_short');
  });
});

describe('answered: timers, events and the Reason (rules 11–13)', () => {
  const SE = 90; // window: SE − min(32, SE/3) = 60 s … 90 s after the last good refresh
  function timerCall(endAfterAnswerMs: number, opts: { refreshStatus?: number | null; reason102?: boolean } = {}): CallFacts {
    const answerUs = T0_US + 1_000_000;
    const refreshes = opts.refreshStatus === null ? [] : [{ tsUs: answerUs + 45_000_000, method: 'INVITE', status: opts.refreshStatus ?? 0, frame: 500 }];
    return answeredCall({
      talkMs: endAfterAnswerMs,
      endedBy: 'callee',
      reasons: opts.reason102 === false ? [] : [q850(102)],
      sessionTimer: { seconds: SE, refresher: 'uac', minSe: 90, refreshes },
    });
  }

  it('R11: refresh unanswered, BYE with Q.850 102 inside the expiry window → 5 session_timer_expiry (confidence 1)', () => {
    const f = timerCall(80_000);
    const v = classify(f);
    expectVerdict(v, 5, 'session_timer_expiry', 'R11');
    expect(v.confidence).toBe(1);
    const text = v.evidence.map((e) => e.text).join('\n');
    expect(text).toMatch(/Session-Expires 90 s, refresher uac, Min-SE 90 s/);
    expect(text).toMatch(/The session refresh re-INVITE at .* \(45 s after the answer\) got no final response/);
    expect(text).toMatch(/inside the expiry window 60 s … 90 s/);
    expectRefsConsistent(f, v);
  });

  it('R11 boundaries: exactly SE − min(32, SE/3) and SE (+ slack) are inside; just outside is not', () => {
    expect(classify(timerCall(60_000)).cause).toBe('session_timer_expiry');
    expect(classify(timerCall(59_999)).cause).toBe('abnormal_release'); // the 102 is then unexplained
    expect(classify(timerCall(91_000)).cause).toBe('session_timer_expiry');
    expect(classify(timerCall(91_001)).cause).toBe('abnormal_release');
  });

  it('R11: matched only by timing (no failed refresh on the wire, no 102) → lower confidence', () => {
    const v = classify(timerCall(80_000, { refreshStatus: null, reason102: false }));
    expect(v.cause).toBe('session_timer_expiry');
    expect(v.confidence).toBe(0.6);
    expect(v.evidence.map((e) => e.text).join('\n')).toMatch(/No session refresh was sent after the answer/);
  });

  it('R11: a good refresh restarts the window', () => {
    // refreshed OK at 45 s: the window is 105 … 135 s after the answer, so 80 s is not an expiry.
    expect(classify(timerCall(80_000, { refreshStatus: 200, reason102: false })).cause).toBe('agent_bye');
    expect(classify(timerCall(120_000, { refreshStatus: 200 })).cause).toBe('session_timer_expiry');
  });

  describe('no BYE in a signalling-only capture (§3 rule 6: capture_ended "unless rule 5 or 11 explains it")', () => {
    const SIP_ONLY: CaptureCoverage = { window: null, filter: null, signallingOnly: true, signallingOnlyWhy: 'no_rtp' };
    const answerUs = T0_US + 1_000_000;
    /** Refresh re-INVITE at 45 s (status 0: unanswered), no BYE; the capture records on for `tailS` after the last message. */
    function silentCall(tailS: number, refreshStatus: number | null = 0): CallFacts {
      const refreshes = refreshStatus === null ? [] : [{ tsUs: answerUs + 45_000_000, method: 'INVITE', status: refreshStatus, frame: 500 }];
      const f = answeredCall({ endMethod: 'none', talkMs: 45_000, caller: { packets: 0 }, callee: { packets: 0 }, sessionTimer: { seconds: SE, refresher: 'uac', minSe: 90, refreshes } });
      const lastMsgUs = Math.max(...f.messages.map((m) => m.tsUs));
      return { ...f, lastActivityUs: lastMsgUs, captureTailMs: tailS * 1000 };
    }

    it('the window outlasts the expiry with the refresh unanswered → 5 session_timer_expiry (0.8), not capture_ended', () => {
      const f = silentCall(120);
      const v = classify(f, S, null, SIP_ONLY);
      expectVerdict(v, 5, 'session_timer_expiry', 'R11');
      expect(v.path).toContain('R6b');
      expect(v.confidence).toBe(0.8);
      const text = v.evidence.map((e) => e.text).join('\n');
      expect(v.evidence[0].text).toMatch(/^Media could not be checked/);
      expect(text).toMatch(/got no final response/);
      expect(text).toMatch(/No BYE, but the session expired at .* \(1 min 30 s after the answer\)|No BYE, but the session expired at .* \(90 s after the answer\)/);
      expectRefsConsistent(f, v);
    });

    it('no refresh at all: the same verdict at lower confidence', () => {
      const v = classify(silentCall(120, null), S, null, SIP_ONLY);
      expect([v.cause, v.confidence]).toEqual(['session_timer_expiry', 0.6]);
    });

    it('a window that ends before the expiry, a good refresh, or media in the capture: rule 11 does not apply', () => {
      // 45 s + 40 s = 85 s after the answer: the session had not expired yet.
      expect(classify(silentCall(40), S, null, SIP_ONLY).cause).toBe('capture_ended');
      // refreshed OK at 45 s: expires at 135 s, the window (45 + 60 s) ends before.
      expect(classify(silentCall(60, 200), S, null, SIP_ONLY).cause).toBe('capture_ended');
      // Not signalling-only: rule 6 (no_bye_dead_signalling) speaks first.
      expect(classify(silentCall(120), S, null, null).cause).toBe('no_bye_dead_signalling');
    });
  });

  it('R12: LLM time-to-first-token over llmTimeout → 6 llm_timeout; exactly at the timeout is not over it', () => {
    const f = answeredCall({ talkMs: 20_000, endedBy: 'callee' });
    const v = classify(f, S, event(8001));
    expectVerdict(v, 6, 'llm_timeout', 'R12');
    expect(v.evidence[0].ref).toEqual({ kind: 'event', source: 'agent events', line: 7 });
    expect(v.evidence[0].text).toMatch(/time-to-first-token of 8 s, over the LLM timeout of 8 s; the call was ended by the agent/);
    expect(classify(f, S, event(8000)).cause).toBe('agent_bye');
    expect(classify(f, S, event(null)).cause).toBe('agent_bye');
    expect(classify(f, S, null).cause).toBe('agent_bye');
  });

  it('R12 comes after media: silence before the end outranks a slow LLM', () => {
    const f = answeredCall({ talkMs: 20_000, caller: { silenceMs: 9000 }, callee: { silenceMs: 9000 } });
    expect(classify(f, S, event(12_000)).cause).toBe('rtp_timeout_both');
  });

  it('R13: a BYE with a Q.850 Reason other than 16/31 → 5 abnormal_release', () => {
    const f = answeredCall({ talkMs: 3000, reasons: [q850(41, 'Temporary failure')] });
    const v = classify(f);
    expectVerdict(v, 5, 'abnormal_release', 'R13');
    const text = v.evidence.map((e) => e.text).join('\n');
    expect(text).toMatch(/with Reason Q\.850 41 \(Temporary failure\)/);
    expect(text).toMatch(/fail over to a backup route/);
  });

  it('R13: Q.850 16 and 31 are normal clearing', () => {
    expect(classify(answeredCall({ talkMs: 40_000, reasons: [q850(16)] })).cause).toBe('normal_clearing');
    expect(classify(answeredCall({ talkMs: 40_000, reasons: [q850(31)] })).cause).toBe('normal_clearing');
  });
});

describe('answered: who hung up (rules 14–15)', () => {
  it('R14: caller BYE at exactly successDuration → 1 normal_clearing', () => {
    const f = answeredCall({ talkMs: S.successDurationS * 1000 });
    const v = classify(f);
    expectVerdict(v, 1, 'normal_clearing', 'R14');
    expect(v.evidence[0].text).toBe('BYE from the caller (10.0.0.1:5060) at 00:42:41.123 UTC, 30 s after the answer (≥ successDuration 30 s: a completed call).');
    expect(v.evidence[1].text).toMatch(/Media flowed until the end: 100 RTP packets from the caller to the agent side, 100 RTP packets from the agent side to the caller; at most 20 ms of silence/);
    expectRefsConsistent(f, v);
  });

  it('R14b: 1 ms under successDuration → 2 caller_hangup_short', () => {
    expectVerdict(classify(answeredCall({ talkMs: S.successDurationS * 1000 - 1 })), 2, 'caller_hangup_short', 'R14b');
  });

  it('R15: BYE from the agent side → 3 agent_bye', () => {
    const v = classify(answeredCall({ talkMs: 4000, endedBy: 'callee' }));
    expectVerdict(v, 3, 'agent_bye', 'R15');
    expect(v.path).toEqual(['R5', 'R6', 'R6b', 'R7', 'R8', 'R9', 'R10', 'R11', 'R12', 'R13', 'R14', 'R14b', 'R15']);
  });

  it('a 401 challenge followed by an authenticated, answered INVITE is normal set-up', () => {
    const v = classify(answeredCall({ authChallenges: 1, talkMs: 3000 }));
    expectVerdict(v, 2, 'caller_hangup_short', 'R14b');
    expect(v.path[0]).toBe('R5');
  });

  it('IPv6 endpoints are written in brackets in stream refs', () => {
    const v = classify(answeredCall({ callerAddr: '[2001:db8::1]:5060', calleeAddr: '[2001:db8::2]:5060', talkMs: 7500, callee: { silenceMs: 6000 } }));
    expect(v.cause).toBe('rtp_timeout_oneway');
    expect(v.evidence[0].ref).toMatchObject({ kind: 'gap', src: '[2001:db8::2]:50000', dst: '[2001:db8::1]:40000' });
    expect(v.evidence[0].text).toMatch(/\[2001:db8::2\]:50000 → \[2001:db8::1\]:40000/);
  });
});

describe('CDR-only facts (origin cdr)', () => {
  it('no media rules fire without media facts, and confidence is capped at 0.7', () => {
    const f: CallFacts = { ...answeredCall({ talkMs: 60_000, origin: 'cdr' }), streams: [] };
    const v = classify(f);
    expectVerdict(v, 1, 'normal_clearing', 'R14');
    expect(v.confidence).toBe(0.7);
  });

  it('a CDR release cause other than 16/31 → abnormal_release; no releasing side → not classifiable', () => {
    const cdr: CallFacts = { ...answeredCall({ talkMs: 60_000, origin: 'cdr', reasons: [q850(38)] }), streams: [] };
    expect(classify(cdr).cause).toBe('abnormal_release');
    const unknown: CallFacts = { ...answeredCall({ talkMs: 60_000, origin: 'cdr', endMethod: 'none' }), streams: [] };
    const v = classify(unknown);
    expectVerdict(v, null, 'release_side_unknown', 'R15c');
    expect(v.confidence).toBeLessThanOrEqual(0.7);
  });
});

describe('verdict shape', () => {
  it('carries the fix of its cause, the bucket name and the problem flag', () => {
    const v = classify(answeredCall({ talkMs: 7500, callee: { silenceMs: 6000 } }));
    expect(v.fix).toEqual(fixFor('rtp_timeout_oneway'));
    expect(v.bucketName).toBe('media loss / RTP timeout');
    expect(v.problem).toBe(true);
    expect(v.fix.text).toMatch(/nf_conntrack_udp_timeout_stream 3600/);
  });

  it('is pure: the same facts give the same verdict, and the facts are not modified', () => {
    const f = answeredCall({ talkMs: 7500, callee: { silenceMs: 6000 } });
    const before = JSON.stringify(f);
    expect(classify(f)).toEqual(classify(f));
    expect(JSON.stringify(f)).toBe(before);
  });
});
