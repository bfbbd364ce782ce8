// Asterisk cdr_csv Master.csv (and the cdr_custom sample layout) → CdrRecord.
//
// cdr_csv writes no header row. Column order (Asterisk cdr_csv.c; the same list as the
// "Asterisk-*" logged values in the Asterisk 1.6 CDR docs and the CDR variables page,
// docs.asterisk.org/Configuration/Reporting/Call-Detail-Records-CDR/CDR-Variables/):
//   accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata,
//   start, answer, end, duration, billsec, disposition, amaflags,
//   [uniqueid if loguniqueid=yes], [userfield if loguserfield=yes],
//   [peeraccount, linkedid, sequence if newcdrcolumns=yes]
// (asterisk/testsuite self_test/Master.csv: 18 columns; the "stadion" PBX export: 21.)
//
// cdr_custom.conf.sample maps Master.csv to another order, clid first and accountcode after
// amaflags: clid, src, dst, dcontext, channel, dstchannel, lastapp, lastdata, start, answer,
// end, duration, billsec, disposition, amaflags, accountcode, uniqueid, userfield[, …]
// (the "pjsip_custom" corpus file, plus a trailing sequence). The layout is chosen per row
// by content: where the three timestamps and the disposition are.
//
// Times are 'YYYY-MM-DD HH:MM:SS' in the PBX's local time unless cdr.conf has
// usegmtime=yes; the file does not say which, so they are read as UTC. Compare CDR times
// with capture times only after checking the PBX's zone.
//
// Disposition (CDR docs: "Maximum reached state of the channel": ANSWERED, NO ANSWER, BUSY,
// FAILED, CONGESTION) is not a release cause. Only BUSY and CONGESTION name one
// unambiguously (Asterisk sets them from AST_CAUSE_USER_BUSY 17 and
// AST_CAUSE_NORMAL_CIRCUIT_CONGESTION 34); NO ANSWER may be a ring timeout or a caller who
// gave up, FAILED anything, ANSWERED says nothing about the release: q850Cause null.
// Master.csv has no SIP Call-ID and does not say who hung up.

import { CdrRowParser, collectCsv, makeRecord, parseNum, parseTimeUs, rawFromColumns, RowTimes, startProblem, type CdrEmitter, type CdrParseResult } from './cdr_common.ts';
import type { CsvItem } from './csv_reader.ts';

export const ASTERISK_MASTER_COLUMNS = [
  'accountcode', 'src', 'dst', 'dcontext', 'clid', 'channel', 'dstchannel', 'lastapp', 'lastdata',
  'start', 'answer', 'end', 'duration', 'billsec', 'disposition', 'amaflags',
] as const;
/** Optional trailing columns, in cdr_csv.c order. */
const MASTER_EXTRA = ['uniqueid', 'userfield', 'peeraccount', 'linkedid', 'sequence'];

export const ASTERISK_CUSTOM_COLUMNS = [
  'clid', 'src', 'dst', 'dcontext', 'channel', 'dstchannel', 'lastapp', 'lastdata',
  'start', 'answer', 'end', 'duration', 'billsec', 'disposition', 'amaflags', 'accountcode', 'uniqueid', 'userfield',
] as const;
const CUSTOM_EXTRA = ['sequence'];

export const ASTERISK_DISPOSITIONS = new Set(['ANSWERED', 'NO ANSWER', 'BUSY', 'FAILED', 'CONGESTION']);

const DATE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;

function isStamp(v: string | undefined, allowEmpty: boolean): boolean {
  if (v === undefined) return false;
  return (allowEmpty && v === '') || DATE_TIME.test(v);
}

/** Which column layout a row has: 'master' (cdr_csv), 'custom' (cdr_custom sample) or null. */
export function asteriskLayout(fields: readonly string[]): 'master' | 'custom' | null {
  if (fields.length >= 16 && isStamp(fields[9], false) && isStamp(fields[10], true) && isStamp(fields[11], true) && ASTERISK_DISPOSITIONS.has(fields[14])) {
    return 'master';
  }
  if (fields.length >= 15 && isStamp(fields[8], false) && isStamp(fields[9], true) && isStamp(fields[10], true) && ASTERISK_DISPOSITIONS.has(fields[13])) {
    return 'custom';
  }
  return null;
}

/**
 * Channel name → peer: the channel name without Asterisk's per-channel suffix (8 hex digits
 * since 1.8-ish, 4 in older Local channels, ';1'/';2' for the two Local halves).
 * 'SIP/stadionpbx-0000000a' → 'SIP/stadionpbx'; 'Local/ch1@TimeDelay-00000000;2' → 'Local/ch1@TimeDelay'.
 */
export function asteriskPeer(channel: string): string {
  if (channel === '') return '';
  const m = /^([^/]+\/.+?)-[0-9a-fA-F]{4,8}(?:;\d)?$/.exec(channel);
  return m ? m[1] : channel;
}

const Q850_FROM_DISPOSITION: Record<string, number> = { BUSY: 17, CONGESTION: 34 };

/** Asterisk Master.csv rows, one CSV item at a time. */
export class AsteriskMasterRowParser extends CdrRowParser {
  constructor(out: CdrEmitter) {
    super('asterisk_master', out);
  }

  item(item: CsvItem): void {
    this.rowsIn++;
    if (item.kind === 'problem') {
      this.problem(item.line, item.message);
      return;
    }
    const f = item.fields;
    const layout = asteriskLayout(f);
    if (layout === null) {
      this.problem(
        item.line,
        `not an Asterisk Master.csv row: expected start/answer/end timestamps and a disposition at columns 10-12 and 15 (or 9-11 and 14), got ${f.length} columns`,
      );
      return;
    }
    const raw = rawFromColumns(layout === 'master' ? MASTER_NAMES : CUSTOM_NAMES, f);
    const rec = makeRecord('asterisk_master', item.line, raw);
    const startUs = parseTimeUs(raw.start);
    if (startUs === null) {
      this.problem(item.line, startProblem('start time', raw.start));
      return;
    }
    const times = new RowTimes();
    rec.startUs = startUs;
    rec.answerUs = times.read('answer time', raw.answer);
    rec.endUs = times.read('end time', raw.end);
    if (times.problem !== null) {
      this.problem(item.line, times.problem);
      return;
    }
    rec.from = raw.src ?? '';
    rec.to = raw.dst ?? '';
    rec.durationS = parseNum(raw.duration);
    rec.billsecS = parseNum(raw.billsec);
    rec.disposition = raw.disposition;
    rec.answered = raw.disposition === 'ANSWERED';
    rec.q850Cause = Q850_FROM_DISPOSITION[raw.disposition] ?? null;
    rec.vendorId = raw.uniqueid !== undefined && raw.uniqueid !== '' ? raw.uniqueid : null;
    rec.peer = asteriskPeer(raw.dstchannel ?? '') || asteriskPeer(raw.channel ?? '');
    this.accept(rec);
  }
}

const MASTER_NAMES = [...ASTERISK_MASTER_COLUMNS, ...MASTER_EXTRA];
const CUSTOM_NAMES = [...ASTERISK_CUSTOM_COLUMNS, ...CUSTOM_EXTRA];

export function parseAsteriskMaster(text: string): CdrParseResult {
  return collectCsv(text, (out) => new AsteriskMasterRowParser(out));
}
