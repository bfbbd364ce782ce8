// The reference tables of diagnosis.md §4: Q.850 names, SIP responses, the fix catalogue.

import { describe, expect, it } from 'vitest';
import { CAUSE_BUCKETS, FIXED_CAUSE_KEYS, bucketOfCause } from '../../shared/diagnosis/buckets.ts';
import { fixFor } from '../../shared/diagnosis/fix_catalogue.ts';
import { hangupCauseFromName, Q850_CAUSES, q850Cause, q850FromName, q850Name } from '../../shared/diagnosis/q850_causes.ts';
import { SIP_RESPONSES, sipClassOf, sipResponse } from '../../shared/diagnosis/sip_responses.ts';

// Q.850 (05/1998) assigned values, plus 14 and 24 from later amendments.
const ASSIGNED_Q850 = [
  1, 2, 3, 4, 5, 6, 7, 8, 9, 14, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 34, 38, 39, 40, 41, 42, 43, 44, 46, 47, 49, 50, 53, 55, 57, 58, 62, 63, 65, 66, 69,
  70, 79, 81, 82, 83, 84, 85, 86, 87, 88, 90, 91, 95, 96, 97, 98, 99, 100, 101, 102, 103, 110, 111, 127,
];

describe('Q.850 cause table', () => {
  it('names every assigned code, and only those, once', () => {
    expect(Q850_CAUSES.map((c) => c.code)).toEqual(ASSIGNED_Q850);
    for (const c of Q850_CAUSES) {
      expect(c.name.length).toBeGreaterThan(3);
      expect(c.meaning.length).toBeGreaterThan(10);
    }
  });

  it('gives every code 1..127 a name; unassigned ones say which unspecified cause they count as', () => {
    for (let code = 1; code <= 127; code++) expect(q850Name(code)).not.toBe('');
    expect(q850Name(16)).toBe('Normal call clearing');
    expect(q850Name(17)).toBe('User busy');
    expect(q850Name(102)).toBe('Recovery on timer expiry');
    expect(q850Name(127)).toBe('Interworking, unspecified');
    expect(q850Name(10)).toBe('Unassigned cause 10 (treated as 31 Normal, unspecified)');
    expect(q850Name(45)).toMatch(/treated as 47/);
    expect(q850Name(120)).toMatch(/treated as 127/);
  });

  it('carries the §4 advice: provider side for 34/38/41, timers for 102, nothing to do for 16/31', () => {
    for (const code of [34, 38, 41]) {
      expect(q850Cause(code)!.pointsTo).toBe('provider');
      expect(q850Cause(code)!.advice).toMatch(/fail over/);
    }
    expect(q850Cause(102)!.advice).toMatch(/RTP stopped .* session-timer/);
    expect(q850Cause(16)!.pointsTo).toBe('none');
    expect(q850Cause(31)!.pointsTo).toBe('none');
    expect(q850Cause(1)!.sip).toBe(404);
    expect(q850Cause(17)!.sip).toBe(486);
  });

  it('maps FreeSWITCH / Asterisk cause names to Q.850', () => {
    expect(q850FromName('NORMAL_CLEARING')).toBe(16);
    expect(q850FromName('USER_BUSY')).toBe(17);
    expect(q850FromName('NO_USER_RESPONSE')).toBe(18);
    expect(q850FromName('NO_ANSWER')).toBe(19);
    expect(q850FromName('CALL_REJECTED')).toBe(21);
    expect(q850FromName('NORMAL_TEMPORARY_FAILURE')).toBe(41);
    expect(q850FromName('RECOVERY_ON_TIMER_EXPIRE')).toBe(102);
    expect(q850FromName('unallocated_number')).toBe(1);
    expect(q850FromName(' AST_CAUSE_USER_BUSY ')).toBe(17);
    expect(q850FromName('SWITCH_CAUSE_NORMAL_CIRCUIT_CONGESTION')).toBe(34);
    expect(q850FromName('ANSWERED_ELSEWHERE')).toBe(26);
    expect(q850FromName('NO_SUCH_CAUSE')).toBeNull();
    // FreeSWITCH's own causes are reported as Q.850 16 (switch_channel_cause_q850); the name says what happened.
    expect(q850FromName('ORIGINATOR_CANCEL')).toBe(16);
    expect(hangupCauseFromName('ORIGINATOR_CANCEL')).toMatchObject({ vendorCode: 487 });
    expect(hangupCauseFromName('MEDIA_TIMEOUT')!.note).toMatch(/RTP timeout/);
  });
});

describe('SIP response table', () => {
  it('holds the registered codes once, in order, incl. 199, 380, 494, 555, 580, 607, 608', () => {
    const codes = SIP_RESPONSES.map((r) => r.code);
    expect(codes).toEqual([...codes].sort((a, b) => a - b));
    expect(new Set(codes).size).toBe(codes.length);
    for (const c of [100, 180, 183, 199, 200, 302, 380, 400, 401, 403, 404, 407, 408, 480, 481, 486, 487, 488, 494, 500, 503, 504, 555, 580, 600, 603, 604, 606, 607, 608]) {
      expect(sipResponse(c)?.reason, String(c)).toBeTruthy();
    }
  });

  it('gives the §4 / seed 003 advice for the common failures', () => {
    expect(sipResponse(486)!.reason).toBe('Busy Here');
    expect(sipResponse(486)!.advice).toMatch(/Normal/);
    expect(sipResponse(503)!.advice).toMatch(/next route \/ backup provider/);
    expect(sipResponse(503)!.meaning).toMatch(/route-advance/);
    expect(sipResponse(488)!.advice).toMatch(/align the codec/i);
    expect(sipResponse(401)!.advice).toMatch(/credentials/);
    expect(sipResponse(407)!.advice).toMatch(/credentials/);
    expect(sipResponse(403)!.advice).toMatch(/IP authorisation.*ANI/);
    expect(sipResponse(404)!.advice).toMatch(/number data/);
    expect(sipResponse(408)!.advice).toMatch(/network path to the provider/);
    expect(sipResponse(480)!.meaning).toMatch(/offline/);
    expect(sipResponse(603)!.advice).toMatch(/retrying will not help/);
  });

  it('says whether retrying elsewhere can help: never for 6xx', () => {
    for (const r of SIP_RESPONSES.filter((x) => x.code >= 600)) expect(r.retryElsewhere, String(r.code)).toBe(false);
    expect(sipResponse(503)!.retryElsewhere).toBe(true);
    expect(sipResponse(408)!.retryElsewhere).toBe(true);
    expect(sipResponse(404)!.retryElsewhere).toBe(false);
  });

  it('describes unregistered codes by their class', () => {
    expect(sipClassOf(499)).toBe(4);
    expect(sipResponse(499)!.meaning).toMatch(/Client error/);
    expect(sipResponse(99)).toBeNull();
  });
});

describe('fix catalogue', () => {
  it('has a fix for every cause key of §2, with a title, a text and checks', () => {
    for (const key of FIXED_CAUSE_KEYS) {
      const fix = fixFor(key);
      expect(fix.title.length, key).toBeGreaterThan(10);
      expect(fix.text.length, key).toBeGreaterThan(40);
      expect(fix.checks.length, key).toBeGreaterThan(0);
    }
    expect(FIXED_CAUSE_KEYS).toHaveLength(18);
  });

  it('resolves sip_<code> through the SIP table, with a generic fix per class', () => {
    expect(fixFor('sip_503').title).toBe('503 Service Unavailable: Configure the next route / backup provider (capacity or LCR route-advance)');
    expect(fixFor('sip_488').text).toMatch(/Codec mismatch/);
    expect(fixFor('sip_603').text).toMatch(/will not help/);
    expect(fixFor('sip_499').title).toMatch(/^499 .*Fix the request on the originating side/);
    expect(fixFor('sip_599').title).toMatch(/Fail over/);
    expect(fixFor('sip_699').title).toMatch(/retrying will not help/);
    for (const r of SIP_RESPONSES.filter((x) => x.code >= 300)) expect(fixFor(`sip_${r.code}`).checks.length).toBeGreaterThan(0);
  });

  it('carries the numbers of §4: conntrack, keepalive, session timer values', () => {
    expect(fixFor('rtp_timeout_oneway').text).toMatch(/nf_conntrack_udp_timeout_stream 3600, nf_conntrack_udp_timeout 300/);
    expect(fixFor('rtp_timeout_oneway').text).toMatch(/OPTIONS keepalive every 30 s, RTP keepalive every 20 s.*60 s/);
    expect(fixFor('rtp_timeout_both').text).toMatch(/workaround, not a fix/);
    expect(fixFor('session_timer_expiry').text).toMatch(/1800–3600 s, Min-SE 90, refresher = uac/);
    expect(fixFor('abnormal_release').text).toMatch(/ASR thresholds below 80 %/);
    expect(fixFor('server_dead_bye_unanswered').checks.join(' ')).toMatch(/CPU.*memory.*disk[\s\S]*[Dd]atabase[\s\S]*SIP flood/);
  });

  it('knows the bucket of every key', () => {
    expect(bucketOfCause('sip_486')).toBe(5);
    for (const [key, bucket] of Object.entries(CAUSE_BUCKETS)) expect(bucketOfCause(key as keyof typeof CAUSE_BUCKETS)).toBe(bucket);
  });
});
