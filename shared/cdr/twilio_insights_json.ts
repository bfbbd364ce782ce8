// Twilio Voice Insights Call Summary JSON → CdrRecord.
//
// Shapes accepted: one Call Summary object (GET /v1/Voice/{CallSid}/Summary), an array of
// them, the list resource page {"meta": …, "call_summaries": [...]}, or JSON lines (one
// summary per line). Fields per twilio.com/docs/voice/voice-insights/api/call/call-summary-resource
// and "Details: Call Summary" (…/api/call/details-call-summary):
//   call_sid; from.caller / to.callee (+ carrier); start_time, end_time (ISO 8601);
//   duration ("between when the call was initiated and the call was ended") and
//   connect_duration ("between when the call was answered and when it ended"), seconds;
//   call_state: ringing, completed, busy, fail, noanswer, canceled, answered, undialed;
//   properties.disconnected_by ("direction of the SIP BYE received at Twilio signaling
//   gateway": caller | callee), properties.last_sip_response_num, properties.pdd_ms;
//   edges (carrier_edge, sip_edge, sdk_edge, client_edge) with metrics.inbound/outbound:
//   jitter {avg,max}, packets_loss_percentage, and on sdk_edge mos {avg,min,max};
//   edge properties.sip_call_id (SIP interface / trunking calls);
//   tags: high_jitter, high_packet_loss, low_mos, high_pdd, silence, …
// Derived: answerUs = end_time − connect_duration when the call connected (the summary has
// no answer timestamp). quality.mos is the lowest average MOS of any edge/direction,
// jitterMs the highest average jitter, lossPct the highest loss percentage: the worst
// direction is what a user hears. busy/noanswer map to Q.850 17/19 as for the call log.

import type { CdrRecord, RowProblem } from '../model/cdr.ts';
import { TOO_DEEP, shown, jsonDeeperThan, makeRecord, parseSipCode, parseTimeUs, recordProblem, type CdrParseResult } from './cdr_common.ts';

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : null;
}
function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}
function num(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

const EDGES = ['carrier_edge', 'sip_edge', 'sdk_edge', 'client_edge'];
const STATE_Q850: Record<string, number> = { busy: 17, noanswer: 19 };

/** Flattens a summary to dotted keys for the raw view (bounded depth). */
function flatten(o: Obj, prefix: string, out: Record<string, string>, depth: number): void {
  for (const [k, v] of Object.entries(o)) {
    const key = prefix ? `${prefix}.${k}` : k;
    const child = obj(v);
    if (child && depth < 4) flatten(child, key, out, depth + 1);
    else if (Array.isArray(v)) out[key] = v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(',');
    else out[key] = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
}

export function summaryToRecord(s: Obj, line: number): CdrRecord | string {
  const sid = str(s.call_sid);
  if (sid === '') return 'call summary without call_sid';
  const startUs = parseTimeUs(str(s.start_time)) ?? parseTimeUs(str(s.created_time));
  if (startUs === null) return `call summary ${sid}: unreadable start_time '${shown(str(s.start_time))}'`;
  const raw: Record<string, string> = {};
  flatten(s, '', raw, 0);
  const rec = makeRecord('twilio_insights_json', line, raw);
  rec.vendorId = sid;
  rec.startUs = startUs;
  rec.endUs = parseTimeUs(str(s.end_time));
  rec.from = str(obj(s.from)?.caller);
  rec.to = str(obj(s.to)?.callee);
  rec.durationS = num(s.duration);
  const connect = num(s.connect_duration);
  const state = str(s.call_state).toLowerCase();
  rec.disposition = state;
  rec.answered = state === 'completed' || state === 'answered' || (connect !== null && connect > 0);
  rec.billsecS = rec.answered ? connect : 0;
  if (rec.answered && connect !== null && rec.endUs !== null) rec.answerUs = rec.endUs - Math.round(connect * 1e6);
  rec.q850Cause = STATE_Q850[state] ?? null;
  const props = obj(s.properties);
  rec.sipCode = parseSipCode(str(props?.last_sip_response_num));
  const by = str(props?.disconnected_by).toLowerCase();
  rec.endedBy = by === 'caller' ? 'caller' : by === 'callee' ? 'callee' : null;

  let mos: number | undefined;
  let jitter: number | undefined;
  let loss: number | undefined;
  let trunk = '';
  for (const name of EDGES) {
    const edge = obj(s[name]);
    if (!edge) continue;
    const ep = obj(edge.properties);
    if (ep) {
      if (rec.callId === null && str(ep.sip_call_id) !== '') rec.callId = str(ep.sip_call_id);
      if (trunk === '' && str(ep.trunk_sid) !== '') trunk = str(ep.trunk_sid);
      if (rec.endedBy === null) {
        const eby = str(ep.disconnected_by).toLowerCase();
        if (eby === 'caller' || eby === 'callee') rec.endedBy = eby;
      }
    }
    const metrics = obj(edge.metrics);
    for (const dir of ['inbound', 'outbound']) {
      const m = obj(metrics?.[dir]);
      if (!m) continue;
      const j = num(obj(m.jitter)?.avg);
      if (j !== null) jitter = jitter === undefined ? j : Math.max(jitter, j);
      const l = num(m.packets_loss_percentage);
      if (l !== null) loss = loss === undefined ? l : Math.max(loss, l);
      const mo = obj(m.mos);
      const mv = mo ? num(mo.avg) ?? num(mo.average) : num(m.mos);
      if (mv !== null) mos = mos === undefined ? mv : Math.min(mos, mv);
    }
  }
  const tags = Array.isArray(s.tags) ? s.tags.filter((t): t is string => typeof t === 'string') : [];
  if (mos !== undefined || jitter !== undefined || loss !== undefined || tags.length > 0) {
    rec.quality = {};
    if (mos !== undefined) rec.quality.mos = mos;
    if (jitter !== undefined) rec.quality.jitterMs = jitter;
    if (loss !== undefined) rec.quality.lossPct = loss;
    if (tags.length > 0) rec.quality.tags = tags;
  }
  const dir = str(props?.direction).toLowerCase();
  const farCarrier = dir.startsWith('inbound') || dir === 'trunking_originating' || dir === 'trunking-originating' ? str(obj(s.from)?.carrier) : str(obj(s.to)?.carrier);
  rec.peer = trunk || farCarrier;
  return rec;
}

/** The summaries in a parsed JSON document, or null when it holds none. */
function summariesOf(doc: unknown): unknown[] | null {
  if (Array.isArray(doc)) return doc;
  const o = obj(doc);
  if (!o) return null;
  if (Array.isArray(o.call_summaries)) return o.call_summaries;
  if ('call_sid' in o) return [o];
  return null;
}

export function parseTwilioInsightsJson(text: string): CdrParseResult {
  const records: CdrRecord[] = [];
  const problems: RowProblem[] = [];
  let rowsIn = 0;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const add = (v: unknown, line: number): void => {
    rowsIn++;
    const o = obj(v);
    if (!o) {
      problems.push({ line, message: 'not a call summary object' });
      return;
    }
    if (jsonDeeperThan(o)) {
      problems.push({ line, message: `call summary ${TOO_DEEP}` });
      return;
    }
    const r = summaryToRecord(o, line);
    const why = typeof r === 'string' ? r : recordProblem(r);
    if (why !== null) problems.push({ line, message: why });
    else records.push(r as CdrRecord);
  };
  let whole: unknown;
  let wholeOk = false;
  try {
    whole = JSON.parse(body);
    wholeOk = true;
  } catch {
    // not one JSON document: read as JSON lines below
  }
  if (wholeOk) {
    const list = summariesOf(whole);
    if (list === null) {
      return { format: 'twilio_insights_json', records, problems, rowsIn, rowsUsed: 0, error: 'Twilio Voice Insights JSON: no call summary (call_sid) found' };
    }
    list.forEach((v, i) => add(v, i + 1));
  } else {
    // JSON lines: one summary per line; a bad line is a problem, the rest is imported.
    const lines = body.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i].trim();
      if (l === '') continue;
      let v: unknown;
      try {
        v = JSON.parse(l);
      } catch {
        rowsIn++;
        problems.push({ line: i + 1, message: 'not valid JSON' });
        continue;
      }
      const list = summariesOf(v);
      if (list === null) {
        rowsIn++;
        problems.push({ line: i + 1, message: 'not a call summary object' });
        continue;
      }
      for (const s of list) add(s, i + 1);
    }
  }
  return { format: 'twilio_insights_json', records, problems, rowsIn, rowsUsed: records.length, error: null };
}
