// classify(): the verdict of diagnosis.md §3 for one call — a pure function of the engine's
// facts, the settings and (optionally) the agent's close-of-call event. It walks the decision
// tree of decision_tree.ts for the call's branch, first match wins, and records every rule
// it tried in `path`.

import type { CallFacts } from '../model/call.ts';
import type { AgentEvent } from '../model/cdr.ts';
import type { CauseKey, DiagnosisSettings, Verdict } from '../model/verdict.ts';
import { DEFAULT_SETTINGS } from '../model/verdict.ts';
import { bucketName, bucketOfCause, isProblemBucket } from './buckets.ts';
import { buildCallView } from './call_view.ts';
import { branchOf, rulesOf } from './decision_tree.ts';
import { fixFor } from './fix_catalogue.ts';

/** §5: a verdict resting on a CDR row alone is never more certain than this. */
export const CDR_MAX_CONFIDENCE = 0.7;

export function classify(facts: CallFacts, settings: DiagnosisSettings = DEFAULT_SETTINGS, event: AgentEvent | null = null): Verdict {
  const view = buildCallView(facts, settings, event);
  const path: string[] = [];
  for (const rule of rulesOf(branchOf(view))) {
    path.push(rule.id);
    const match = rule.test(view);
    if (!match) continue;
    const cause: CauseKey = match.cause ?? (rule.outcome.cause as CauseKey);
    const bucket = rule.outcome.bucket ?? bucketOfCause(cause);
    const confidence = view.isCdr ? Math.min(match.confidence, CDR_MAX_CONFIDENCE) : match.confidence;
    return {
      bucket,
      bucketName: bucketName(bucket),
      cause,
      problem: isProblemBucket(bucket),
      fix: fixFor(cause),
      confidence,
      evidence: match.evidence,
      path,
    };
  }
  // Each branch ends with a catch-all rule (R4b, R15b), so this is unreachable.
  throw new Error(`decision tree has no catch-all for call ${facts.callId}`);
}
