// Helpers shared by the CDR parsers: time and number parsing, the hangup-cause name table,
// and the result shape every parser returns.

import type { CdrFormat, CdrRecord, RowProblem } from '../model/cdr.ts';
import { readCsv, type CsvItem, type CsvReaderOptions } from './csv_reader.ts';

/**
 * What every CDR parser returns.
 *
 * Invariant: rowsIn = rowsUsed + problems.length. rowsIn counts the data rows of the file
 * (header rows excluded; for JSON, call summary objects). For every format but Asterisk CEL
 * a used row is one record, so rowsUsed = records.length. CEL rows are events that are
 * grouped into one record per call, so there rowsUsed counts the events that went into
 * records.
 */
export interface CdrParseResult {
  format: CdrFormat | null;
  records: CdrRecord[];
  problems: RowProblem[];
  rowsIn: number;
  rowsUsed: number;
  /** Set when the whole file could not be read (unknown format, bad mapping, not JSON…). */
  error: string | null;
}

export function emptyResult(format: CdrFormat | null, error: string | null): CdrParseResult {
  return { format, records: [], problems: [], rowsIn: 0, rowsUsed: 0, error };
}

/** Reads CSV text and splits the output into rows and reader problems, in file order. */
export function csvRows(text: string, opts?: CsvReaderOptions): CsvItem[] {
  return readCsv(text, opts);
}

/** Normalised header name: lower case, letters and digits only ('Start Time' = 'start_time'). */
export function normHeader(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function makeRecord(format: CdrFormat, line: number, raw: Record<string, string>): CdrRecord {
  return {
    format,
    line,
    callId: null,
    vendorId: null,
    from: '',
    to: '',
    startUs: 0,
    answerUs: null,
    endUs: null,
    durationS: null,
    billsecS: null,
    answered: null,
    disposition: '',
    q850Cause: null,
    sipCode: null,
    endedBy: null,
    peer: '',
    raw,
  };
}

export function rawFromColumns(names: readonly string[], fields: readonly string[]): Record<string, string> {
  const raw: Record<string, string> = {};
  for (let i = 0; i < fields.length; i++) {
    const key = i < names.length && names[i] !== '' ? names[i] : `col${i + 1}`;
    // A repeated header name keeps its first value; later ones get a suffix.
    raw[key in raw ? `${key}_${i + 1}` : key] = fields[i];
  }
  return raw;
}

/** Integer or decimal number; null for '', 'NULL', junk. */
export function parseNum(value: string | undefined): number | null {
  if (value === undefined) return null;
  const v = value.trim();
  if (v === '' || v.length > 40) return null;
  if (!/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d{1,3})?$/.test(v)) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

export function parseIntStrict(value: string | undefined): number | null {
  const n = parseNum(value);
  return n !== null && Number.isInteger(n) ? n : null;
}

export type TimeFormat = 'auto' | 'iso' | 'epoch_s' | 'epoch_ms' | 'epoch_us' | 'ymd_hms';

const YMD_HMS = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?$/i;
const YMD = /^(\d{4})-(\d{2})-(\d{2})$/;
const EPOCH = /^(\d{9,17})(?:\.(\d{1,9}))?$/;
const RFC2822 = /^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{2}:\d{2}(?::\d{2})?\s*(?:[+-]\d{4}|GMT|UTC|Z)?$/;

function fracToUs(frac: string | undefined): number {
  if (!frac) return 0;
  return Math.round(Number(`0.${frac}`) * 1e6);
}

function epochToUs(intPart: string, frac: string | undefined, unit: 's' | 'ms' | 'us' | 'auto'): number | null {
  let u = unit;
  if (u === 'auto') {
    // By magnitude: seconds until year 2286 have ≤ 10 digits, ms 13, µs 16.
    if (intPart.length <= 11) u = 's';
    else if (intPart.length <= 14) u = 'ms';
    else u = 'us';
  }
  const n = Number(intPart);
  if (!Number.isFinite(n)) return null;
  if (u === 's') return n * 1e6 + fracToUs(frac);
  if (u === 'ms') return n * 1000 + Math.round(Number(`0.${frac ?? '0'}`) * 1000);
  return n;
}

/**
 * Parses a CDR time to µs since the epoch, or null when empty/unparsable.
 *
 * 'YYYY-MM-DD HH:MM:SS[.ffffff]' without a zone is taken as UTC: Asterisk writes its local
 * time (cdr.conf usegmtime=no by default) and FreeSWITCH its local time, and the file does
 * not say which zone that was. The caller documents this per format.
 * Empty, '0' and all-zero dates mean "never" in several exports (CUCM dateTimeConnect=0).
 */
export function parseTimeUs(value: string | undefined, format: TimeFormat = 'auto'): number | null {
  if (value === undefined) return null;
  const v = value.trim();
  if (v === '' || v === '0' || v.length > 64 || /^0{4}-0{2}-0{2}/.test(v)) return null;
  if (format === 'epoch_s' || format === 'epoch_ms' || format === 'epoch_us' || format === 'auto') {
    const m = EPOCH.exec(v);
    if (m) {
      const unit = format === 'epoch_s' ? 's' : format === 'epoch_ms' ? 'ms' : format === 'epoch_us' ? 'us' : 'auto';
      return epochToUs(m[1], m[2], unit);
    }
    if (format !== 'auto') return null;
  }
  const m = YMD_HMS.exec(v);
  if (m) {
    const [, y, mo, d, h, mi, s, frac, zone] = m;
    const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? '0'));
    if (!Number.isFinite(ms)) return null;
    let us = ms * 1000 + fracToUs(frac);
    if (zone && /^[+-]/.test(zone)) {
      const z = zone.replace(':', '');
      const sign = z[0] === '-' ? -1 : 1;
      const offMin = Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5));
      us -= sign * offMin * 60 * 1e6;
    }
    return us;
  }
  if (format === 'ymd_hms') return null;
  const dm = YMD.exec(v);
  if (dm) return Date.UTC(Number(dm[1]), Number(dm[2]) - 1, Number(dm[3])) * 1000;
  if (RFC2822.test(v)) {
    // RFC 2822 (Twilio's REST API dates): Date.parse handles this shape in every engine.
    const ms = Date.parse(v);
    return Number.isFinite(ms) ? ms * 1000 : null;
  }
  return null;
}

/**
 * Hangup cause names → Q.850 cause values.
 *
 * Names and numbers from FreeSWITCH's "Hangup Cause Code Table"
 * (developer.signalwire.com/freeswitch/FreeSWITCH-Explained/Troubleshooting-Debugging/Hangup-Cause-Code-Table_3964945,
 * switch_call_cause_t in include/switch_types.h); Asterisk uses the same names with an
 * AST_CAUSE_ prefix (docs.asterisk.org "Hangup Cause Mappings"). Only values 1..127 are
 * Q.850. FreeSWITCH numbers its own causes above 127; the table says they "do not map
 * directly" to Q.850 or SIP codes, so they are not returned as a Q.850 cause: see
 * FREESWITCH_ONLY_CAUSES.
 */
export const Q850_BY_NAME: Readonly<Record<string, number>> = {
  UNSPECIFIED: 0,
  UNALLOCATED_NUMBER: 1,
  NO_ROUTE_TRANSIT_NET: 2,
  NO_ROUTE_DESTINATION: 3,
  CHANNEL_UNACCEPTABLE: 6,
  CALL_AWARDED_DELIVERED: 7,
  NORMAL_CLEARING: 16,
  USER_BUSY: 17,
  NO_USER_RESPONSE: 18,
  NO_ANSWER: 19,
  SUBSCRIBER_ABSENT: 20,
  CALL_REJECTED: 21,
  NUMBER_CHANGED: 22,
  REDIRECTION_TO_NEW_DESTINATION: 23,
  EXCHANGE_ROUTING_ERROR: 25,
  DESTINATION_OUT_OF_ORDER: 27,
  INVALID_NUMBER_FORMAT: 28,
  FACILITY_REJECTED: 29,
  RESPONSE_TO_STATUS_ENQUIRY: 30,
  NORMAL_UNSPECIFIED: 31,
  NORMAL_CIRCUIT_CONGESTION: 34,
  NETWORK_OUT_OF_ORDER: 38,
  NORMAL_TEMPORARY_FAILURE: 41,
  SWITCH_CONGESTION: 42,
  ACCESS_INFO_DISCARDED: 43,
  REQUESTED_CHAN_UNAVAIL: 44,
  PRE_EMPTED: 45,
  FACILITY_NOT_SUBSCRIBED: 50,
  OUTGOING_CALL_BARRED: 52,
  INCOMING_CALL_BARRED: 54,
  BEARERCAPABILITY_NOTAUTH: 57,
  BEARERCAPABILITY_NOTAVAIL: 58,
  SERVICE_UNAVAILABLE: 63,
  BEARERCAPABILITY_NOTIMPL: 65,
  CHAN_NOT_IMPLEMENTED: 66,
  FACILITY_NOT_IMPLEMENTED: 69,
  SERVICE_NOT_IMPLEMENTED: 79,
  INVALID_CALL_REFERENCE: 81,
  INCOMPATIBLE_DESTINATION: 88,
  INVALID_MSG_UNSPECIFIED: 95,
  MANDATORY_IE_MISSING: 96,
  MESSAGE_TYPE_NONEXIST: 97,
  WRONG_MESSAGE: 98,
  IE_NONEXIST: 99,
  INVALID_IE_CONTENTS: 100,
  WRONG_CALL_STATE: 101,
  RECOVERY_ON_TIMER_EXPIRE: 102,
  MANDATORY_IE_LENGTH_ERROR: 103,
  PROTOCOL_ERROR: 111,
  INTERWORKING: 127,
};

/**
 * FreeSWITCH-internal causes: switch_call_cause_t values above 127, which are not Q.850
 * (ORIGINATOR_CANCEL = 487, CRASH = 700, LOSE_RACE = 702, BLIND_TRANSFER = 800, … per the
 * Hangup Cause Code Table). They stay in `disposition` with q850Cause null; this table only
 * says what they tell about the SIP final response and the releasing side when that is
 * unambiguous. ORIGINATOR_CANCEL: the caller cancelled before answer, and mod_sofia answers
 * the INVITE with 487 Request Terminated (hangup_cause_to_sip), so sipCode 487, endedBy caller.
 */
export const FREESWITCH_ONLY_CAUSES: Readonly<Record<string, { sipCode: number | null; endedBy: 'caller' | 'callee' | null }>> = {
  SUCCESS: { sipCode: null, endedBy: null },
  ORIGINATOR_CANCEL: { sipCode: 487, endedBy: 'caller' },
  CRASH: { sipCode: null, endedBy: null },
  SYSTEM_SHUTDOWN: { sipCode: null, endedBy: null },
  LOSE_RACE: { sipCode: null, endedBy: null },
  MANAGER_REQUEST: { sipCode: null, endedBy: null },
  BLIND_TRANSFER: { sipCode: null, endedBy: null },
  ATTENDED_TRANSFER: { sipCode: null, endedBy: null },
  ALLOTTED_TIMEOUT: { sipCode: null, endedBy: null },
  USER_CHALLENGE: { sipCode: null, endedBy: null },
  MEDIA_TIMEOUT: { sipCode: null, endedBy: null },
  PICKED_OFF: { sipCode: null, endedBy: null },
  USER_NOT_REGISTERED: { sipCode: null, endedBy: null },
  PROGRESS_TIMEOUT: { sipCode: null, endedBy: null },
  INVALID_GATEWAY: { sipCode: null, endedBy: null },
  GATEWAY_DOWN: { sipCode: null, endedBy: null },
  INVALID_URL: { sipCode: null, endedBy: null },
  INVALID_PROFILE: { sipCode: null, endedBy: null },
  NO_PICKUP: { sipCode: null, endedBy: null },
  SRTP_READ_ERROR: { sipCode: null, endedBy: null },
};

/** Q.850 value for a cause name (FreeSWITCH/Asterisk spelling), or for a number 0..127. */
export function q850FromCause(value: string | undefined): number | null {
  if (value === undefined) return null;
  const v = value.trim();
  if (v === '') return null;
  const n = parseIntStrict(v);
  if (n !== null) return n >= 0 && n <= 127 ? n : null;
  const name = v.toUpperCase().replace(/^AST_CAUSE_/, '');
  return name in Q850_BY_NAME ? Q850_BY_NAME[name] : null;
}

export function isCauseName(value: string): boolean {
  const name = value.trim().toUpperCase();
  return name in Q850_BY_NAME || name in FREESWITCH_ONLY_CAUSES;
}

/** SIP final response code 100..699, else null. */
export function parseSipCode(value: string | undefined): number | null {
  const n = parseIntStrict(value);
  return n !== null && n >= 100 && n <= 699 ? n : null;
}

/** µs → seconds with ms precision. */
export function usToS(us: number): number {
  return Math.round(us / 1000) / 1000;
}

export const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Prefix of a text, cut at the last complete line when it has one (for detection). */
export function headLines(text: string, maxChars: number): string {
  let t = text.length > maxChars ? text.slice(0, maxChars) : text;
  if (t.charCodeAt(0) === 0xfeff) t = t.slice(1);
  if (text.length > maxChars) {
    const nl = t.lastIndexOf('\n');
    if (nl > 0) t = t.slice(0, nl + 1);
  }
  return t;
}

/** Index of each normalised header name (first occurrence wins). */
export function headerIndex(names: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  names.forEach((n, i) => {
    const k = normHeader(n);
    if (k !== '' && !m.has(k)) m.set(k, i);
  });
  return m;
}

/** Field getter by normalised header name: the first of `keys` present in the header. */
export function fieldGetter(index: Map<string, number>, fields: readonly string[]): (...keys: string[]) => string | undefined {
  return (...keys: string[]) => {
    for (const k of keys) {
      const i = index.get(k);
      if (i !== undefined) return fields[i];
    }
    return undefined;
  };
}

/**
 * JSON rows (agent events, Twilio summaries) nested deeper than this are refused as a row
 * problem. A row is a flat object with a few nested fields; walking or JSON.stringify-ing a
 * value nested 10 000 deep overflows the stack, which lost a whole events file.
 */
export const MAX_JSON_DEPTH = 64;

/** True when `v` nests arrays / objects more than `max` levels deep. Iterative: never overflows. */
export function jsonDeeperThan(v: unknown, max = MAX_JSON_DEPTH): boolean {
  const stack: Array<[unknown, number]> = [[v, 1]];
  while (stack.length > 0) {
    const [x, depth] = stack.pop()!;
    if (x === null || typeof x !== 'object') continue;
    if (depth > max) return true;
    for (const child of Array.isArray(x) ? x : Object.values(x)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

/** The row problem for a value jsonDeeperThan refused. */
export const TOO_DEEP = `nested more than ${MAX_JSON_DEPTH} levels deep`;
