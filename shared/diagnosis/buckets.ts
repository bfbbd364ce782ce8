// The seven buckets of diagnosis.md §2 (seed 000's taxonomy) and the fixed cause keys, as
// data: names, whether a bucket is a problem (buckets 4–7), and which bucket a key belongs to.

import type { Bucket, CauseKey } from '../model/verdict.ts';

export interface BucketInfo {
  bucket: Bucket;
  name: string;
  /** §2 "problem?": buckets 4–7 are problems and count towards the hourly alert (§6). */
  problem: boolean;
}

export const BUCKETS: Readonly<Record<Bucket, BucketInfo>> = {
  1: { bucket: 1, name: 'caller hung up after success', problem: false },
  2: { bucket: 2, name: 'caller hung up early / before answer', problem: false },
  3: { bucket: 3, name: 'agent ended the call', problem: false },
  4: { bucket: 4, name: 'media loss / RTP timeout', problem: true },
  5: { bucket: 5, name: 'SIP error', problem: true },
  6: { bucket: 6, name: 'LLM timeout', problem: true },
  7: { bucket: 7, name: 'media server crash / far end dead', problem: true },
};

export const NOT_CLASSIFIABLE_NAME = 'not classifiable';

export function bucketName(bucket: Bucket | null): string {
  return bucket === null ? NOT_CLASSIFIABLE_NAME : BUCKETS[bucket].name;
}

export function isProblemBucket(bucket: Bucket | null): boolean {
  return bucket !== null && BUCKETS[bucket].problem;
}

/** Every fixed cause key of §2 with its bucket (null = not classifiable). `sip_<code>` keys are bucket 5. */
export const CAUSE_BUCKETS = {
  normal_clearing: 1,
  caller_hangup_short: 2,
  cancel_487: 2,
  agent_bye: 3,
  rtp_timeout_both: 4,
  rtp_timeout_oneway: 4,
  one_way_audio: 4,
  no_media: 4,
  provider_reject_487: 5,
  session_timer_expiry: 5,
  abnormal_release: 5,
  llm_timeout: 6,
  no_bye_dead_signalling: 7,
  server_dead_bye_unanswered: 7,
  invite_no_response: 7,
  capture_ended: null,
  in_progress: null,
  release_side_unknown: null,
} as const satisfies Record<Exclude<CauseKey, `sip_${number}`>, Bucket | null>;

export type FixedCauseKey = keyof typeof CAUSE_BUCKETS;

export const FIXED_CAUSE_KEYS = Object.keys(CAUSE_BUCKETS) as FixedCauseKey[];

/** `sip_503` → 503; null for the fixed keys. */
export function sipCodeOfCause(cause: CauseKey): number | null {
  const m = /^sip_(\d{3})$/.exec(cause);
  return m ? Number(m[1]) : null;
}

export function bucketOfCause(cause: CauseKey): Bucket | null {
  if (sipCodeOfCause(cause) !== null) return 5;
  return CAUSE_BUCKETS[cause as FixedCauseKey] ?? null;
}
