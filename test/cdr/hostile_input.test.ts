// Hostile input never throws and returns promptly: binary junk, a 10 MB single line, quotes
// never closed, deeply nested JSON — through detection, every parser and the agent events.

import { describe, expect, it } from 'vitest';
import type { CdrFormat } from '../../shared/model/cdr.ts';
import { parseAgentEvents } from '../../shared/cdr/agent_events.ts';
import { detectCdrFormat } from '../../shared/cdr/cdr_format.ts';
import { detectInputKind, parseCdrText } from '../../shared/cdr/cdr_import.ts';

function junk(n: number, seed = 7): string {
  let x = seed;
  let s = '';
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    s += String.fromCharCode(x % 256);
  }
  return s;
}

const MB = 1024 * 1024;
const INPUTS: Record<string, string> = {
  'binary junk': junk(256 * 1024),
  '10 MB single line': 'x,'.repeat(5 * MB),
  '10 MB single quoted field never closed': `"${'a'.repeat(10 * MB)}`,
  'a quote never closed on every line': '"abc,def\n'.repeat(200_000),
  'a quote opening mid-file': `${'"","test","100","context","x","SIP/a-0000000a","","Hangup","","2009-01-14 23:51:15","2009-01-14 23:51:15","2009-01-14 23:51:20",5,5,"ANSWERED","DOCUMENTATION"\n'.repeat(50)}"${'z,\n'.repeat(100_000)}`,
  'one quote never closed, then 200k lines': `"start\n${'abc,def\n'.repeat(200_000)}`,
  'only delimiters': ','.repeat(2 * MB),
  'only newlines': '\n\r\n'.repeat(MB),
  'deep JSON': `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
  'JSON-looking junk lines': '{"call_sid": \n'.repeat(50_000),
  'NUL bytes': '\0'.repeat(MB),
};
const FORMATS: CdrFormat[] = ['asterisk_master', 'asterisk_cel', 'freeswitch_csv', 'cisco_cucm', 'twilio_calls_csv', 'twilio_insights_json', 'vos3000'];

describe('hostile input', () => {
  for (const [name, text] of Object.entries(INPUTS)) {
    it(`${name}: no throw, bounded time, rows in = used + problems`, () => {
      const t0 = performance.now();
      expect(() => detectCdrFormat(text)).not.toThrow();
      expect(() => detectInputKind(text)).not.toThrow();
      const auto = parseCdrText(text);
      expect(auto.rowsIn).toBe(auto.rowsUsed + auto.problems.length);
      for (const format of FORMATS) {
        const r = parseCdrText(text, { format });
        expect(r.rowsIn).toBe(r.rowsUsed + r.problems.length);
        expect(r.error ?? '').not.toMatch(/internal error/);
      }
      const m = parseCdrText(text, { mapping: { from: 'a', to: 'b', start: 'c' } });
      expect(m.rowsIn).toBe(m.rowsUsed + m.problems.length);
      const a = parseAgentEvents(text);
      expect(a.rowsIn).toBe(a.events.length + a.problems.length);
      expect(performance.now() - t0).toBeLessThan(15_000);
    });
  }

  it('the 10 MB line is one reported row, not 5 million fields', () => {
    const r = parseCdrText(INPUTS['10 MB single line'], { format: 'asterisk_master' });
    expect(r.records).toEqual([]);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0].line).toBe(1);
  });

  it('one quote never closed: the lines after the resync are read as rows', () => {
    const r = parseCdrText(INPUTS['one quote never closed, then 200k lines'], { mapping: { hasHeader: false, from: '1', to: '2', start: '1' } });
    expect(r.problems[0]).toEqual({ line: 1, message: expect.stringContaining('unterminated quoted field (opened on line 1; spans more than 100 lines)') });
    // Every other line came back as a row (here a bad start time each): none was swallowed.
    expect(r.rowsIn).toBe(200_001);
  });

  it('a quote opening mid-file: the 50 good rows before it are kept', () => {
    const r = parseCdrText(INPUTS['a quote opening mid-file']);
    expect(r.format).toBe('asterisk_master');
    expect(r.records).toHaveLength(50);
    expect(r.problems[0].line).toBe(51);
  });
});
