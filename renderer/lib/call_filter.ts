// The call-list filter as the UI edits it, and the CallFilter the API receives. Kept as plain
// functions so the dashboard ("click a bar → the calls behind it") and the filter bar build
// exactly the same query, and so it is tested without a browser.

import type { CallCursor, CallFilter, CallQuery, CallRow, CallSortKey } from '../../shared/api/contract.ts';
import { dateFromUs } from '../../shared/model/time.ts';

export const HOUR_US = 3_600_000_000;

/** Bucket keys as the dashboard names them; 'none' = not classifiable, which the API calls 0. */
export type BucketKey = '1' | '2' | '3' | '4' | '5' | '6' | '7' | 'none';
export const BUCKET_KEYS: readonly BucketKey[] = ['1', '2', '3', '4', '5', '6', '7', 'none'];

export function bucketKeyToFilter(k: BucketKey): number {
  return k === 'none' ? 0 : Number(k);
}

export function bucketKeyOf(bucket: number | null): BucketKey {
  return bucket === null || bucket === 0 ? 'none' : (String(bucket) as BucketKey);
}

export interface CallSort {
  key: CallSortKey;
  descending: boolean;
}

export const DEFAULT_SORT: CallSort = { key: 'startUs', descending: false };

/**
 * Sorting a column the first time: worst first for quality columns (that is what one looks
 * for), chronological for time, ascending otherwise. Clicking the same column flips it.
 */
const DESCENDING_FIRST: ReadonlySet<CallSortKey> = new Set<CallSortKey>(['durationMs', 'pddMs', 'worstLossPct', 'worstJitterMs', 'longestGapMs', 'bucket', 'finalStatus']);

export function nextSort(current: CallSort, key: CallSortKey): CallSort {
  if (current.key === key) return { key, descending: !current.descending };
  return { key, descending: DESCENDING_FIRST.has(key) };
}

/** Removes empty members so equal filters compare (and cache) equal. */
export function normalizeFilter(f: CallFilter): CallFilter {
  const out: CallFilter = {};
  if (f.sourceIds && f.sourceIds.length) out.sourceIds = [...f.sourceIds].sort((a, b) => a - b);
  if (f.buckets && f.buckets.length) out.buckets = [...new Set(f.buckets)].sort((a, b) => a - b);
  if (f.causes && f.causes.length) out.causes = [...new Set(f.causes)].sort();
  if (f.finalStatuses && f.finalStatuses.length) out.finalStatuses = [...new Set(f.finalStatuses)].sort((a, b) => a - b);
  if (f.peer && f.peer.trim()) out.peer = f.peer.trim();
  if (f.fromUs !== undefined && Number.isFinite(f.fromUs)) out.fromUs = f.fromUs;
  if (f.toUs !== undefined && Number.isFinite(f.toUs)) out.toUs = f.toUs;
  if (f.text && f.text.trim()) out.text = f.text.trim();
  if (f.includeOther) out.includeOther = true;
  if (f.groupLegs) out.groupLegs = true;
  return out;
}

export function filterKey(f: CallFilter, sort: CallSort): string {
  return JSON.stringify([normalizeFilter(f), sort.key, sort.descending]);
}

/** Whether nothing narrows the list (grouping legs is a way of showing it, not a filter). */
export function isFilterEmpty(f: CallFilter): boolean {
  const { groupLegs: _g, ...rest } = normalizeFilter(f);
  return Object.keys(rest).length === 0;
}

/** The list position of a row for keyset paging: its value of the sort key and its id. */
export function cursorOf(row: CallRow, sort: CallSort): CallCursor {
  const v = row[sort.key];
  return { value: typeof v === 'number' ? v : null, id: row.id };
}

export function buildQuery(f: CallFilter, sort: CallSort, offset: number, limit: number, near?: { after?: CallRow; before?: CallRow }): CallQuery {
  const q: CallQuery = { filter: normalizeFilter(f), sort: { key: sort.key, descending: sort.descending }, offset, limit };
  if (near?.after) q.after = cursorOf(near.after, sort);
  else if (near?.before) q.before = cursorOf(near.before, sort);
  return q;
}

export function toggleIn<T>(list: readonly T[] | undefined, v: T): T[] {
  const l = list ?? [];
  return l.includes(v) ? l.filter((x) => x !== v) : [...l, v];
}

/** '486, 503 6xx' → [486, 503, 600…699]; invalid parts are reported, not dropped silently. */
export function parseStatusList(text: string): { codes: number[]; invalid: string[] } {
  const codes: number[] = [];
  const invalid: string[] = [];
  for (const part of text.split(/[\s,;]+/).filter(Boolean)) {
    const cls = /^([1-6])xx$/i.exec(part);
    if (cls) {
      const base = Number(cls[1]) * 100;
      for (let c = base; c < base + 100; c++) codes.push(c);
    } else if (/^[1-6]\d\d$/.test(part)) codes.push(Number(part));
    else invalid.push(part);
  }
  return { codes: [...new Set(codes)], invalid };
}

/** The inverse for display: whole classes collapse back to '5xx'. */
export function formatStatusList(codes: readonly number[] | undefined): string {
  if (!codes || codes.length === 0) return '';
  const set = new Set(codes);
  const out: string[] = [];
  for (let cls = 1; cls <= 6; cls++) {
    const base = cls * 100;
    let all = true;
    for (let c = base; c < base + 100; c++) if (!set.has(c)) all = false;
    if (all) {
      out.push(`${cls}xx`);
      for (let c = base; c < base + 100; c++) set.delete(c);
    }
  }
  return [...out, ...[...set].sort((a, b) => a - b).map(String)].join(', ');
}

/** The dashboard's hour × bucket segment as a filter: that bucket, within that UTC hour. */
export function hourBucketFilter(hourStartUs: number, bucket: BucketKey): CallFilter {
  // The back end reads [fromUs, toUs): the next hour starts exactly where this one ends.
  return { buckets: [bucketKeyToFilter(bucket)], fromUs: hourStartUs, toUs: hourStartUs + HOUR_US };
}

// <input type="datetime-local"> has no zone; we read and write it as UTC, like every time shown.

/** µs → 'YYYY-MM-DDTHH:MM:SS' for a datetime-local input (UTC). */
export function usToLocalInput(us: number | undefined): string {
  if (us === undefined) return '';
  const d = dateFromUs(us, Math.floor);
  return d ? d.toISOString().slice(0, 19) : '';
}

/** The datetime-local value (taken as UTC) → µs; undefined when empty or invalid. */
export function localInputToUs(value: string): number | undefined {
  if (!value) return undefined;
  const ms = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(value) ? value : `${value}Z`);
  return Number.isFinite(ms) ? ms * 1000 : undefined;
}

export interface FilterChip {
  /** Which part of the filter it shows (removing the chip clears that part). */
  part: keyof CallFilter;
  label: string;
}

/** One chip per active part, for the "what am I looking at" line above the table. */
export function filterChips(f: CallFilter, names: { bucket: (b: number) => string }): FilterChip[] {
  const n = normalizeFilter(f);
  const chips: FilterChip[] = [];
  if (n.buckets) chips.push({ part: 'buckets', label: `bucket ${n.buckets.map((b) => (b === 0 ? names.bucket(0) : `${b} ${names.bucket(b)}`)).join(' | ')}` });
  if (n.causes) chips.push({ part: 'causes', label: `cause ${n.causes.join(' | ')}` });
  if (n.finalStatuses) chips.push({ part: 'finalStatuses', label: `final ${formatStatusList(n.finalStatuses)}` });
  if (n.peer) chips.push({ part: 'peer', label: `peer ${n.peer}` });
  if (n.fromUs !== undefined) chips.push({ part: 'fromUs', label: `from ${usToLocalInput(n.fromUs).replace('T', ' ')} UTC` });
  if (n.toUs !== undefined) chips.push({ part: 'toUs', label: `before ${usToLocalInput(n.toUs).replace('T', ' ')} UTC` });
  if (n.text) chips.push({ part: 'text', label: `“${n.text}”` });
  if (n.sourceIds) chips.push({ part: 'sourceIds', label: `${n.sourceIds.length} source${n.sourceIds.length > 1 ? 's' : ''}` });
  if (n.includeOther) chips.push({ part: 'includeOther', label: 'with REGISTER/OPTIONS…' });
  return chips;
}

export function withoutPart(f: CallFilter, part: keyof CallFilter): CallFilter {
  const copy = { ...f };
  delete copy[part];
  return copy;
}
