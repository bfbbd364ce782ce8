// Impossible values never pass silently (issue 10, defect 7): a date that does not exist
// (month 13, 31 April, hour 24) is refused where dates are parsed instead of rolling over
// into another day; a row whose times cannot belong to one call (a bit-flipped CEL time,
// end before start, a negative duration) goes to the problems with its line and reason;
// and no call in the index ever gets a negative duration. Inputs are made here from the
// project's own fixtures, not copied.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCdrText, parseTimeUs } from '../../shared/cdr/index.ts';
import { readTime, recordProblem } from '../../shared/cdr/cdr_common.ts';
import type { CdrRecord } from '../../shared/model/cdr.ts';
import { REPO_ROOT } from '../support/oracle.ts';

const OWN = join(REPO_ROOT, 'test/fixtures/cdr');

/** A FreeSWITCH default-template row (15 columns) with the given stamps and durations. */
function fsRow(start: string, answer: string, end: string, duration = '60', billsec = '55', uuid = 'd80e22e0-4c15-11ea-97a0-9dd79410affb'): string {
  return `"Alice","5551234","6001","default","${start}","${answer}","${end}","${duration}","${billsec}","NORMAL_CLEARING","${uuid}","","","PCMU","PCMU"`;
}

describe('dates that do not exist are refused at the one place dates are parsed', () => {
  it.each([
    ['2024-13-01 10:00:00', /month 13 does not exist/],
    ['2024-00-10 10:00:00', /month 0 does not exist/],
    ['2024-04-31 10:00:00', /day 31 does not exist in month 4/],
    ['2023-02-29 10:00:00', /day 29 does not exist in month 2 of 2023/],
    ['2024-05-02 24:00:00', /hour 24 does not exist/],
    ['2024-05-02 10:61:00', /minute 61 does not exist/],
    ['1909-05-02 10:00:00', /out of range/],
    ['Thu, 31 Apr 2024 10:00:02 +0000', /day 31 does not exist/],
    ['9999999999', /out of range/],
  ])('%s', (value, why) => {
    expect(parseTimeUs(value)).toBeNull();
    const t = readTime(value);
    expect(t.kind).toBe('bad');
    expect(t.kind === 'bad' ? t.why : '').toMatch(why);
  });

  it('an end time computed from a damaged duration, past the range of dates, is a row problem, not a throw', () => {
    // Found by `npm run fuzz -- --seconds 600 --seed 20261206` (input 10110): a VOS3000 row
    // whose duration field lost its delimiter (41714644947000 s) made the end time 4e22 µs,
    // and formatting it for the message threw RangeError, losing the whole file.
    const start = Date.UTC(2024, 4, 2, 10, 0, 0) * 1000;
    const r = { startUs: start, answerUs: null, endUs: start + 41714644947000e6, durationS: null, billsecS: null } as unknown as CdrRecord;
    expect(() => recordProblem(r)).not.toThrow();
    expect(recordProblem(r)).toMatch(/^end time out of range \(invalid time; expected 1980–2099\)/);
  });

  it('real dates still parse, leap day and leap second included', () => {
    expect(parseTimeUs('2024-02-29 23:59:59')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59) * 1000);
    expect(parseTimeUs('2016-12-31 23:59:60')).toBe((Date.UTC(2016, 11, 31, 23, 59, 59) + 999) * 1000);
    expect(parseTimeUs('Thu, 02 May 2024 10:00:02 +0000')).toBe(Date.UTC(2024, 4, 2, 10, 0, 2) * 1000);
    expect(parseTimeUs('2024-05-02T10:00:02+02:00')).toBe(Date.UTC(2024, 4, 2, 8, 0, 2) * 1000);
  });
});

describe('a CDR row with an impossible value goes to the problems with its line and reason', () => {
  it('month 13 in the start stamp: the row is a problem, never a call in the next year', () => {
    const text = [fsRow('2024-05-02 10:00:00', '2024-05-02 10:00:05', '2024-05-02 10:01:00'), fsRow('2024-13-02 10:00:00', '', '2024-13-02 10:01:00', '60', '0')].join('\n');
    const r = parseCdrText(text);
    expect(r.format).toBe('freeswitch_csv');
    expect(r.records.map((x) => x.line)).toEqual([1]);
    expect(r.problems).toEqual([{ line: 2, message: expect.stringMatching(/start_stamp '2024-13-02 10:00:00' is not a valid time: month 13 does not exist/) }]);
    expect(r.rowsIn).toBe(r.rowsUsed + r.problems.length);
  });

  it('an impossible answer stamp is not read as "never answered"', () => {
    const r = parseCdrText(fsRow('2024-05-02 10:00:00', '2024-05-32 10:00:05', '2024-05-02 10:01:00'));
    expect(r.records).toEqual([]);
    expect(r.problems[0]).toEqual({ line: 1, message: expect.stringMatching(/answer_stamp '2024-05-32 10:00:05' is not a valid time: day 32/) });
  });

  it('end before start, negative billsec, month-long duration', () => {
    const rows = [
      fsRow('2024-05-02 10:00:00', '2024-05-02 10:00:05', '2024-05-01 10:01:00'),
      fsRow('2024-05-02 10:00:00', '2024-05-02 10:00:05', '2024-05-02 10:01:00', '60', '-19999937'),
      fsRow('2024-05-02 10:00:00', '2024-05-02 10:00:05', '2024-05-02 10:01:00', '99999999', '55'),
      fsRow('2024-05-02 10:00:00', '2024-05-02 10:00:05', '2024-05-02 10:01:00'),
    ];
    const r = parseCdrText(rows.join('\n'));
    expect(r.records.map((x) => x.line)).toEqual([4]);
    expect(r.problems.map((p) => [p.line, p.message])).toEqual([
      [1, expect.stringMatching(/end time is 86340 s before the start/)],
      [2, expect.stringMatching(/billsec -19999937 s is negative/)],
      [3, expect.stringMatching(/duration 99999999 s is more than 30 days/)],
    ]);
  });

  it('a bit flipped in a CEL event time: the call is reported at each of its event lines, no negative duration', () => {
    const text = readFileSync(join(OWN, 'asterisk_cel_call.csv'), 'latin1');
    const clean = parseCdrText(text);
    expect(clean.records).toHaveLength(1);
    expect(clean.records[0].billsecS).toBeGreaterThan(0);
    // Flip bit 2 of the second digit of LINKEDID_END's eventtime: 1714644065 → 1314644065 (2011).
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.startsWith('"LINKEDID_END"'));
    const field = lines[at].indexOf('"', '"LINKEDID_END",'.length) + 1;
    const bytes = Buffer.from(lines[at], 'latin1');
    bytes[field + 1] ^= 0x04;
    lines[at] = bytes.toString('latin1');
    expect(lines[at]).toContain('"1314644065.020000"');
    const r = parseCdrText(lines.join('\n'));
    expect(r.format).toBe('asterisk_cel');
    for (const rec of r.records) {
      expect(rec.billsecS ?? 0).toBeGreaterThanOrEqual(0);
      expect(rec.durationS ?? 0).toBeGreaterThanOrEqual(0);
    }
    expect(r.records).toEqual([]);
    expect(r.problems.map((p) => p.line)).toEqual(lines.map((_, i) => i + 1).filter((i) => lines[i - 1].trim() !== ''));
    expect(r.problems[0].message).toMatch(/before the (start|answer)/);
    expect(r.rowsIn).toBe(r.rowsUsed + r.problems.length);
  });
});

describe('a problem message is one line, whatever the field held (found by the fuzzer, seed 2 index 3234)', () => {
  it('a line break inside a quoted time field is shown as ?', () => {
    const text = readFileSync(join(OWN, 'twilio_calls.csv'), 'utf8');
    const lines = text.split('\n');
    // Cut the End Time of row 3 with a line break inside its quotes, as the mutation did.
    lines[2] = lines[2].replace(/"Thu, 02 May 2024 10:05:30 \+0000"/, '"Thu, 02 May 2024 10:05:\n30 +0000"');
    const r = parseCdrText(lines.join('\n'));
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0].message).toBe("End Time 'Thu, 02 May 2024 10:05:?30 +0000' is not a valid time: not a time");
    expect(r.problems[0].message).not.toMatch(/\n/);
  });
});
