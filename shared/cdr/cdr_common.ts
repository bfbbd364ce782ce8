// Helpers shared by the CDR parsers: time and number parsing, the hangup-cause name table,
// and the result shape every parser returns.

import type { CdrFormat, CdrRecord, RowProblem } from '../model/cdr.ts';
import { isoFromUs } from '../model/time.ts';
import { CsvReader, readCsv, type CsvItem, type CsvReaderOptions } from './csv_reader.ts';

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

/**
 * A field value as quoted in a problem message: at most `max` characters, control
 * characters (a line break inside a quoted CSV field) shown as '?', so every message is one line.
 */
export function shown(value: string | undefined, max = 40): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is replaced
  return (value ?? '').trim().slice(0, max).replace(/[\x00-\x1f\x7f]/g, '?');
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
  const keys = rawKeys(names, fields.length);
  const raw: Record<string, string> = {};
  for (let i = 0; i < fields.length; i++) raw[keys[i]] = fields[i];
  return raw;
}

/** The keys rawFromColumns uses for `count` fields under `names`, worked out once per header and width. */
const rawKeysOf = new WeakMap<readonly string[], Map<number, string[]>>();

function rawKeys(names: readonly string[], count: number): string[] {
  let byCount = rawKeysOf.get(names);
  if (byCount === undefined) rawKeysOf.set(names, (byCount = new Map()));
  let keys = byCount.get(count);
  if (keys !== undefined) return keys;
  // Resolved on a dummy row exactly as on a real one (the `in` test sees the object's
  // prototype too), so every row of this width gets the keys it always got.
  const probe: Record<string, string> = {};
  keys = [];
  for (let i = 0; i < count; i++) {
    const key = i < names.length && names[i] !== '' ? names[i] : `col${i + 1}`;
    // A repeated header name keeps its first value; later ones get a suffix.
    const k = key in probe ? `${key}_${i + 1}` : key;
    probe[k] = '';
    keys.push(k);
  }
  // A malformed file may show many widths: keep a few, the common one first.
  if (byCount.size < 8) byCount.set(count, keys);
  return keys;
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
const RFC2822 = /^(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+(\d{2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|GMT|UTC|Z)?$/;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

function fracToUs(frac: string | undefined): number {
  if (!frac) return 0;
  return Math.round(Number(`0.${frac}`) * 1e6);
}

/**
 * Plausible CDR times: 1980-01-01 .. 2100-01-01 UTC. Outside it a time is a damaged field
 * (a flipped bit, a wrong unit), not a call: no switch of ours wrote CDRs before 1980.
 */
export const MIN_CDR_US = Date.UTC(1980, 0, 1) * 1000;
export const MAX_CDR_US = Date.UTC(2100, 0, 1) * 1000;

/** A time field: empty or "never" (none), a time (µs since the epoch), or a value that is not one (bad, with why). */
export type TimeRead = { kind: 'none' } | { kind: 'ok'; us: number } | { kind: 'bad'; why: string };

const NONE: TimeRead = { kind: 'none' };
const bad = (why: string): TimeRead => ({ kind: 'bad', why });

function inRange(us: number): TimeRead {
  if (!Number.isFinite(us)) return bad('not a time');
  // isoFromUs never throws: a time computed from a damaged duration can pass Date's range.
  if (us < MIN_CDR_US || us >= MAX_CDR_US) return bad(`out of range (${isoFromUs(us).replace(/T.*$/, '')}; expected 1980–2099)`);
  return { kind: 'ok', us };
}

function epochToUs(intPart: string, frac: string | undefined, unit: 's' | 'ms' | 'us' | 'auto'): TimeRead {
  let u = unit;
  if (u === 'auto') {
    // By magnitude: seconds until year 2286 have ≤ 10 digits, ms 13, µs 16.
    if (intPart.length <= 11) u = 's';
    else if (intPart.length <= 14) u = 'ms';
    else u = 'us';
  }
  const n = Number(intPart);
  if (u === 's') return inRange(n * 1e6 + fracToUs(frac));
  if (u === 'ms') return inRange(n * 1000 + Math.round(Number(`0.${frac ?? '0'}`) * 1000));
  return inRange(n);
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * A calendar date and time checked field by field. Date.UTC would silently roll month 13
 * into the next year, day 31 of April into May and hour 24 into the next day: that is how
 * a damaged field used to become a plausible but wrong time.
 */
function calendarUs(y: number, mo: number, d: number, h: number, mi: number, s: number): TimeRead {
  if (mo < 1 || mo > 12) return bad(`month ${mo} does not exist`);
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const dim = mo === 2 && !leap ? 28 : DAYS_IN_MONTH[mo - 1];
  if (d < 1 || d > dim) return bad(`day ${d} does not exist in month ${mo} of ${y}`);
  if (h > 23) return bad(`hour ${h} does not exist`);
  if (mi > 59) return bad(`minute ${mi} does not exist`);
  // 60: a leap second, as written by clocks that show it; 61+ never happens.
  if (s > 60) return bad(`second ${s} does not exist`);
  const ms = Date.UTC(y, mo - 1, d, h, mi, Math.min(s, 59)) + (s === 60 ? 999 : 0);
  return inRange(ms * 1000);
}

/**
 * Reads a CDR time: none for empty / "never", else µs since the epoch, else why it is not a
 * time. The one place CDR dates are parsed: every field of every format goes through here,
 * so an impossible date (month 13, 31 April, hour 25, year 1909) is refused the same way.
 *
 * 'YYYY-MM-DD HH:MM:SS[.ffffff]' without a zone is taken as UTC: Asterisk writes its local
 * time (cdr.conf usegmtime=no by default) and FreeSWITCH its local time, and the file does
 * not say which zone that was. The caller documents this per format.
 * Empty, '0' and all-zero dates mean "never" in several exports (CUCM dateTimeConnect=0).
 */
export function readTime(value: string | undefined, format: TimeFormat = 'auto'): TimeRead {
  if (value === undefined) return NONE;
  const v = value.trim();
  if (v === '' || v === '0' || /^0{4}-0{2}-0{2}/.test(v)) return NONE;
  if (v.length > 64) return bad('not a time (too long)');
  if (format === 'epoch_s' || format === 'epoch_ms' || format === 'epoch_us' || format === 'auto') {
    const m = EPOCH.exec(v);
    if (m) {
      const unit = format === 'epoch_s' ? 's' : format === 'epoch_ms' ? 'ms' : format === 'epoch_us' ? 'us' : 'auto';
      return epochToUs(m[1], m[2], unit);
    }
    if (format !== 'auto') return bad('not an epoch time');
  }
  // Here the format is auto, iso or ymd_hms (an epoch format has returned above).
  if (v.length === 19) {
    const fast = plainStampUs(v);
    if (fast !== null) return fast;
  }
  const m = YMD_HMS.exec(v);
  if (m) {
    const [, y, mo, d, h, mi, s, frac, zone] = m;
    const t = calendarUs(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s ?? '0'));
    if (t.kind !== 'ok') return t;
    let us = t.us + fracToUs(frac);
    if (zone && /^[+-]/.test(zone)) {
      const z = zone.replace(':', '');
      const sign = z[0] === '-' ? -1 : 1;
      const hh = Number(z.slice(1, 3));
      const mm = Number(z.slice(3, 5));
      if (hh > 14 || mm > 59) return bad(`time zone ${zone} does not exist`);
      us -= sign * (hh * 60 + mm) * 60 * 1e6;
    }
    return inRange(us);
  }
  if (format === 'ymd_hms') return bad('not a YYYY-MM-DD HH:MM:SS time');
  const dm = YMD.exec(v);
  if (dm) return calendarUs(Number(dm[1]), Number(dm[2]), Number(dm[3]), 0, 0, 0);
  const r = RFC2822.exec(v);
  if (r) {
    // RFC 2822 (Twilio's REST API dates), e.g. 'Tue, 10 Aug 2010 20:37:57 +0000'.
    const [, d, mon, y, h, mi, sec, zone] = r;
    const mo = MONTHS.indexOf(mon.toLowerCase()) + 1;
    if (mo === 0) return bad(`month ${mon} does not exist`);
    const t = calendarUs(Number(y), mo, Number(d), Number(h), Number(mi), Number(sec ?? '0'));
    if (t.kind !== 'ok' || !zone || !/^[+-]/.test(zone)) return t;
    const sign = zone[0] === '-' ? -1 : 1;
    return inRange(t.us - sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5))) * 60e6);
  }
  return bad('not a time');
}

/** '0'..'9' → 0..9, anything else → -1. */
function digitAt(v: string, i: number): number {
  const c = v.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

/**
 * 'YYYY-MM-DD HH:MM:SS' (or with '/' and 'T'), the stamp nearly every row of a FreeSWITCH or
 * Asterisk export holds, read without the regular expression: the same reading as YMD_HMS
 * followed by calendarUs, checks included. null for any other shape (the general path decides).
 */
function plainStampUs(v: string): TimeRead | null {
  const sep = v.charCodeAt(4);
  if ((sep !== 45 && sep !== 47) || v.charCodeAt(7) !== sep || v.charCodeAt(13) !== 58 || v.charCodeAt(16) !== 58) return null;
  const t = v.charCodeAt(10);
  if (t !== 32 && t !== 84 && t !== 116) return null;
  let y = 0;
  for (let i = 0; i < 4; i++) {
    const d = digitAt(v, i);
    if (d < 0) return null;
    y = y * 10 + d;
  }
  const mo1 = digitAt(v, 5), mo2 = digitAt(v, 6), d1 = digitAt(v, 8), d2 = digitAt(v, 9);
  const h1 = digitAt(v, 11), h2 = digitAt(v, 12), mi1 = digitAt(v, 14), mi2 = digitAt(v, 15), s1 = digitAt(v, 17), s2 = digitAt(v, 18);
  if (mo1 < 0 || mo2 < 0 || d1 < 0 || d2 < 0 || h1 < 0 || h2 < 0 || mi1 < 0 || mi2 < 0 || s1 < 0 || s2 < 0) return null;
  return calendarUs(y, mo1 * 10 + mo2, d1 * 10 + d2, h1 * 10 + h2, mi1 * 10 + mi2, s1 * 10 + s2);
}

/** Parses a CDR time to µs since the epoch; null when empty, "never" or not a valid time (see readTime). */
export function parseTimeUs(value: string | undefined, format: TimeFormat = 'auto'): number | null {
  const t = readTime(value, format);
  return t.kind === 'ok' ? t.us : null;
}

/**
 * Reads the optional time fields of one row and remembers the first that holds something
 * that is not a time: such a row goes to the problems with its line and reason instead of
 * being read as "never answered" or "never ended".
 */
export class RowTimes {
  problem: string | null = null;

  read(name: string, value: string | undefined, format: TimeFormat = 'auto'): number | null {
    const t = readTime(value, format);
    if (t.kind === 'ok') return t.us;
    if (t.kind === 'bad' && this.problem === null) this.problem = `${name} '${shown(value)}' is not a valid time: ${t.why}`;
    return null;
  }
}

/** The message for a required start time that is missing or invalid. */
export function startProblem(name: string, value: string | undefined, format: TimeFormat = 'auto'): string {
  const t = readTime(value, format);
  const v = shown(value);
  return t.kind === 'bad' && t.why !== 'not a time' ? `${name} '${v}' is not a valid time: ${t.why}` : `unreadable ${name} '${v}'`;
}

/** Longest believable call: beyond it a duration or a start→end span is a damaged field. */
export const MAX_CALL_S = 30 * 86400;
/** Clock rounding allowed between the times of one row (stamps cut to the second, or to the minute by a spreadsheet). */
const ORDER_SLACK_US = 60e6;

/**
 * Times and durations that cannot belong to one call (end before start, a negative or
 * month-long duration): the row's problem, or null. A CDR row that fails here goes to the
 * problems with its line instead of giving a call a negative duration.
 */
export function recordProblem(r: CdrRecord): string | null {
  // Checked in this order, field by field, with no per-row arrays or closures: this runs for
  // every row of an export of up to a million rows.
  const range = timeProblem('start', r.startUs) ?? timeProblem('answer', r.answerUs) ?? timeProblem('end', r.endUs);
  if (range !== null) return range;
  if (r.answerUs !== null && r.answerUs < r.startUs - ORDER_SLACK_US) return `answer time is ${secs(r.startUs - r.answerUs)} before the start`;
  if (r.endUs !== null && r.endUs < r.startUs - ORDER_SLACK_US) return `end time is ${secs(r.startUs - r.endUs)} before the start`;
  if (r.endUs !== null && r.answerUs !== null && r.endUs < r.answerUs - ORDER_SLACK_US) return `end time is ${secs(r.answerUs - r.endUs)} before the answer`;
  if (r.endUs !== null && r.endUs - r.startUs > MAX_CALL_S * 1e6) return `end time is ${secs(r.endUs - r.startUs)} after the start (more than 30 days)`;
  const dur = durationProblem('duration', r.durationS) ?? durationProblem('billsec', r.billsecS);
  if (dur !== null) return dur;
  if (r.durationS !== null && r.billsecS !== null && r.billsecS > r.durationS + 60) return `billsec ${r.billsecS} s is longer than the duration ${r.durationS} s`;
  return null;
}

function secs(us: number): string {
  return `${Math.round(us / 1e6)} s`;
}

function timeProblem(name: string, us: number | null): string | null {
  if (us === null || (us >= MIN_CDR_US && us < MAX_CDR_US)) return null;
  const t = inRange(us);
  return t.kind === 'bad' ? `${name} time ${t.why}` : null;
}

function durationProblem(name: string, v: number | null): string | null {
  if (v === null) return null;
  if (!Number.isFinite(v) || v < 0) return `${name} ${v} s is negative`;
  if (v > MAX_CALL_S) return `${name} ${v} s is more than 30 days`;
  return null;
}

// ─── Streaming parsers ─────────────────────────────────────────────────────────────────

/** Where a streaming CDR parser sends what it reads, in file order. */
export interface CdrEmitter {
  record(r: CdrRecord): void;
  problem(p: RowProblem): void;
}

/**
 * A CDR parser fed one CSV item at a time, so a file of any length is read with the memory
 * of one row (CEL excepted: its events are grouped per call until the end). Counters obey
 * rowsIn = rowsUsed + problems emitted.
 */
export abstract class CdrRowParser {
  rowsIn = 0;
  rowsUsed = 0;
  /** A file-level problem (no header…): set once, and the parser reads nothing more. */
  error: string | null = null;

  constructor(
    readonly format: CdrFormat,
    protected readonly out: CdrEmitter,
  ) {}

  abstract item(item: CsvItem): void;

  /** End of input (CEL emits its grouped calls here). */
  end(): void {}

  protected problem(line: number, message: string): void {
    this.out.problem({ line, message });
  }

  /** A record built from `lines` (one row, or a CEL call's events): checked, then used or reported. */
  protected accept(rec: CdrRecord, lines: readonly number[] = [rec.line]): void {
    const why = recordProblem(rec);
    if (why !== null) {
      for (const l of lines) this.problem(l, why);
      return;
    }
    this.rowsUsed += lines.length;
    this.out.record(rec);
  }
}

/** A sink that keeps everything (the non-streaming API). */
export function collectingEmitter(): CdrEmitter & { records: CdrRecord[]; problems: RowProblem[] } {
  const records: CdrRecord[] = [];
  const problems: RowProblem[] = [];
  return { records, problems, record: (r) => void records.push(r), problem: (x) => void problems.push(x) };
}

/** Feeds CSV items to a parser until it reports a file-level error. */
export function feedItems(p: CdrRowParser, items: readonly CsvItem[]): void {
  for (const it of items) {
    if (p.error !== null) return;
    p.item(it);
  }
}

/** Runs a streaming parser over a whole text and collects its output. */
export function collectCsv(text: string, make: (out: CdrEmitter) => CdrRowParser, opts?: CsvReaderOptions): CdrParseResult {
  const sink = collectingEmitter();
  const p = make(sink);
  const reader = new CsvReader(opts);
  feedItems(p, reader.push(text));
  feedItems(p, reader.end());
  if (p.error === null) p.end();
  return { format: p.format, records: sink.records, problems: sink.problems, rowsIn: p.rowsIn, rowsUsed: p.error === null ? p.rowsUsed : 0, error: p.error };
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
