// The end-to-end verdict (shared/diagnosis/end_to_end.ts) on hand-made leg verdicts: the leg
// that failed first, judged by when its failure began, not by when its call ended.

import { describe, expect, it } from 'vitest';
import { endToEndVerdict, type LegVerdictInput } from '../../shared/diagnosis/end_to_end.ts';
import { fixFor } from '../../shared/diagnosis/fix_catalogue.ts';
import { bucketName, bucketOfCause, isProblemBucket } from '../../shared/diagnosis/buckets.ts';
import type { CauseKey, Verdict } from '../../shared/model/verdict.ts';

function verdict(cause: CauseKey, atUs: number): Verdict {
  const bucket = bucketOfCause(cause);
  return { bucket, bucketName: bucketName(bucket), cause, problem: isProblemBucket(bucket), fix: fixFor(cause), confidence: 1, evidence: [{ text: `${cause} evidence`, tsUs: atUs, ref: null }], path: [] };
}

const leg = (callId: string, cause: CauseKey, f: Partial<LegVerdictInput['facts']>): LegVerdictInput => ({
  callId,
  facts: { inviteUs: 0, startUs: 0, answerUs: null, endUsAt: null, endUs: 0, streams: [], ...f },
  verdict: verdict(cause, f.endUsAt ?? f.inviteUs ?? 0),
});

describe('endToEndVerdict', () => {
  it('an outbound INVITE never answered failed at its first transmission, before the inbound 480 that followed Timer B', () => {
    const v = endToEndVerdict([
      leg('in', 'sip_480', { inviteUs: 0, endUsAt: 32_100_000, endUs: 32_100_000 }),
      leg('out', 'invite_no_response', { inviteUs: 10_000, endUs: 31_000_000 }),
    ], 0.7);
    expect(v).toMatchObject({ cause: 'invite_no_response', fromLeg: 'out', confidence: 0.7 });
    expect(v!.evidence.map((e) => e.leg)).toEqual(['out', 'out', 'in']);
  });

  it('no failing leg: the first leg (the caller) gives the verdict, at its own confidence', () => {
    const v = endToEndVerdict([leg('in', 'caller_hangup_short', { endUsAt: 5e6 }), leg('out', 'cancel_487', { endUsAt: 5.1e6 })], 0.6);
    expect(v).toMatchObject({ cause: 'caller_hangup_short', fromLeg: 'in', confidence: 1 });
  });

  it("the caller's short hang-up is explained by the outbound 503 on the other leg", () => {
    const v = endToEndVerdict([leg('in', 'caller_hangup_short', { answerUs: 1e6, endUsAt: 9e6 }), leg('out', 'sip_503', { inviteUs: 2e6, endUsAt: 2.3e6 })]);
    expect(v).toMatchObject({ cause: 'sip_503', bucket: 5, problem: true, fromLeg: 'out' });
  });
});
