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

import type { CdrRecord, RowProblem } from '../model/cdr.ts';
import { csvRows, fieldGetter, headerIndex, makeRecord, normHeader, parseNum, parseSipCode, parseTimeUs, rawFromColumns, type CdrParseResult } from './cdr_common.ts';

export const TWILIO_STATUSES = new Set(['queued', 'ringing', 'in-progress', 'canceled', 'completed', 'failed', 'busy', 'no-answer']);

export function isTwilioCallsHeader(fields: readonly string[]): boolean {
  const n = new Set(fields.map(normHeader));
  return (n.has('sid') || n.has('callsid')) && n.has('from') && n.has('to') && n.has('status') && (n.has('starttime') || n.has('datecreated'));
}

const STATUS_Q850: Record<string, number> = { busy: 17, 'no-answer': 19 };

export function parseTwilioCallsCsv(text: string): CdrParseResult {
  const records: CdrRecord[] = [];
  const problems: RowProblem[] = [];
  let rowsIn = 0;
  let names: string[] | null = null;
  let index = new Map<string, number>();
  for (const item of csvRows(text)) {
    if (names === null) {
      if (item.kind === 'row' && isTwilioCallsHeader(item.fields)) {
        names = item.fields.map((f) => f.trim());
        index = headerIndex(names);
        continue;
      }
      return { format: 'twilio_calls_csv', records, problems, rowsIn, rowsUsed: 0, error: 'Twilio call log CSV: no header row with Sid, From, To, Status and Start Time found' };
    }
    rowsIn++;
    if (item.kind === 'problem') {
      problems.push({ line: item.line, message: item.message });
      continue;
    }
    const g = fieldGetter(index, item.fields);
    const raw = rawFromColumns(names, item.fields);
    const startUs = parseTimeUs(g('starttime')) ?? parseTimeUs(g('datecreated'));
    if (startUs === null) {
      problems.push({ line: item.line, message: `unreadable Start Time '${(g('starttime') ?? '').slice(0, 40)}'` });
      continue;
    }
    const rec = makeRecord('twilio_calls_csv', item.line, raw);
    const status = (g('status') ?? '').trim().toLowerCase();
    rec.startUs = startUs;
    rec.endUs = parseTimeUs(g('endtime'));
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
    records.push(rec);
  }
  if (names === null) return { format: 'twilio_calls_csv', records, problems, rowsIn, rowsUsed: 0, error: 'Twilio call log CSV: the file is empty' };
  return { format: 'twilio_calls_csv', records, problems, rowsIn, rowsUsed: records.length, error: null };
}
