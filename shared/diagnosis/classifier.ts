// classify(): the verdict of diagnosis.md §3 for one call — a pure function of the engine's
// facts, the settings and (optionally) the agent's close-of-call event. It walks the decision
// tree of decision_tree.ts for the call's branch, first match wins, and records every rule
// it tried in `path`.

import type { CallFacts } from '../model/call.ts';
import type { CaptureCoverage } from '../model/capture.ts';
import type { AgentEvent } from '../model/cdr.ts';
import type { CauseKey, DiagnosisSettings, Evidence, Verdict } from '../model/verdict.ts';
import { DEFAULT_SETTINGS } from '../model/verdict.ts';
import { bucketName, bucketOfCause, isProblemBucket } from './buckets.ts';
import { buildCallView } from './call_view.ts';
import { branchOf, rulesOf } from './decision_tree.ts';
import { fixFor } from './fix_catalogue.ts';

/** §5: a verdict resting on a CDR row alone is never more certain than this. */
export const CDR_MAX_CONFIDENCE = 0.7;
/** §3 rule 8: an answered call's verdict from a signalling-only capture is never more certain than this. */
export const SIGNALLING_ONLY_MAX_CONFIDENCE = 0.8;

/**
 * `coverage` is what the call's capture says as a whole (window, filter, signalling-only);
 * null for CDR-only calls, or when unknown (then media is taken to have been captured).
 */
export function classify(facts: CallFacts, settings: DiagnosisSettings = DEFAULT_SETTINGS, event: AgentEvent | null = null, coverage: CaptureCoverage | null = null): Verdict {
  const view = buildCallView(facts, settings, event, coverage);
  const path: string[] = [];
  for (const rule of rulesOf(branchOf(view))) {
    path.push(rule.id);
    const match = rule.test(view);
    if (!match) continue;
    const cause: CauseKey = match.cause ?? (rule.outcome.cause as CauseKey);
    const bucket = rule.outcome.bucket ?? bucketOfCause(cause);
    let confidence = view.isCdr ? Math.min(match.confidence, CDR_MAX_CONFIDENCE) : match.confidence;
    let evidence = match.evidence;
    if (view.signallingOnly && view.facts.answered) {
      // Rules 7–10 were skipped: say so first, and never claim full certainty.
      confidence = Math.min(confidence, SIGNALLING_ONLY_MAX_CONFIDENCE);
      evidence = [signallingOnlyEvidence(coverage!), ...evidence];
    }
    return {
      bucket,
      bucketName: bucketName(bucket),
      cause,
      problem: isProblemBucket(bucket),
      // Media not seen (signalling-only capture, CDR row): no fix text may claim it flowed.
      fix: fixFor(cause, { mediaSeen: !view.signallingOnly && !view.isCdr }),
      confidence,
      evidence,
      path,
    };
  }
  // Each branch ends with a catch-all rule (R4b, R15b), so this is unreachable.
  throw new Error(`decision tree has no catch-all for call ${facts.callId}`);
}

function signallingOnlyEvidence(c: CaptureCoverage): Evidence {
  const why = c.signallingOnlyWhy === 'filter'
    ? `its recorded capture filter (${c.filter}) leaves RTP out`
    : 'no call in it carried RTP or RTCP and it recorded no capture filter (typically `tcpdump port 5060`)';
  return {
    text: `Media could not be checked: the capture is signalling-only (${why}). Silence, one-way audio and RTP timeouts cannot be seen, so this verdict rests on the signalling alone.`,
    tsUs: null,
    ref: { kind: 'capture', what: 'start' },
  };
}
