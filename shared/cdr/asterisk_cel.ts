// Asterisk CEL (Channel Event Logging) CSV → one CdrRecord per call.
//
// CEL writes one row per channel event, not per call. The CSV layout is the cel_custom
// sample mapping (cel_custom.conf.sample, as in asterisk/testsuite self_test/CELMaster1.csv):
//   eventtype, eventtime, cid_name, cid_num, cid_ani, cid_rdnis, cid_dnid, exten, context,
//   channame, appname, appdata, amaflags, accountcode, uniqueid, linkedid, bridgepeer,
//   userfield, userdeftype, eventextra
// Event types per the Asterisk CEL docs (CHAN_START, CHAN_END, ANSWER, HANGUP, BRIDGE_ENTER/
// BRIDGE_EXIT — BRIDGE_START/BRIDGE_END before Asterisk 12 —, APP_START, APP_END,
// PARK_START, PARK_END, LINKEDID_END, USER_DEFINED, BLINDTRANSFER, ATTENDEDTRANSFER,
// PICKUP, FORWARD, LOCAL_OPTIMIZE…).
//
// Grouping: every channel of one call shares the linkedid (the uniqueid of the channel that
// started it), so events are grouped by linkedid (uniqueid when linkedid is empty).
//   start  = the first event of the group (normally the originator's CHAN_START)
//   answer = the originator's ANSWER (the channel whose uniqueid is the linkedid), else the
//            first ANSWER of any channel in the group
//   end    = LINKEDID_END, else the last HANGUP/CHAN_END
//   cause  = the originator's HANGUP extra, else the first HANGUP with a cause. The extra is
//            "cause,hangupsource,dialstatus" in Asterisk 1.8/11 (the testsuite file) and JSON
//            {"hangupcause":16,"hangupsource":"…","dialstatus":"ANSWER"} from Asterisk 12.
//   endedBy = from hangupsource: the originator's channel name → caller, another channel of
//            the call → callee, anything else ('dialplan/builtin', empty) → null.
// eventtime is "seconds.microseconds" since the epoch in the testsuite file, or
// 'YYYY-MM-DD HH:MM:SS[.ffffff]' (local time, read as UTC, as for Master.csv) with
// cel.conf dateformat defaults.
//
// Rows in / rows used: rowsIn counts event rows; an event row is "used" when it went into
// a call record. rowsIn = rowsUsed + problems.length.

import type { CdrRecord } from '../model/cdr.ts';
import { asteriskPeer } from './asterisk_master_cdr.ts';
import { shown, CdrRowParser, collectCsv, makeRecord, parseIntStrict, parseTimeUs, rawFromColumns, startProblem, usToS, type CdrEmitter, type CdrParseResult } from './cdr_common.ts';
import type { CsvItem } from './csv_reader.ts';

export const CEL_COLUMNS = [
  'eventtype', 'eventtime', 'cid_name', 'cid_num', 'cid_ani', 'cid_rdnis', 'cid_dnid', 'exten', 'context',
  'channame', 'appname', 'appdata', 'amaflags', 'accountcode', 'uniqueid', 'linkedid', 'bridgepeer',
  'userfield', 'userdeftype', 'eventextra',
] as const;

export const CEL_EVENT_TYPES = new Set([
  'CHAN_START', 'CHAN_END', 'ANSWER', 'HANGUP', 'CONF_ENTER', 'CONF_EXIT', 'CONF_START', 'CONF_END',
  'APP_START', 'APP_END', 'PARK_START', 'PARK_END', 'LINKEDID_END', 'BRIDGE_START', 'BRIDGE_END',
  'BRIDGE_ENTER', 'BRIDGE_EXIT', 'BRIDGE_UPDATE', 'BLINDTRANSFER', 'ATTENDEDTRANSFER', 'TRANSFER',
  'PICKUP', 'FORWARD', 'LOCAL_OPTIMIZE', 'LOCAL_OPTIMIZE_BEGIN', 'HOOKFLASH', '3WAY_START', '3WAY_END',
  'USER_DEFINED', 'STREAM_BEGIN', 'STREAM_END', 'DTMF',
]);

interface CelEvent {
  line: number;
  type: string;
  timeUs: number;
  raw: Record<string, string>;
}

interface HangupExtra {
  cause: number | null;
  source: string;
  dialstatus: string;
}

/** Parses a HANGUP eventextra in either the comma form or the JSON form. */
export function parseHangupExtra(extra: string): HangupExtra {
  const v = extra.trim();
  if (v.startsWith('{')) {
    try {
      const o: unknown = JSON.parse(v);
      if (o !== null && typeof o === 'object') {
        const r = o as Record<string, unknown>;
        const c = r.hangupcause;
        const cause = typeof c === 'number' ? c : typeof c === 'string' ? parseIntStrict(c) : null;
        return {
          cause: cause !== null && cause >= 0 && cause <= 127 ? cause : null,
          source: typeof r.hangupsource === 'string' ? r.hangupsource : '',
          dialstatus: typeof r.dialstatus === 'string' ? r.dialstatus : '',
        };
      }
    } catch {
      // fall through: not JSON after all
    }
    return { cause: null, source: '', dialstatus: '' };
  }
  const parts = v.split(',');
  const cause = parseIntStrict(parts[0]);
  return {
    cause: cause !== null && cause >= 0 && cause <= 127 ? cause : null,
    source: parts[1] ?? '',
    dialstatus: parts[2] ?? '',
  };
}

const DIALSTATUS_Q850: Record<string, number> = { BUSY: 17, CONGESTION: 34 };

function buildRecord(key: string, events: CelEvent[]): CdrRecord {
  events.sort((a, b) => a.timeUs - b.timeUs || a.line - b.line);
  const first = events[0];
  const origin = events.filter((e) => e.raw.uniqueid === key);
  const originFirst = origin[0] ?? first;
  const rec = makeRecord('asterisk_cel', events.reduce((m, e) => Math.min(m, e.line), Number.MAX_SAFE_INTEGER), { ...originFirst.raw, events: String(events.length) });
  rec.vendorId = key;
  rec.startUs = first.timeUs;
  const answer = origin.find((e) => e.type === 'ANSWER') ?? events.find((e) => e.type === 'ANSWER');
  rec.answerUs = answer ? answer.timeUs : null;
  const linkedEnd = events.find((e) => e.type === 'LINKEDID_END');
  const ends = events.filter((e) => e.type === 'HANGUP' || e.type === 'CHAN_END');
  rec.endUs = linkedEnd ? linkedEnd.timeUs : ends.length > 0 ? ends[ends.length - 1].timeUs : null;
  rec.from = originFirst.raw.cid_num || originFirst.raw.cid_ani || '';
  rec.to = originFirst.raw.cid_dnid || originFirst.raw.exten || '';

  const hangups = events.filter((e) => e.type === 'HANGUP');
  const originHangup = hangups.find((e) => e.raw.uniqueid === key);
  const withCause = originHangup && parseHangupExtra(originHangup.raw.eventextra ?? '').cause !== null ? originHangup : hangups.find((e) => parseHangupExtra(e.raw.eventextra ?? '').cause !== null);
  const extra = withCause ? parseHangupExtra(withCause.raw.eventextra ?? '') : null;
  const originExtra = originHangup ? parseHangupExtra(originHangup.raw.eventextra ?? '') : null;
  const dialstatus = originExtra?.dialstatus || extra?.dialstatus || '';
  rec.q850Cause = extra?.cause ?? (dialstatus in DIALSTATUS_Q850 ? DIALSTATUS_Q850[dialstatus] : null);
  rec.answered = rec.answerUs !== null;
  rec.disposition = dialstatus !== '' ? dialstatus : rec.answered ? 'ANSWERED' : 'NO ANSWER';

  // Who hung up: the first hangupsource naming a channel of this call.
  const originChannel = originFirst.raw.channame ?? '';
  const channels = new Set(events.map((e) => e.raw.channame).filter((c) => c));
  for (const h of hangups) {
    const src = parseHangupExtra(h.raw.eventextra ?? '').source;
    if (src === '' || !channels.has(src)) continue;
    rec.endedBy = src === originChannel ? 'caller' : 'callee';
    break;
  }
  const other = events.find((e) => e.raw.channame && e.raw.channame !== originChannel);
  rec.peer = other ? asteriskPeer(other.raw.channame) : asteriskPeer(originChannel);
  if (rec.endUs !== null) rec.durationS = usToS(rec.endUs - rec.startUs);
  if (rec.endUs !== null && rec.answerUs !== null) rec.billsecS = usToS(rec.endUs - rec.answerUs);
  return rec;
}

/**
 * CEL event rows, one CSV item at a time. Events are grouped per call (linkedid) until the
 * end of the input, so memory grows with the events of the file (CEL exports are per
 * event, and a call's events may be far apart).
 */
export class AsteriskCelRowParser extends CdrRowParser {
  private readonly groups = new Map<string, CelEvent[]>();

  constructor(out: CdrEmitter) {
    super('asterisk_cel', out);
  }

  item(item: CsvItem): void {
    this.rowsIn++;
    if (item.kind === 'problem') {
      this.problem(item.line, item.message);
      return;
    }
    const f = item.fields;
    if (f.length < 16 || !CEL_EVENT_TYPES.has(f[0])) {
      this.problem(item.line, `not a CEL event row: expected an event type in column 1 and at least 16 columns, got '${shown(f[0])}' and ${f.length} columns`);
      return;
    }
    const raw = rawFromColumns(CEL_COLUMNS, f);
    const timeUs = parseTimeUs(raw.eventtime);
    if (timeUs === null) {
      this.problem(item.line, startProblem('eventtime', raw.eventtime));
      return;
    }
    const key = raw.linkedid || raw.uniqueid;
    if (!key) {
      this.problem(item.line, 'CEL event without linkedid or uniqueid');
      return;
    }
    let g = this.groups.get(key);
    if (!g) {
      g = [];
      this.groups.set(key, g);
    }
    g.push({ line: item.line, type: f[0], timeUs, raw });
  }

  override end(): void {
    const built: Array<{ rec: CdrRecord; lines: number[] }> = [];
    for (const [key, events] of this.groups) built.push({ rec: buildRecord(key, events), lines: events.map((e) => e.line).sort((a, b) => a - b) });
    this.groups.clear();
    built.sort((a, b) => a.rec.line - b.rec.line);
    // A call whose events cannot belong together (an event time damaged into another month)
    // is reported at each of its event lines, with the reason.
    for (const b of built) this.accept(b.rec, b.lines);
  }
}

export function parseAsteriskCel(text: string): CdrParseResult {
  return collectCsv(text, (out) => new AsteriskCelRowParser(out));
}
