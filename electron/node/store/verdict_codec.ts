// How a verdict is kept in calls.verdict_json (schema v8): only what the classifier worked
// out for this call — confidence, evidence and the rule path. The bucket and cause are
// columns of the same row, and the bucket's name, whether it is a problem, and the fix are
// functions of those two (buckets.ts, fix_catalogue.ts), so they are rebuilt when the verdict
// is read instead of being written again for every call (they were two thirds of its bytes).
// A verdict written before v8 holds every field and is read as it is.
// One more input of the fix is kept: whether media could be seen (a signalling-only capture
// or a CDR row could not), since a few fixes are worded differently then (fix_catalogue.ts).

import { bucketName, isProblemBucket } from '../../../shared/diagnosis/buckets.ts';
import { fixFor } from '../../../shared/diagnosis/fix_catalogue.ts';
import type { Bucket, CauseKey, Evidence, Verdict } from '../../../shared/model/verdict.ts';

/** What verdict_json holds from v8 on. */
interface StoredVerdict {
  confidence: number;
  evidence: Evidence[];
  path: string[];
  /** Present (false) when the fix was chosen for a call whose media could not be seen. */
  mediaSeen?: false;
}

export function encodeVerdict(v: Verdict): string {
  const stored: StoredVerdict = { confidence: v.confidence, evidence: v.evidence, path: v.path };
  if (v.cause !== null && v.fix.text !== fixFor(v.cause).text && v.fix.text === fixFor(v.cause, { mediaSeen: false }).text) stored.mediaSeen = false;
  return JSON.stringify(stored);
}

/** The verdict of a row from its verdict_json and its bucket and cause columns. */
export function decodeVerdict(json: string, bucket: number | null, cause: string | null): Verdict {
  const v = JSON.parse(json) as StoredVerdict | Verdict;
  if ('fix' in v || cause === null) return v as Verdict; // written whole (before v8)
  const b = bucket as Bucket | null;
  const c = cause as CauseKey;
  return { bucket: b, bucketName: bucketName(b), cause: c, problem: isProblemBucket(b), fix: fixFor(c, { mediaSeen: v.mediaSeen !== false }), confidence: v.confidence, evidence: v.evidence, path: v.path };
}
