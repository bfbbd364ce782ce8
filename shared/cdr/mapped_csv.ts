// Any other CSV CDR export, read through a column mapping the user saved (diagnosis.md §5:
// "An unknown CSV gets a column-mapping step, not a rejection").
//
// A ColumnMapping names, for each CdrRecord field, the header of the column holding it
// (matched exactly first, then case/space/punctuation-insensitively). With hasHeader
// false the values are 1-based column numbers ("3"). from, to and start are required.
// Value conventions:
//   - times: timeFormat 'auto' (default) accepts ISO 8601, 'YYYY-MM-DD HH:MM:SS' (read as
//     UTC when no zone), RFC 2822 and epoch seconds/ms/µs by magnitude; the other values
//     force one reading;
//   - q850Cause: a number 0..127 or a cause name (NORMAL_CLEARING, USER_BUSY…);
//   - sipCode: 100..699;
//   - endedBy: values starting with caller/calling/orig/from/a-party/0 → caller,
//     callee/called/dest/term/to/b-party/1 → callee, anything else null;
//   - answered: true when the row has an answer time or billsec > 0; false when the answer
//     or billsec column is mapped but empty/0; else from a mapped SIP code (2xx); else null.

import type { CdrRecord, RowProblem } from '../model/cdr.ts';
import {
  csvRows,
  makeRecord,
  normHeader,
  parseNum,
  parseSipCode,
  parseTimeUs,
  q850FromCause,
  rawFromColumns,
  type CdrParseResult,
  type TimeFormat,
} from './cdr_common.ts';

export interface ColumnMapping {
  callId?: string;
  from: string;
  to: string;
  start: string;
  answer?: string;
  end?: string;
  duration?: string;
  billsec?: string;
  disposition?: string;
  q850Cause?: string;
  sipCode?: string;
  endedBy?: string;
  peer?: string;
  timeFormat?: TimeFormat;
  /** Default true. When false, column references are 1-based numbers. */
  hasHeader?: boolean;
  /** Field separator, default ','. */
  delimiter?: string;
}

const MAPPED_FIELDS = ['callId', 'from', 'to', 'start', 'answer', 'end', 'duration', 'billsec', 'disposition', 'q850Cause', 'sipCode', 'endedBy', 'peer'] as const;
type MappedField = (typeof MAPPED_FIELDS)[number];

/** Checks a mapping loaded from JSON; returns the problem or null. */
export function validateMapping(m: unknown): string | null {
  if (m === null || typeof m !== 'object') return 'column mapping must be an object';
  const o = m as Record<string, unknown>;
  for (const k of ['from', 'to', 'start']) {
    if (typeof o[k] !== 'string' || (o[k] as string) === '') return `column mapping needs '${k}' (the column holding it)`;
  }
  for (const k of MAPPED_FIELDS) {
    if (o[k] !== undefined && typeof o[k] !== 'string') return `column mapping '${k}' must be a column name (string)`;
  }
  return null;
}

export function endedByFromText(v: string | undefined): 'caller' | 'callee' | null {
  const t = (v ?? '').trim().toLowerCase();
  if (t === '') return null;
  if (/^(caller|calling|orig|from|a[-_ ]?party|a[-_ ]?leg|0$)/.test(t)) return 'caller';
  if (/^(callee|called|dest|term|to$|b[-_ ]?party|b[-_ ]?leg|1$)/.test(t)) return 'callee';
  return null;
}

function resolveColumns(mapping: ColumnMapping, header: readonly string[] | null): Map<MappedField, number> | string {
  const out = new Map<MappedField, number>();
  for (const key of MAPPED_FIELDS) {
    const ref = mapping[key];
    if (ref === undefined || ref === '') continue;
    let idx = -1;
    if (header === null) {
      const n = Number(ref);
      if (Number.isInteger(n) && n >= 1) idx = n - 1;
    } else {
      idx = header.indexOf(ref);
      if (idx < 0) {
        const want = normHeader(ref);
        idx = header.findIndex((h) => normHeader(h) === want);
      }
    }
    if (idx < 0) {
      const cols = header === null ? 'a file without header: use 1-based column numbers' : `columns: ${header.slice(0, 40).join(', ')}`;
      return `column mapping: '${key}' refers to column '${ref}', which is not in the file (${cols})`;
    }
    out.set(key, idx);
  }
  return out;
}

export function parseMappedCsv(text: string, mapping: ColumnMapping): CdrParseResult {
  const bad = validateMapping(mapping);
  if (bad !== null) return { format: 'mapped_csv', records: [], problems: [], rowsIn: 0, rowsUsed: 0, error: bad };
  const hasHeader = mapping.hasHeader !== false;
  const tf: TimeFormat = mapping.timeFormat ?? 'auto';
  const records: CdrRecord[] = [];
  const problems: RowProblem[] = [];
  let rowsIn = 0;
  let header: string[] | null = null;
  let cols: Map<MappedField, number> | null = null;
  for (const item of csvRows(text, { delimiter: mapping.delimiter })) {
    if (cols === null) {
      if (hasHeader) {
        if (item.kind !== 'row') {
          return { format: 'mapped_csv', records, problems: [{ line: item.line, message: item.message }], rowsIn: 1, rowsUsed: 0, error: 'the header row is unreadable' };
        }
        header = item.fields.map((f) => f.trim());
        const r = resolveColumns(mapping, header);
        if (typeof r === 'string') return { format: 'mapped_csv', records, problems, rowsIn, rowsUsed: 0, error: r };
        cols = r;
        continue;
      }
      const r = resolveColumns(mapping, null);
      if (typeof r === 'string') return { format: 'mapped_csv', records, problems, rowsIn, rowsUsed: 0, error: r };
      cols = r;
    }
    rowsIn++;
    if (item.kind === 'problem') {
      problems.push({ line: item.line, message: item.message });
      continue;
    }
    const f = item.fields;
    const get = (k: MappedField): string | undefined => {
      const i = cols?.get(k);
      return i === undefined ? undefined : f[i];
    };
    const startRaw = get('start');
    const startUs = parseTimeUs(startRaw, tf);
    if (startUs === null) {
      problems.push({ line: item.line, message: startRaw === undefined ? `row has ${f.length} columns, the start column is missing` : `unreadable start time '${startRaw.slice(0, 40)}'` });
      continue;
    }
    const rec = makeRecord('mapped_csv', item.line, rawFromColumns(header ?? [], f));
    rec.startUs = startUs;
    rec.answerUs = parseTimeUs(get('answer'), tf);
    rec.endUs = parseTimeUs(get('end'), tf);
    rec.from = get('from') ?? '';
    rec.to = get('to') ?? '';
    rec.callId = get('callId') || null;
    rec.durationS = parseNum(get('duration'));
    rec.billsecS = parseNum(get('billsec'));
    if (rec.durationS === null && rec.endUs !== null) rec.durationS = Math.round((rec.endUs - startUs) / 1000) / 1000;
    rec.disposition = (get('disposition') ?? '').trim();
    rec.q850Cause = q850FromCause(get('q850Cause'));
    rec.sipCode = parseSipCode(get('sipCode'));
    rec.endedBy = endedByFromText(get('endedBy'));
    rec.peer = get('peer') ?? '';
    if (rec.answerUs !== null || (rec.billsecS !== null && rec.billsecS > 0)) rec.answered = true;
    else if (cols.has('answer') || cols.has('billsec')) rec.answered = false;
    else if (rec.sipCode !== null) rec.answered = rec.sipCode >= 200 && rec.sipCode < 300;
    records.push(rec);
  }
  return { format: 'mapped_csv', records, problems, rowsIn, rowsUsed: records.length, error: null };
}
