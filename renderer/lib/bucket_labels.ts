// Bucket names for tight places (a chip in a 28 px row); the full names of diagnosis.md §2
// come from shared/diagnosis/buckets.ts and show as tooltips and in the legend.

import { BUCKETS, NOT_CLASSIFIABLE_NAME } from '../../shared/diagnosis/buckets.ts';
import type { Bucket } from '../../shared/model/verdict.ts';
import type { BucketKey } from './call_filter.ts';

const SHORT: Record<BucketKey, string> = {
  1: 'success',
  2: 'early hang-up',
  3: 'agent ended',
  4: 'media loss',
  5: 'SIP error',
  6: 'LLM timeout',
  7: 'far end dead',
  none: 'unclassified',
};

export function bucketShort(k: BucketKey): string {
  return SHORT[k];
}

export function bucketFull(k: BucketKey): string {
  return k === 'none' ? NOT_CLASSIFIABLE_NAME : BUCKETS[Number(k) as Bucket].name;
}

export function isProblemKey(k: BucketKey): boolean {
  return k !== 'none' && BUCKETS[Number(k) as Bucket].problem;
}

/** The CSS variable of theme.css for a bucket. */
export function bucketVar(k: BucketKey): string {
  return `var(--bucket-${k})`;
}
