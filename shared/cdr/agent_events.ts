// Agent close-of-call events (voice-AI platforms; diagnosis.md §5) → AgentEvent.
//
// One event per call, as JSON lines (or a JSON array) or CSV with a header row, fields:
//   call_id              SIP Call-ID of the call (joins to a captured call)
//   initiator            who ended the call: caller | agent | system
//   sip_final_code       final SIP response code of the call
//   last_rtp_timestamp   time of the last RTP packet the agent saw: ISO 8601, or epoch
//                        seconds / milliseconds / microseconds (detected by magnitude:
//                        ≤ 11 integer digits = s, ≤ 14 = ms, else µs)
//   llm_last_ttft_ms     time to first token of the last LLM turn, ms
//   stt_last_confidence  confidence of the last speech-to-text result, 0..1
//   last_mos             last MOS estimate
// This is our own interchange shape (no vendor standard exists), so names are matched
// case-insensitively and a few spellings of initiator values are accepted: user/customer
// → caller, bot/assistant/ai → agent, platform/timeout/server → system.
// A row without call_id, a line that is not JSON, or a JSON value that is not an object is
// a RowProblem; the rest is imported. rowsIn = events.length + problems.length.

import type { AgentEvent, RowProblem } from '../model/cdr.ts';
import { TOO_DEEP, shown, csvRows, fieldGetter, headerIndex, jsonDeeperThan, normHeader, parseNum, parseSipCode, parseTimeUs, rawFromColumns } from './cdr_common.ts';

export const AGENT_EVENT_FIELDS = ['call_id', 'initiator', 'sip_final_code', 'last_rtp_timestamp', 'llm_last_ttft_ms', 'stt_last_confidence', 'last_mos'] as const;
const NORM_FIELDS = AGENT_EVENT_FIELDS.map(normHeader);

export interface AgentEventsResult {
  events: AgentEvent[];
  problems: RowProblem[];
  rowsIn: number;
}

export function normInitiator(v: string | undefined): AgentEvent['initiator'] {
  const t = (v ?? '').trim().toLowerCase();
  if (t === 'caller' || t === 'user' || t === 'customer') return 'caller';
  if (t === 'agent' || t === 'bot' || t === 'assistant' || t === 'ai') return 'agent';
  if (t === 'system' || t === 'platform' || t === 'timeout' || t === 'server') return 'system';
  return null;
}

function toText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** Builds an event from name → text values; a string is the row's problem. */
function toEvent(values: Record<string, string>, line: number): AgentEvent | string {
  const get = (name: string): string | undefined => {
    const want = normHeader(name);
    for (const [k, v] of Object.entries(values)) if (normHeader(k) === want) return v;
    return undefined;
  };
  const callId = (get('call_id') ?? '').trim();
  if (callId === '') return 'event without call_id';
  const ts = get('last_rtp_timestamp');
  const lastRtpUs = parseTimeUs(ts);
  if (ts !== undefined && ts.trim() !== '' && lastRtpUs === null) return `unreadable last_rtp_timestamp '${shown(ts)}'`;
  return {
    line,
    callId,
    initiator: normInitiator(get('initiator')),
    sipFinalCode: parseSipCode(get('sip_final_code')),
    lastRtpUs,
    llmLastTtftMs: parseNum(get('llm_last_ttft_ms')),
    sttLastConfidence: parseNum(get('stt_last_confidence')),
    lastMos: parseNum(get('last_mos')),
    raw: values,
  };
}

function objectValues(o: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) out[k] = toText(v);
  return out;
}

function firstNonBlankLine(text: string): string {
  let i = 0;
  const t = text.charCodeAt(0) === 0xfeff ? text.slice(1, 65536) : text.slice(0, 65536);
  while (i < t.length) {
    let j = t.indexOf('\n', i);
    if (j < 0) j = t.length;
    const l = t.slice(i, j).trim();
    if (l !== '') return l;
    i = j + 1;
  }
  return '';
}

/** True when the text looks like agent close-of-call events (JSON lines/array or CSV). */
export function detectAgentEvents(text: string): boolean {
  const first = firstNonBlankLine(text);
  if (first === '') return false;
  if (first.startsWith('{') || first.startsWith('[')) {
    // Key names, not a full parse: the head may be cut mid-document.
    const keys = new Set<string>();
    const re = /"([A-Za-z_]{2,40})"\s*:/g;
    const head = text.slice(0, 65536);
    let m: RegExpExecArray | null;
    let n = 0;
    while ((m = re.exec(head)) !== null && n++ < 2000) keys.add(normHeader(m[1]));
    if (!keys.has('callid')) return false;
    if (keys.has('callsid') || keys.has('callstate')) return false; // Twilio Voice Insights
    return NORM_FIELDS.filter((k) => k !== 'callid' && keys.has(k)).length >= 2;
  }
  const row = csvRows(first)[0];
  if (!row || row.kind !== 'row') return false;
  const n = new Set(row.fields.map(normHeader));
  return n.has('callid') && NORM_FIELDS.filter((k) => k !== 'callid' && n.has(k)).length >= 2;
}

export function parseAgentEvents(text: string): AgentEventsResult {
  const events: AgentEvent[] = [];
  const problems: RowProblem[] = [];
  let rowsIn = 0;
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const first = firstNonBlankLine(body);
  const push = (r: AgentEvent | string, line: number): void => {
    rowsIn++;
    if (typeof r === 'string') problems.push({ line, message: r });
    else events.push(r);
  };
  /** One parsed JSON value as an event, or its problem; never throws. */
  const fromJson = (v: unknown, line: number): AgentEvent | string => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'not an event object';
    if (jsonDeeperThan(v)) return TOO_DEEP;
    try {
      return toEvent(objectValues(v as Record<string, unknown>), line);
    } catch (e) {
      return `could not be read (${(e as Error).message})`;
    }
  };

  if (first.startsWith('[')) {
    // A JSON array of events; line = index in the array.
    let doc: unknown = null;
    try {
      doc = JSON.parse(body);
    } catch {
      // not one JSON document: fall through to JSON lines
    }
    if (Array.isArray(doc)) {
      doc.forEach((v, i) => push(fromJson(v, i + 1), i + 1));
      return { events, problems, rowsIn };
    }
  }
  if (first.startsWith('{') || first.startsWith('[')) {
    let start = 0;
    let line = 0;
    while (start <= body.length) {
      let end = body.indexOf('\n', start);
      if (end < 0) end = body.length;
      line++;
      const l = body.slice(start, end).trim();
      start = end + 1;
      if (l !== '') {
        let v: unknown;
        try {
          v = JSON.parse(l);
        } catch {
          push('not valid JSON', line);
          continue;
        }
        push(fromJson(v, line), line);
      }
      if (end >= body.length) break;
    }
    return { events, problems, rowsIn };
  }

  // CSV with a header row.
  let names: string[] | null = null;
  let index = new Map<string, number>();
  for (const item of csvRows(body)) {
    if (names === null) {
      if (item.kind === 'row') {
        names = item.fields.map((f) => f.trim());
        index = headerIndex(names);
        if (!index.has('callid')) {
          return { events, problems: [{ line: item.line, message: `no call_id column in the header (columns: ${names.slice(0, 20).map((n) => shown(n)).join(', ')})` }], rowsIn: 1 };
        }
        continue;
      }
      push(item.message, item.line);
      continue;
    }
    if (item.kind === 'problem') {
      push(item.message, item.line);
      continue;
    }
    const g = fieldGetter(index, item.fields);
    if (item.fields.length < names.length && g('callid') === undefined) {
      push(`expected ${names.length} columns, got ${item.fields.length}`, item.line);
      continue;
    }
    push(toEvent(rawFromColumns(names, item.fields), item.line), item.line);
  }
  return { events, problems, rowsIn };
}
