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

import {
  CdrRowParser,
  collectCsv,
  makeRecord,
  normHeader,
  parseNum,
  parseSipCode,
  parseTimeUs,
  q850FromCause,
  rawFromColumns,
  RowTimes,
  shown,
  startProblem,
  type CdrEmitter,
  type CdrParseResult,
  type TimeFormat,
} from './cdr_common.ts';
import type { CsvItem } from './csv_reader.ts';

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
      const cols = header === null ? 'a file without header: use 1-based column numbers' : `columns: ${header.slice(0, 40).map((h) => shown(h)).join(', ')}`;
      return `column mapping: '${key}' refers to column '${ref}', which is not in the file (${cols})`;
    }
    out.set(key, idx);
  }
  return out;
}

/** Rows of a CSV read through a column mapping, one CSV item at a time. */
export class MappedRowParser extends CdrRowParser {
  private readonly hasHeader: boolean;
  private readonly tf: TimeFormat;
  private header: string[] | null = null;
  private cols: Map<MappedField, number> | null = null;

  constructor(
    out: CdrEmitter,
    private readonly mapping: ColumnMapping,
  ) {
    super('mapped_csv', out);
    const bad = validateMapping(mapping);
    if (bad !== null) this.error = bad;
    this.hasHeader = mapping.hasHeader !== false;
    this.tf = mapping.timeFormat ?? 'auto';
  }

  item(item: CsvItem): void {
    if (this.cols === null) {
      if (this.hasHeader) {
        if (item.kind !== 'row') {
          this.rowsIn = 1;
          this.problem(item.line, item.message);
          this.error = 'the header row is unreadable';
          return;
        }
        this.header = item.fields.map((f) => f.trim());
        const r = resolveColumns(this.mapping, this.header);
        if (typeof r === 'string') this.error = r;
        else this.cols = r;
        return;
      }
      const r = resolveColumns(this.mapping, null);
      if (typeof r === 'string') {
        this.error = r;
        return;
      }
      this.cols = r;
    }
    const cols = this.cols;
    const tf = this.tf;
    this.rowsIn++;
    if (item.kind === 'problem') {
      this.problem(item.line, item.message);
      return;
    }
    const f = item.fields;
    const get = (k: MappedField): string | undefined => {
      const i = cols.get(k);
      return i === undefined ? undefined : f[i];
    };
    const startRaw = get('start');
    const startUs = parseTimeUs(startRaw, tf);
    if (startUs === null) {
      this.problem(item.line, startRaw === undefined ? `row has ${f.length} columns, the start column is missing` : startProblem('start time', startRaw, tf));
      return;
    }
    const times = new RowTimes();
    const rec = makeRecord('mapped_csv', item.line, rawFromColumns(this.header ?? [], f));
    rec.startUs = startUs;
    rec.answerUs = times.read('answer time', get('answer'), tf);
    rec.endUs = times.read('end time', get('end'), tf);
    if (times.problem !== null) {
      this.problem(item.line, times.problem);
      return;
    }
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
    this.accept(rec);
  }
}

export function parseMappedCsv(text: string, mapping: ColumnMapping): CdrParseResult {
  return collectCsv(text, (out) => new MappedRowParser(out, mapping), { delimiter: mapping.delimiter });
}
