// VOS3000 softswitch CDR → CdrRecord.
//
// Source: the VOS3000 2.1.8.0 / 2.1.9.07 English manual §4.4 (CDR file format, pages
// 241-243) as summarised by vos3000.com / multahost.com articles ("VOS3000 CDR Pipe
// Format", "VOS3000 CDR End Direction"); the manual itself was not available to read.
// What those sources give: the CDR text file (SS_CDR_RECORD_TO_FILE) is pipe-delimited,
// one record per line, 18 fields, beginning
//   1 callerE164 | 2 calleeE164 | 3 startTime | 4 stopTime | 5 holdTime | 6 endReason |
//   7 endDirection | 8-9 caller/callee gateway ids | …
// endDirection: 0 = the caller hung up, 1 = the callee, 2 = the server (VOS3000 itself:
// timeout, balance exhausted…). holdTime is the talk time in seconds.
// The names and order of fields 10-18 could not be confirmed, so a headerless pipe file is
// read by position for fields 1-9 only and the rest kept as col10…col18 in raw.
// CDR exports from the VOS3000 client/database use the same names as column headers
// (callere164, calleee164, starttime, stoptime, holdtime, endreason, enddirection,
// callergatewayid, calleegatewayid, …); with a header row every column is matched by name.
//
// Times: the database keeps milliseconds since the epoch; exports may show
// 'YYYY-MM-DD HH:MM:SS' (the server's local time, read as UTC). Both are accepted.
// endReason is VOS3000's own release code/text, not Q.850: it goes to `disposition`, and
// q850Cause is only set from an explicit Q.850 column (releasecause / q850cause) when an
// export has one. answerUs is derived as stopTime − holdTime when holdTime > 0.

import { CdrRowParser, collectCsv, fieldGetter, headerIndex, makeRecord, normHeader, parseNum, parseTimeUs, q850FromCause, rawFromColumns, RowTimes, startProblem, type CdrEmitter, type CdrParseResult } from './cdr_common.ts';
import type { CsvItem } from './csv_reader.ts';

export const VOS3000_PIPE_COLUMNS = [
  'callere164', 'calleee164', 'starttime', 'stoptime', 'holdtime', 'endreason', 'enddirection', 'callergatewayid', 'calleegatewayid',
];

export function isVos3000Header(fields: readonly string[]): boolean {
  const n = new Set(fields.map(normHeader));
  return n.has('callere164') && n.has('calleee164');
}

/** A headerless pipe record: ≥ 7 fields, times in 3-4, endDirection 0/1/2 in 7. */
export function looksLikeVos3000Pipe(line: string): boolean {
  const f = line.split('|');
  if (f.length < 7) return false;
  return parseTimeUs(f[2]) !== null && /^[012]$/.test(f[6].trim()) && parseNum(f[4]) !== null;
}

function endedByFromDirection(v: string | undefined): 'caller' | 'callee' | null {
  const d = (v ?? '').trim();
  return d === '0' ? 'caller' : d === '1' ? 'callee' : null;
}

/** Pipe-delimited when the first line has a pipe and no comma (the headerless CDR text file). */
export function vos3000IsPipe(headText: string): boolean {
  const nl = headText.indexOf('\n');
  const firstLine = nl >= 0 ? headText.slice(0, nl) : headText.slice(0, 4096);
  return !firstLine.includes(',') && firstLine.includes('|');
}

/** VOS3000 rows, one CSV item at a time; `pipe` from vos3000IsPipe on the file's head. */
export class Vos3000RowParser extends CdrRowParser {
  private names: string[] | null = null;
  private index = new Map<string, number>();
  private first = true;

  constructor(
    out: CdrEmitter,
    private readonly pipe: boolean,
  ) {
    super('vos3000', out);
  }

  item(item: CsvItem): void {
    if (this.first && item.kind === 'row') {
      this.first = false;
      if (isVos3000Header(item.fields)) {
        this.names = item.fields.map((f) => f.trim());
        this.index = headerIndex(this.names);
        return;
      }
      if (!this.pipe) {
        this.error = 'VOS3000 CDR: no header row with callere164 and calleee164, and not a pipe-delimited CDR file';
        return;
      }
      this.names = VOS3000_PIPE_COLUMNS;
      this.index = headerIndex(this.names);
    }
    this.first = false;
    this.rowsIn++;
    if (item.kind === 'problem') {
      this.problem(item.line, item.message);
      return;
    }
    const f = item.fields;
    if (f.length < 7) {
      this.problem(item.line, `expected at least 7 fields, got ${f.length}`);
      return;
    }
    const g = fieldGetter(this.index, f);
    const raw = rawFromColumns(this.names ?? VOS3000_PIPE_COLUMNS, f);
    const startUs = parseTimeUs(g('starttime'));
    if (startUs === null) {
      this.problem(item.line, startProblem('starttime', g('starttime')));
      return;
    }
    const times = new RowTimes();
    const rec = makeRecord('vos3000', item.line, raw);
    rec.startUs = startUs;
    rec.endUs = times.read('stoptime', g('stoptime'));
    if (times.problem !== null) {
      this.problem(item.line, times.problem);
      return;
    }
    rec.from = g('callere164') ?? '';
    rec.to = g('calleee164') ?? '';
    rec.billsecS = parseNum(g('holdtime'));
    rec.answered = rec.billsecS !== null ? rec.billsecS > 0 : null;
    if (rec.answered && rec.endUs !== null && rec.billsecS !== null) rec.answerUs = rec.endUs - Math.round(rec.billsecS * 1e6);
    if (rec.endUs !== null) rec.durationS = Math.round((rec.endUs - startUs) / 1000) / 1000;
    rec.disposition = (g('endreason') ?? '').trim();
    rec.endedBy = endedByFromDirection(g('enddirection'));
    rec.q850Cause = q850FromCause(g('releasecause', 'q850cause'));
    rec.vendorId = g('flowno', 'id', 'cdrid') || null;
    rec.callId = g('callid', 'sipcallid') || null;
    rec.peer = g('calleegatewayid') || g('callergatewayid') || '';
    this.accept(rec);
  }
}

export function parseVos3000Cdr(text: string): CdrParseResult {
  const pipe = vos3000IsPipe(text);
  return collectCsv(text, (out) => new Vos3000RowParser(out, pipe), { delimiter: pipe ? '|' : ',' });
}
