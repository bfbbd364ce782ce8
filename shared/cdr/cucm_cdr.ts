// Cisco Unified CM CDR (CAR/CDR Repository flat file) → CdrRecord.
//
// Field meanings from Cisco's "Call Detail Records Administration Guide for Cisco Unified
// Communications Manager" (CDR field descriptions):
//   - The file starts with a header row of field names (cdrRecordType,
//     globalCallID_callManagerId, globalCallID_callId, …) and, in files taken from the
//     CDR Repository, a second row with the field types (INTEGER, UNIQUEIDENTIFIER,
//     VARCHAR(50)…). That second row is recognised and skipped; neither header counts as
//     a data row.
//   - cdrRecordType: 1 = end call detail record (the CDR), 0 = start record, 2 = CMR. Only
//     type 1 rows are calls; other types are reported as problems (they are not CDRs).
//   - dateTimeOrigination / dateTimeConnect / dateTimeDisconnect: seconds since
//     1970-01-01 UTC; dateTimeConnect is 0 when the call never connected.
//   - duration: seconds from connect to disconnect (0 when not connected).
//   - origCause_value / destCause_value: Q.850 cause of the release on the originating /
//     destination side. The side that cleared the call carries the cause; the other side is
//     normally 0. So a non-zero origCause_value means the originating party released
//     (endedBy caller), else a non-zero destCause_value the destination party (callee).
//     Values above 127 are Cisco-specific (e.g. 262144, 393216 for conference / call split
//     cases): they still say which side released, but are not Q.850, so q850Cause is null.
//   - No SIP Call-ID in the CDR (callId null); vendorId = globalCallID_callId (the id CUCM
//     tools use, unique per callManagerId).
//   - from = callingPartyNumber, to = finalCalledPartyNumber (originalCalledPartyNumber
//     when empty); peer = destDeviceName (else origDeviceName): the gateway/trunk or phone
//     the call was routed to.
// The export has no disposition column: disposition is 'connected' when dateTimeConnect is
// set, else 'not connected'.

import type { CdrRecord, RowProblem } from '../model/cdr.ts';
import { csvRows, fieldGetter, headerIndex, makeRecord, normHeader, parseIntStrict, parseNum, parseTimeUs, rawFromColumns, type CdrParseResult } from './cdr_common.ts';

export const CUCM_KEY_COLUMNS = ['cdrrecordtype', 'globalcallidcallid', 'origcausevalue', 'destcausevalue', 'datetimeorigination', 'datetimedisconnect'];

export function isCucmHeader(fields: readonly string[]): boolean {
  const n = new Set(fields.map(normHeader));
  return CUCM_KEY_COLUMNS.filter((k) => n.has(k)).length >= 4;
}

export function parseCucmCdr(text: string): CdrParseResult {
  const records: CdrRecord[] = [];
  const problems: RowProblem[] = [];
  let rowsIn = 0;
  let names: string[] | null = null;
  let index = new Map<string, number>();
  let typeRowChecked = false;
  for (const item of csvRows(text)) {
    if (names === null) {
      if (item.kind === 'row' && isCucmHeader(item.fields)) {
        names = item.fields.map((f) => f.trim());
        index = headerIndex(names);
        continue;
      }
      return { format: 'cisco_cucm', records, problems, rowsIn, rowsUsed: 0, error: 'Cisco CUCM CDR: no header row with cdrRecordType, globalCallID_callId, origCause_value… found' };
    }
    if (!typeRowChecked && item.kind === 'row') {
      typeRowChecked = true;
      const t = (item.fields[0] ?? '').trim().toUpperCase();
      if (t === 'INTEGER' || t === 'INT' || t.startsWith('VARCHAR')) continue;
    }
    rowsIn++;
    if (item.kind === 'problem') {
      problems.push({ line: item.line, message: item.message });
      continue;
    }
    const raw = rawFromColumns(names, item.fields);
    const g = fieldGetter(index, item.fields);
    if (item.fields.length !== names.length) {
      problems.push({ line: item.line, message: `expected ${names.length} columns like the header, got ${item.fields.length}` });
      continue;
    }
    const type = parseIntStrict(g('cdrrecordtype'));
    if (type !== 1) {
      problems.push({ line: item.line, message: `cdrRecordType '${(g('cdrrecordtype') ?? '').slice(0, 20)}' is not an end call detail record (1), skipped` });
      continue;
    }
    const startUs = parseTimeUs(g('datetimeorigination'), 'epoch_s');
    if (startUs === null) {
      problems.push({ line: item.line, message: `unreadable dateTimeOrigination '${(g('datetimeorigination') ?? '').slice(0, 20)}'` });
      continue;
    }
    const rec = makeRecord('cisco_cucm', item.line, raw);
    rec.startUs = startUs;
    rec.answerUs = parseTimeUs(g('datetimeconnect'), 'epoch_s');
    rec.endUs = parseTimeUs(g('datetimedisconnect'), 'epoch_s');
    rec.from = g('callingpartynumber') ?? '';
    rec.to = g('finalcalledpartynumber') || g('originalcalledpartynumber') || '';
    rec.billsecS = parseNum(g('duration'));
    rec.durationS = rec.endUs !== null ? Math.round((rec.endUs - startUs) / 1e6) : null;
    rec.answered = rec.answerUs !== null;
    rec.disposition = rec.answered ? 'connected' : 'not connected';
    const orig = parseIntStrict(g('origcausevalue')) ?? 0;
    const dest = parseIntStrict(g('destcausevalue')) ?? 0;
    const cause = orig !== 0 ? orig : dest;
    if (orig !== 0) rec.endedBy = 'caller';
    else if (dest !== 0) rec.endedBy = 'callee';
    rec.q850Cause = cause > 0 && cause <= 127 ? cause : null;
    rec.vendorId = g('globalcallidcallid') || null;
    rec.peer = g('destdevicename') || g('origdevicename') || '';
    records.push(rec);
  }
  if (names === null) return { format: 'cisco_cucm', records, problems, rowsIn, rowsUsed: 0, error: 'Cisco CUCM CDR: the file is empty' };
  return { format: 'cisco_cucm', records, problems, rowsIn, rowsUsed: records.length, error: null };
}
