// Formats the corpus lacks, on our own fixtures (test/fixtures/cdr, written from the vendors'
// public documentation): detected by content, parsed field by field.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { detectCdrFormat } from '../../shared/cdr/cdr_format.ts';
import { detectInputKind, parseCdrText } from '../../shared/cdr/cdr_import.ts';
import type { ColumnMapping } from '../../shared/cdr/mapped_csv.ts';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/cdr');
const read = (f: string): string => readFileSync(join(FIX, f), 'utf8');

function parse(file: string, format: string) {
  const text = read(file);
  expect(detectCdrFormat(text).format).toBe(format);
  expect(detectInputKind(text)).toBe('cdr');
  const r = parseCdrText(text);
  expect(r.error).toBeNull();
  expect(r.format).toBe(format);
  expect(r.rowsIn).toBe(r.records.length + r.problems.length);
  return r;
}

describe('Twilio call log CSV', () => {
  const r = parse('twilio_calls.csv', 'twilio_calls_csv');
  it('reads all seven calls', () => {
    expect(r.records).toHaveLength(7);
    expect(r.records.map((x) => x.disposition)).toEqual(['completed', 'completed', 'busy', 'no-answer', 'failed', 'canceled', 'completed']);
  });
  it('maps a completed call (RFC 2822 dates)', () => {
    const a = r.records[0];
    expect(a.line).toBe(2);
    expect(a.vendorId).toBe('CA1f0c2b6e9d3a4f5b8c7d6e5f4a3b2c1d');
    expect(a.from).toBe('+15005550006');
    expect(a.startUs).toBe(Date.UTC(2024, 4, 2, 10, 0, 2) * 1000);
    expect(a.endUs).toBe(Date.UTC(2024, 4, 2, 10, 3, 6) * 1000);
    expect(a.durationS).toBe(184);
    expect(a.answered).toBe(true);
    expect(a.raw.Direction).toBe('inbound');
  });
  it('maps busy / no-answer to Q.850 17 / 19, canceled to the caller side', () => {
    expect([r.records[2].q850Cause, r.records[2].answered, r.records[2].durationS]).toEqual([17, false, null]);
    expect(r.records[3].q850Cause).toBe(19);
    expect(r.records[4].q850Cause).toBeNull();
    expect(r.records[4].endUs).toBeNull();
    expect(r.records[5].endedBy).toBe('caller');
  });
});

describe('Twilio Voice Insights call summaries', () => {
  const r = parse('twilio_insights_call_summary.json', 'twilio_insights_json');
  it('reads the list page', () => {
    expect(r.records.map((x) => x.vendorId)).toEqual(['CA00000000000000000000000000000a01', 'CA00000000000000000000000000000a02', 'CA00000000000000000000000000000a03']);
  });
  it('callee released, 200, SIP Call-ID and trunk from the sip_edge', () => {
    const a = r.records[0];
    expect(a.endedBy).toBe('callee');
    expect(a.sipCode).toBe(200);
    expect(a.callId).toBe('a84b4c76e66710@pbx.example.com');
    expect(a.peer).toBe('TK00000000000000000000000000000001');
    expect(a.durationS).toBe(160);
    expect(a.billsecS).toBe(156);
    expect(a.answerUs).toBe(Date.UTC(2024, 4, 2, 11, 2, 41) * 1000 - 156e6);
    expect(a.raw['properties.pdd_ms']).toBe('121');
  });
  it('caller hung up early', () => {
    const b = r.records[1];
    expect(b.endedBy).toBe('caller');
    expect(b.billsecS).toBe(2);
    expect(b.from).toBe('+15005550007');
    expect(b.peer).toBe('Example Wireless');
  });
  it('quality: worst MOS, jitter, loss and the tags', () => {
    expect(r.records[2].quality).toEqual({ mos: 2.9, jitterMs: 34.5, lossPct: 4.2, tags: ['high_jitter', 'high_packet_loss', 'low_mos'] });
    expect(r.records[0].quality?.tags).toBeUndefined();
  });
  it('also reads one bare summary and JSON lines', () => {
    const list = JSON.parse(read('twilio_insights_call_summary.json')).call_summaries;
    const one = parseCdrText(JSON.stringify(list[2]));
    expect(one.format).toBe('twilio_insights_json');
    expect(one.records[0].quality?.mos).toBe(2.9);
    const lines = `${JSON.stringify(list[0])}\n{"call_sid": broken\n${JSON.stringify(list[1])}\n`;
    const jl = parseCdrText(lines);
    expect(jl.records.map((x) => x.line)).toEqual([1, 3]);
    expect(jl.problems).toEqual([{ line: 2, message: 'not valid JSON' }]);
    expect(jl.rowsIn).toBe(3);
  });
});

describe('VOS3000 CDR', () => {
  const r = parse('vos3000_cdr.csv', 'vos3000');
  it('reads release reasons and end directions (0 caller, 1 callee, 2 server)', () => {
    expect(r.records).toHaveLength(6);
    expect(r.records.map((x) => x.endedBy)).toEqual(['caller', 'callee', null, 'caller', null, 'callee']);
    expect(r.records.map((x) => x.disposition)).toEqual(['Normal call clearing', 'Callee busy', 'No answer', 'Caller cancel', 'Balance exhausted', 'Callee hang up']);
  });
  it('epoch-ms times, holdtime as talk time, answer derived', () => {
    const a = r.records[0];
    expect(a.from).toBe('8613800000001');
    expect(a.to).toBe('14155550101');
    expect(a.startUs).toBe(1714644000000 * 1000);
    expect(a.endUs).toBe(1714644125000 * 1000);
    expect(a.billsecS).toBe(120);
    expect(a.durationS).toBe(125);
    expect(a.answerUs).toBe((1714644125000 - 120000) * 1000);
    expect(a.peer).toBe('GW-OUT-US1');
    expect(a.q850Cause).toBeNull();
    expect(r.records[1].answered).toBe(false);
  });
  it('reads the headerless pipe text file', () => {
    const p = parse('vos3000_cdr_pipe.txt', 'vos3000');
    expect(p.records).toHaveLength(3);
    expect(p.records[1].endedBy).toBe('callee');
    expect(p.records[2].raw.calleegatewayid).toBe('GW-OUT-US2');
  });
});

describe('unknown CSV and mapped_csv', () => {
  const text = read('acme_pbx_calls.csv');
  const mapping = JSON.parse(read('acme_pbx_calls.mapping.json')) as ColumnMapping;

  it('without a mapping: a clear message listing the columns, no crash', () => {
    const r = parseCdrText(text);
    expect(r.format).toBeNull();
    expect(r.records).toEqual([]);
    expect(r.error).toBe(
      'unknown CDR format: columns Call Ref, Caller, Callee, Began, Connected, Finished, Talk (s), Result, Q.850, SIP, Hung Up By, Trunk, SIP Call-ID; supply a column mapping',
    );
    expect(detectInputKind(text)).toBe('unknown');
  });

  it('with the saved mapping: every good row, the bad date as a problem', () => {
    const r = parseCdrText(text, { mapping });
    expect(r.format).toBe('mapped_csv');
    expect(r.error).toBeNull();
    expect(r.rowsIn).toBe(5);
    expect(r.records).toHaveLength(4);
    expect(r.problems).toEqual([{ line: 5, message: "unreadable start time 'not a date'" }]);
    const a = r.records[0];
    expect(a.callId).toBe('3848276298220188511@acme.example');
    expect(a.startUs).toBe(Date.UTC(2024, 4, 2, 7, 0, 0) * 1000); // +02:00
    expect(a.answerUs).toBe(Date.UTC(2024, 4, 2, 7, 0, 4) * 1000);
    expect([a.q850Cause, a.sipCode, a.endedBy, a.peer, a.billsecS, a.answered]).toEqual([16, 200, 'caller', 'trunk-berlin', 120, true]);
    const busy = r.records[1];
    expect([busy.q850Cause, busy.sipCode, busy.endedBy, busy.answered]).toEqual([17, 486, 'callee', false]);
  });

  it('a mapping naming a missing column is a file error, not a throw', () => {
    const r = parseCdrText(text, { mapping: { ...mapping, start: 'Start Time' } });
    expect(r.error).toMatch(/'start' refers to column 'Start Time', which is not in the file/);
    const bad = parseCdrText(text, { mapping: { from: 'Caller' } as unknown as ColumnMapping });
    expect(bad.error).toMatch(/needs 'to'/);
  });
});

describe('a verdict from a CDR row alone never claims media was seen', () => {
  it('normal_clearing, caller_hangup_short and agent_bye are worded for unseen media, through the index', async () => {
    const { openIndex } = await import('../../electron/node/store/index_store.ts');
    const { importFile } = await import('../../electron/node/ingest/import_file.ts');
    const store = openIndex(':memory:');
    try {
      for (const f of ['twilio_calls.csv', 'vos3000_cdr.csv', 'agent_events.jsonl', 'twilio_insights_call_summary.json']) expect((await importFile(store, join(FIX, f))).sourceId).not.toBeNull();
      const causes = new Set<string>();
      for (const c of store.listCalls({ limit: 1000 })) {
        const v = store.getCall(c.id)!.verdict as { cause: string; fix: { text: string; checks: string[] } } | null;
        if (!v || !['normal_clearing', 'caller_hangup_short', 'agent_bye'].includes(v.cause)) continue;
        causes.add(v.cause);
        expect(v.fix.text, `${c.callId}: ${v.cause}`).toMatch(/could not be checked/);
        expect(`${v.fix.text} ${v.fix.checks.join(' ')}`).not.toMatch(/media (was flowing|flowed)(?! could not)|Media flowed both ways/);
      }
      // The fixtures hold each of the three: the loop above looked at every one.
      expect([...causes].sort()).toEqual(['agent_bye', 'caller_hangup_short', 'normal_clearing']);
    } finally {
      store.close();
    }
  });
});
