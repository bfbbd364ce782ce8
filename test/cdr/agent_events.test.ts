// Agent close-of-call events (diagnosis.md §5), JSON lines and CSV.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { detectAgentEvents, parseAgentEvents } from '../../shared/cdr/agent_events.ts';
import { detectInputKind } from '../../shared/cdr/cdr_import.ts';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/cdr');
const read = (f: string): string => readFileSync(join(FIX, f), 'utf8');
const LAST_RTP_US = Date.UTC(2026, 10, 21, 0, 46, 44, 542) * 1000;

describe.each([
  ['agent_events.jsonl', [6, 7], 7],
  ['agent_events.csv', [7], 6],
])('%s', (file, badLines, rowsIn) => {
  const text = read(file);
  const r = parseAgentEvents(text);

  it('is detected as agent events, not a CDR', () => {
    expect(detectAgentEvents(text)).toBe(true);
    expect(detectInputKind(text)).toBe('agent_events');
  });
  it('imports every good row and reports the bad ones with their line', () => {
    expect(r.rowsIn).toBe(rowsIn);
    expect(r.rowsIn).toBe(r.events.length + r.problems.length);
    expect(r.events).toHaveLength(5);
    expect(r.problems.map((p) => p.line)).toEqual(badLines);
  });
  it('has the llm_timeout event for the agent_bye capture', () => {
    const e = r.events.find((x) => x.callId === '1-agent_bye@127.0.4.1');
    expect(e).toBeDefined();
    expect(e?.llmLastTtftMs).toBe(9500);
    expect(e?.initiator).toBe('agent');
    expect(e?.sipFinalCode).toBe(200);
    expect(e?.lastRtpUs).toBe(LAST_RTP_US);
    expect(e?.sttLastConfidence).toBe(0.91);
    expect(e?.lastMos).toBe(4.3);
    expect(r.events.find((x) => x.callId === '1-agent_bye@127.0.3.1')?.llmLastTtftMs).toBe(9500);
  });
  it('detects epoch seconds and milliseconds, and empty values', () => {
    expect(r.events.find((x) => x.callId === '1-normal_clearing@127.0.1.1')?.lastRtpUs).toBe(1795221990250000);
    expect(r.events.find((x) => x.callId === '1-caller_hangup_short@127.0.2.1')?.lastRtpUs).toBe(1795221995250000);
    const sys = r.events.find((x) => x.callId === '1-session_timer_expiry@127.0.20.1');
    expect(sys?.initiator).toBe('system');
    expect([sys?.lastRtpUs, sys?.llmLastTtftMs, sys?.lastMos]).toEqual([null, null, null]);
  });
});

describe('agent events edge cases', () => {
  it('a JSON array, initiator spellings, a bad timestamp', () => {
    const r = parseAgentEvents(JSON.stringify([
      { call_id: 'a@x', initiator: 'user', last_rtp_timestamp: 1700000000123456 },
      { call_id: 'b@x', initiator: 'bot', last_rtp_timestamp: 'yesterday' },
      42,
    ]));
    expect(r.events.map((e) => [e.callId, e.initiator, e.lastRtpUs])).toEqual([['a@x', 'caller', 1700000000123456]]);
    expect(r.problems).toEqual([
      { line: 2, message: "unreadable last_rtp_timestamp 'yesterday'" },
      { line: 3, message: 'not an event object' },
    ]);
  });
  it('a CSV without call_id is one clear problem', () => {
    const r = parseAgentEvents('id,initiator\n1,agent\n');
    expect(r.events).toEqual([]);
    expect(r.problems[0].message).toMatch(/no call_id column/);
  });
  it('CDRs and Twilio summaries are not agent events', () => {
    expect(detectAgentEvents('{"call_sid":"CA1","call_state":"completed","call_id":"x","initiator":"a","last_mos":1}')).toBe(false);
    expect(detectAgentEvents('"","test","100"\n')).toBe(false);
  });
});
