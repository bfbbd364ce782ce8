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

import type { CdrRecord, RowProblem } from '../model/cdr.ts';
import { csvRows, fieldGetter, headerIndex, makeRecord, normHeader, parseNum, parseTimeUs, q850FromCause, rawFromColumns, type CdrParseResult } from './cdr_common.ts';

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

export function parseVos3000Cdr(text: string): CdrParseResult {
  const records: CdrRecord[] = [];
  const problems: RowProblem[] = [];
  let rowsIn = 0;
  // Headerless pipe file or CSV with a header: decided on the first non-blank line.
  const nl = text.indexOf('\n');
  const firstLine = nl >= 0 ? text.slice(0, nl) : text.slice(0, 4096);
  const pipe = !firstLine.includes(',') && firstLine.includes('|');
  const items = csvRows(text, { delimiter: pipe ? '|' : ',' });
  let names: string[] | null = null;
  let index = new Map<string, number>();
  let first = true;
  for (const item of items) {
    if (first && item.kind === 'row') {
      first = false;
      if (isVos3000Header(item.fields)) {
        names = item.fields.map((f) => f.trim());
        index = headerIndex(names);
        continue;
      }
      if (!pipe) {
        return { format: 'vos3000', records, problems, rowsIn, rowsUsed: 0, error: 'VOS3000 CDR: no header row with callere164 and calleee164, and not a pipe-delimited CDR file' };
      }
      names = VOS3000_PIPE_COLUMNS;
      index = headerIndex(names);
    }
    first = false;
    rowsIn++;
    if (item.kind === 'problem') {
      problems.push({ line: item.line, message: item.message });
      continue;
    }
    const f = item.fields;
    if (f.length < 7) {
      problems.push({ line: item.line, message: `expected at least 7 fields, got ${f.length}` });
      continue;
    }
    const g = fieldGetter(index, f);
    const raw = rawFromColumns(names ?? VOS3000_PIPE_COLUMNS, f);
    const startUs = parseTimeUs(g('starttime'));
    if (startUs === null) {
      problems.push({ line: item.line, message: `unreadable starttime '${(g('starttime') ?? '').slice(0, 40)}'` });
      continue;
    }
    const rec = makeRecord('vos3000', item.line, raw);
    rec.startUs = startUs;
    rec.endUs = parseTimeUs(g('stoptime'));
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
    records.push(rec);
  }
  return { format: 'vos3000', records, problems, rowsIn, rowsUsed: records.length, error: null };
}
