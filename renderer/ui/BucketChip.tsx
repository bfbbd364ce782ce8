import { bucketKeyOf } from '../lib/call_filter.ts';
import { bucketFull, bucketShort, bucketVar } from '../lib/bucket_labels.ts';

/** A bucket as a coloured chip; the number stays visible so colour is never the only cue. */
export function BucketChip({ bucket, compact = false }: { bucket: number | null; compact?: boolean }) {
  const k = bucketKeyOf(bucket);
  return (
    <span className="chip" style={{ ['--chip' as string]: bucketVar(k) }} title={`${k === 'none' ? '' : `Bucket ${k}: `}${bucketFull(k)}`}>
      <span className="chip-num">{k === 'none' ? '–' : k}</span>
      {!compact && <span className="chip-text">{bucketShort(k)}</span>}
    </span>
  );
}
