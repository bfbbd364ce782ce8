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

import { shown, CdrRowParser, collectCsv, fieldGetter, headerIndex, makeRecord, normHeader, parseIntStrict, parseNum, parseTimeUs, rawFromColumns, RowTimes, startProblem, type CdrEmitter, type CdrParseResult } from './cdr_common.ts';
import type { CsvItem } from './csv_reader.ts';

export const CUCM_KEY_COLUMNS = ['cdrrecordtype', 'globalcallidcallid', 'origcausevalue', 'destcausevalue', 'datetimeorigination', 'datetimedisconnect'];

export function isCucmHeader(fields: readonly string[]): boolean {
  const n = new Set(fields.map(normHeader));
  return CUCM_KEY_COLUMNS.filter((k) => n.has(k)).length >= 4;
}

/** Cisco CUCM rows, one CSV item at a time. */
export class CucmRowParser extends CdrRowParser {
  private names: string[] | null = null;
  private index = new Map<string, number>();
  private typeRowChecked = false;

  constructor(out: CdrEmitter) {
    super('cisco_cucm', out);
  }

  item(item: CsvItem): void {
    if (this.names === null) {
      if (item.kind === 'row' && isCucmHeader(item.fields)) {
        this.names = item.fields.map((f) => f.trim());
        this.index = headerIndex(this.names);
        return;
      }
      this.error = 'Cisco CUCM CDR: no header row with cdrRecordType, globalCallID_callId, origCause_value… found';
      return;
    }
    const names = this.names;
    if (!this.typeRowChecked && item.kind === 'row') {
      this.typeRowChecked = true;
      const t = (item.fields[0] ?? '').trim().toUpperCase();
      if (t === 'INTEGER' || t === 'INT' || t.startsWith('VARCHAR')) return;
    }
    this.rowsIn++;
    if (item.kind === 'problem') {
      this.problem(item.line, item.message);
      return;
    }
    const raw = rawFromColumns(names, item.fields);
    const g = fieldGetter(this.index, item.fields);
    if (item.fields.length !== names.length) {
      this.problem(item.line, `expected ${names.length} columns like the header, got ${item.fields.length}`);
      return;
    }
    const type = parseIntStrict(g('cdrrecordtype'));
    if (type !== 1) {
      this.problem(item.line, `cdrRecordType '${shown(g('cdrrecordtype'), 20)}' is not an end call detail record (1), skipped`);
      return;
    }
    const startUs = parseTimeUs(g('datetimeorigination'), 'epoch_s');
    if (startUs === null) {
      this.problem(item.line, startProblem('dateTimeOrigination', g('datetimeorigination'), 'epoch_s'));
      return;
    }
    const times = new RowTimes();
    const rec = makeRecord('cisco_cucm', item.line, raw);
    rec.startUs = startUs;
    rec.answerUs = times.read('dateTimeConnect', g('datetimeconnect'), 'epoch_s');
    rec.endUs = times.read('dateTimeDisconnect', g('datetimedisconnect'), 'epoch_s');
    if (times.problem !== null) {
      this.problem(item.line, times.problem);
      return;
    }
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
    this.accept(rec);
  }

  override end(): void {
    if (this.names === null && this.error === null) this.error = 'Cisco CUCM CDR: the file is empty';
  }
}

export function parseCucmCdr(text: string): CdrParseResult {
  return collectCsv(text, (out) => new CucmRowParser(out));
}
