// FreeSWITCH mod_cdr_csv → CdrRecord.
//
// mod_cdr_csv writes one row per leg through a template in cdr_csv.conf.xml, normally with
// no header row. The default template (cdr_csv.conf.xml "default"; the sample Master.csv on
// the FreeSWITCH CDR page, developer.signalwire.com/freeswitch/FreeSWITCH-Explained/Configuration/CDR,
// has exactly these 15 columns):
//   caller_id_name, caller_id_number, destination_number, context, start_stamp,
//   answer_stamp, end_stamp, duration, billsec, hangup_cause, uuid, bleg_uuid,
//   accountcode, read_codec, write_codec
// A template is user-defined, so a header row naming ${…} variables is honoured when
// present (columns matched by name: hangup_cause, uuid, start_stamp, …).
//
// Headerless detection (cdr_format.ts) is by content: column 10 is a hangup cause name
// from the FreeSWITCH cause table (NORMAL_CLEARING, USER_BUSY, …) and column 11 a UUID.
// The corpus file (freeswitch_tools Master.csv) has that order but no quotes and stamps
// like '2020/2/10 22:41': the default template quotes every field and writes
// 'YYYY-MM-DD HH:MM:SS', so it was most likely re-saved by a spreadsheet, which also
// dropped the seconds; duration/billsec are then more precise than the stamps.
//
// Stamps are the switch's local time; read as UTC (no zone in the file).
// hangup_cause names map to Q.850 by the FreeSWITCH Hangup Cause Code Table; causes above
// 127 (ORIGINATOR_CANCEL 487, …) are FreeSWITCH-internal, not Q.850: q850Cause null, see
// FREESWITCH_ONLY_CAUSES for the SIP code / side they imply. The default template does not
// log who hung up (sip_hangup_disposition), so endedBy is null except ORIGINATOR_CANCEL.
// uuid is FreeSWITCH's channel id, not the SIP Call-ID (that is ${sip_call_id}, read when a
// header names it).

import {
  CdrRowParser,
  collectCsv,
  FREESWITCH_ONLY_CAUSES,
  makeRecord,
  normHeader,
  parseNum,
  parseSipCode,
  parseTimeUs,
  q850FromCause,
  rawFromColumns,
  RowTimes,
  startProblem,
  type CdrEmitter,
  type CdrParseResult,
} from './cdr_common.ts';
import type { CsvItem } from './csv_reader.ts';

export const FREESWITCH_DEFAULT_COLUMNS = [
  'caller_id_name', 'caller_id_number', 'destination_number', 'context', 'start_stamp', 'answer_stamp',
  'end_stamp', 'duration', 'billsec', 'hangup_cause', 'uuid', 'bleg_uuid', 'accountcode', 'read_codec', 'write_codec',
] as const;

/** A header row of a custom template: it names hangup_cause and uuid. */
export function isFreeswitchHeader(fields: readonly string[]): boolean {
  const n = new Set(fields.map((f) => normHeader(f.replace(/^\$\{|\}$/g, ''))));
  return n.has('hangupcause') && n.has('uuid');
}

/** FreeSWITCH rows, one CSV item at a time. */
export class FreeswitchRowParser extends CdrRowParser {
  private names: string[] = [...FREESWITCH_DEFAULT_COLUMNS];
  private first = true;

  constructor(out: CdrEmitter) {
    super('freeswitch_csv', out);
  }

  item(item: CsvItem): void {
    if (item.kind === 'row' && this.first) {
      this.first = false;
      if (isFreeswitchHeader(item.fields)) {
        this.names = item.fields.map((f) => f.replace(/^\$\{|\}$/g, '').trim().toLowerCase());
        return;
      }
    }
    this.first = false;
    this.rowsIn++;
    if (item.kind === 'problem') {
      this.problem(item.line, item.message);
      return;
    }
    const f = item.fields;
    if (f.length < 11) {
      this.problem(item.line, `expected at least 11 columns (default mod_cdr_csv template has 15), got ${f.length}`);
      return;
    }
    const raw = rawFromColumns(this.names, f);
    const startUs = parseTimeUs(raw.start_stamp);
    if (startUs === null) {
      this.problem(item.line, startProblem('start_stamp', raw.start_stamp));
      return;
    }
    const times = new RowTimes();
    const rec = makeRecord('freeswitch_csv', item.line, raw);
    rec.startUs = startUs;
    rec.answerUs = times.read('answer_stamp', raw.answer_stamp);
    rec.endUs = times.read('end_stamp', raw.end_stamp);
    if (times.problem !== null) {
      this.problem(item.line, times.problem);
      return;
    }
    rec.from = raw.caller_id_number ?? '';
    rec.to = raw.destination_number ?? '';
    rec.durationS = parseNum(raw.duration);
    rec.billsecS = parseNum(raw.billsec);
    const cause = (raw.hangup_cause ?? '').trim().toUpperCase();
    rec.disposition = cause;
    rec.q850Cause = q850FromCause(raw.hangup_cause_q850) ?? q850FromCause(cause);
    const special = FREESWITCH_ONLY_CAUSES[cause];
    if (special) {
      rec.sipCode = special.sipCode;
      rec.endedBy = special.endedBy;
    }
    const sip = parseSipCode(raw.sip_term_status);
    if (sip !== null) rec.sipCode = sip;
    // sip_hangup_disposition (recv_bye, send_bye, recv_cancel, send_refuse…) says whether
    // FreeSWITCH received or sent the ending request on this leg; which party that is
    // depends on the leg's direction (${direction}: inbound = the leg from the caller,
    // outbound = the leg to the callee). Without the direction it says nothing.
    const disp = raw.sip_hangup_disposition ?? '';
    const dir = (raw.direction ?? '').toLowerCase();
    if ((disp.startsWith('recv_') || disp.startsWith('send_')) && (dir === 'inbound' || dir === 'outbound')) {
      const farEndHungUp = disp.startsWith('recv_');
      rec.endedBy = (dir === 'inbound') === farEndHungUp ? 'caller' : 'callee';
    }
    rec.answered = rec.answerUs !== null || (rec.billsecS !== null && rec.billsecS > 0);
    rec.vendorId = raw.uuid || null;
    rec.callId = raw.sip_call_id || null;
    rec.peer = raw.sip_gateway_name || raw.context || '';
    this.accept(rec);
  }
}

export function parseFreeswitchCsv(text: string): CdrParseResult {
  return collectCsv(text, (out) => new FreeswitchRowParser(out));
}
