// Twilio call log CSV (Console "Call Logs" download, or a Calls API list saved as CSV) → CdrRecord.
//
// Column names are those of the Call resource (twilio.com/docs/voice/api/call-resource):
// sid, date_created, date_updated, parent_call_sid, to, from, status, start_time, end_time,
// duration, price, price_unit, direction, answered_by, forwarded_from, caller_name…
// The Console export writes them as words ("Call Sid"/"Sid", "Date Created", "Start Time",
// "End Time", "Duration", "From", "To", "Direction", "Status", "Price"). The exact Console
// header was not available to check; headers are therefore matched after normalisation
// (lower case, letters and digits only), so both spellings work.
//
// Per the Call resource docs:
//   - dates are GMT, RFC 2822 in the API ('Tue, 10 Aug 2010 20:37:57 +0000'); exports may
//     use ISO 8601 or 'YYYY-MM-DD HH:MM:SS' (read as UTC);
//   - duration: "the length of the call in seconds", empty for busy, failed, unanswered or
//     ongoing calls;
//   - status: queued, ringing, in-progress, canceled, completed, failed, busy, no-answer.
//     Only "completed" calls were answered. busy and no-answer carry the meaning of Q.850
//     17 (user busy) and 19 (no answer) and are mapped to them; failed and canceled name no
//     cause. canceled = "canceled via the REST API while queued or ringing", i.e. by the
//     originating application: endedBy caller.
// The export has no SIP Call-ID, no who-hung-up and no trunk: callId null, peer ''.

import { CdrRowParser, collectCsv, fieldGetter, headerIndex, makeRecord, normHeader, parseNum, parseSipCode, parseTimeUs, rawFromColumns, RowTimes, startProblem, type CdrEmitter, type CdrParseResult } from './cdr_common.ts';
import type { CsvItem } from './csv_reader.ts';

export const TWILIO_STATUSES = new Set(['queued', 'ringing', 'in-progress', 'canceled', 'completed', 'failed', 'busy', 'no-answer']);

export function isTwilioCallsHeader(fields: readonly string[]): boolean {
  const n = new Set(fields.map(normHeader));
  return (n.has('sid') || n.has('callsid')) && n.has('from') && n.has('to') && n.has('status') && (n.has('starttime') || n.has('datecreated'));
}

const STATUS_Q850: Record<string, number> = { busy: 17, 'no-answer': 19 };

/** Twilio call-log rows, one CSV item at a time. */
export class TwilioCallsRowParser extends CdrRowParser {
  private names: string[] | null = null;
  private index = new Map<string, number>();

  constructor(out: CdrEmitter) {
    super('twilio_calls_csv', out);
  }

  item(item: CsvItem): void {
    if (this.names === null) {
      if (item.kind === 'row' && isTwilioCallsHeader(item.fields)) {
        this.names = item.fields.map((f) => f.trim());
        this.index = headerIndex(this.names);
        return;
      }
      this.error = 'Twilio call log CSV: no header row with Sid, From, To, Status and Start Time found';
      return;
    }
    this.rowsIn++;
    if (item.kind === 'problem') {
      this.problem(item.line, item.message);
      return;
    }
    const g = fieldGetter(this.index, item.fields);
    const raw = rawFromColumns(this.names, item.fields);
    const startUs = parseTimeUs(g('starttime')) ?? parseTimeUs(g('datecreated'));
    if (startUs === null) {
      this.problem(item.line, startProblem('Start Time', g('starttime')));
      return;
    }
    const times = new RowTimes();
    const rec = makeRecord('twilio_calls_csv', item.line, raw);
    const status = (g('status') ?? '').trim().toLowerCase();
    rec.startUs = startUs;
    rec.endUs = times.read('End Time', g('endtime'));
    if (times.problem !== null) {
      this.problem(item.line, times.problem);
      return;
    }
    rec.from = g('from') ?? '';
    rec.to = g('to') ?? '';
    rec.vendorId = g('sid', 'callsid') || null;
    rec.disposition = status;
    rec.durationS = parseNum(g('duration'));
    rec.answered = TWILIO_STATUSES.has(status) ? status === 'completed' || status === 'in-progress' : null;
    rec.billsecS = rec.answered === true ? rec.durationS : rec.answered === false ? 0 : null;
    rec.q850Cause = STATUS_Q850[status] ?? null;
    rec.sipCode = parseSipCode(g('sipresponsecode', 'sipcode'));
    if (status === 'canceled') rec.endedBy = 'caller';
    rec.peer = g('trunksid') ?? '';
    this.accept(rec);
  }

  override end(): void {
    if (this.names === null && this.error === null) this.error = 'Twilio call log CSV: the file is empty';
  }
}

export function parseTwilioCallsCsv(text: string): CdrParseResult {
  return collectCsv(text, (out) => new TwilioCallsRowParser(out));
}
