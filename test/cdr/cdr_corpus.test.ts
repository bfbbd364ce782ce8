// The public CDR exports of ../shared/corpus/cdr (corpus README, MANIFEST rows cdr/*):
// each is detected by content, and imports without loss (rows in = rows used + problems).

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCdrText } from '../../shared/cdr/cdr_import.ts';
import { CORPUS_DIR } from '../support/oracle.ts';

const CDR_DIR = join(CORPUS_DIR, 'cdr');
const present = existsSync(CDR_DIR);
if (!present) {
  console.warn(`\n*** ${CDR_DIR} is absent: the CDR corpus tests did NOT run (they are reported as skipped). ***\n`);
}
const read = (f: string): string => readFileSync(join(CDR_DIR, f), 'utf8');

const EXPECTED: Record<string, { format: string; rowsIn: number; records: number; problems: number }> = {
  'asterisk_cdr_csv_pjsip_custom_Master.csv': { format: 'asterisk_master', rowsIn: 14, records: 14, problems: 0 },
  'asterisk_cdr_csv_stadion_Master.csv': { format: 'asterisk_master', rowsIn: 84, records: 84, problems: 0 },
  'asterisk_ts_cdrlib_buggy.csv': { format: 'asterisk_master', rowsIn: 1, records: 0, problems: 1 },
  'asterisk_ts_cdrlib_good.csv': { format: 'asterisk_master', rowsIn: 5, records: 5, problems: 0 },
  'asterisk_ts_selftest_CELMaster1.csv': { format: 'asterisk_cel', rowsIn: 16, records: 1, problems: 0 },
  'asterisk_ts_selftest_Master.csv': { format: 'asterisk_master', rowsIn: 2, records: 2, problems: 0 },
  'cucm_cdr_sample_hleguern.csv': { format: 'cisco_cucm', rowsIn: 3, records: 3, problems: 0 },
  'freeswitch_cdr_csv_Master.csv': { format: 'freeswitch_csv', rowsIn: 10, records: 10, problems: 0 },
};

describe.skipIf(!present)('CDR corpus', () => {
  it('holds exactly the files this test knows', () => {
    expect(readdirSync(CDR_DIR).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [file, exp] of Object.entries(EXPECTED)) {
    it(`${file}: detected as ${exp.format}, imported without loss`, () => {
      const r = parseCdrText(read(file));
      expect(r.error).toBeNull();
      expect(r.format).toBe(exp.format);
      expect(r.rowsIn).toBe(exp.rowsIn);
      expect(r.records).toHaveLength(exp.records);
      expect(r.problems).toHaveLength(exp.problems);
      expect(r.rowsIn).toBe(r.rowsUsed + r.problems.length);
      for (const rec of r.records) {
        expect(Number.isFinite(rec.startUs)).toBe(true);
        expect(rec.format).toBe(exp.format);
      }
    });
  }

  it('buggy.csv: the unterminated quote is reported on line 1', () => {
    const r = parseCdrText(read('asterisk_ts_cdrlib_buggy.csv'));
    expect(r.problems[0].line).toBe(1);
    expect(r.problems[0].message).toMatch(/unterminated quoted field/);
  });

  it('cdrlib good.csv: the five dispositions', () => {
    const r = parseCdrText(read('asterisk_ts_cdrlib_good.csv'));
    expect(r.records.map((x) => x.disposition)).toEqual(['ANSWERED', 'ANSWERED', 'FAILED', 'NO ANSWER', 'BUSY']);
    expect(r.records.map((x) => x.answered)).toEqual([true, true, false, false, false]);
    expect(r.records[4].q850Cause).toBe(17); // BUSY
    const first = r.records[0];
    expect(first.from).toBe('test');
    expect(first.to).toBe('100');
    expect(first.startUs).toBe(Date.UTC(2009, 0, 14, 23, 51, 15) * 1000);
    expect(first.endUs).toBe(Date.UTC(2009, 0, 14, 23, 51, 20) * 1000);
    expect(first.durationS).toBe(5);
    expect(first.vendorId).toBe('1231977075.0');
    expect(first.peer).toBe('SIP/test');
    expect(first.raw.clid).toBe('"Test User" <test>');
    expect(r.records[1].billsecS).toBe(7);
  });

  it('stadion Master.csv: 21 columns (newcdrcolumns), unanswered legs and Local channels', () => {
    const r = parseCdrText(read('asterisk_cdr_csv_stadion_Master.csv'));
    const row4 = r.records[3];
    expect(row4.line).toBe(4);
    expect(row4.disposition).toBe('NO ANSWER');
    expect(row4.peer).toBe('SIP/301');
    expect(row4.raw.lastdata).toBe('SIP/301&SIP/200@stadionpbx,60,t');
    const row7 = r.records[6];
    expect(row7.answerUs).toBeNull();
    expect(row7.billsecS).toBe(0);
    expect(row7.raw.channel).toBe('Local/ch1@TimeDelay-00000000;2');
    expect(row7.raw.linkedid).toBe('1706372196.12');
    expect(row7.raw.sequence).toBe('10');
    const last = r.records[r.records.length - 1];
    expect(last.vendorId).toBe('mainserverdss-1706445411.103');
    expect(last.durationS).toBe(69);
    expect(last.billsecS).toBe(66);
  });

  it('pjsip custom Master.csv: clid-first cdr_custom layout, quoted numbers', () => {
    const r = parseCdrText(read('asterisk_cdr_csv_pjsip_custom_Master.csv'));
    const a = r.records[0];
    expect(a.raw.clid).toBe('"" <client1>');
    expect(a.from).toBe('client1');
    expect(a.to).toBe('6789');
    expect(a.durationS).toBe(31);
    expect(a.billsecS).toBe(13);
    expect(a.vendorId).toBe('1690325492.2');
    expect(a.peer).toBe('PJSIP/client2');
    expect(a.answerUs).toBe(Date.UTC(2023, 6, 26, 1, 51, 50) * 1000);
    const b = r.records[1];
    expect(b.disposition).toBe('NO ANSWER');
    expect(b.answerUs).toBeNull();
  });

  it('CEL: 16 events grouped into one call by linkedid, cause from the HANGUP extra', () => {
    const r = parseCdrText(read('asterisk_ts_selftest_CELMaster1.csv'));
    expect(r.rowsUsed).toBe(16);
    const c = r.records[0];
    expect(c.vendorId).toBe('1335310195.0');
    expect(c.startUs).toBe(1335310195513823);
    expect(c.answerUs).toBe(1335310195530613); // the originator TinCan/string's ANSWER
    expect(c.endUs).toBe(1335310213625295); // LINKEDID_END
    expect(c.q850Cause).toBe(16);
    expect(c.disposition).toBe('ANSWER'); // dialstatus in the originator's HANGUP extra
    expect(c.answered).toBe(true);
    expect(c.to).toBe('s');
    expect(c.peer).toBe('Local/x@default');
    expect(c.endedBy).toBeNull(); // hangupsource 'dialplan/builtin' names no party
  });

  it('CUCM: header row, epoch seconds, cause on the releasing side', () => {
    const r = parseCdrText(read('cucm_cdr_sample_hleguern.csv'));
    const a = r.records[0];
    expect(a.line).toBe(2);
    expect(a.vendorId).toBe('47823');
    expect(a.from).toBe('+15551234567');
    expect(a.to).toBe('+15559876543');
    expect(a.startUs).toBe(1587324155 * 1e6);
    expect(a.answerUs).toBe(1587324160 * 1e6);
    expect(a.endUs).toBe(1587324280 * 1e6);
    expect(a.billsecS).toBe(125); // the duration column (the illustrative sample does not match connect→disconnect)
    // origCause_value 0, destCause_value 10 in this illustrative sample: the destination released.
    expect(a.endedBy).toBe('callee');
    expect(a.q850Cause).toBe(10);
    expect(a.peer).toBe('DEVICE-001');
    expect(r.records[2].peer).toBe('GATEWAY-A');
  });

  it('FreeSWITCH: headerless, spreadsheet-mangled stamps, hangup cause names → Q.850', () => {
    const r = parseCdrText(read('freeswitch_cdr_csv_Master.csv'));
    expect(r.detection?.why).toMatch(/hangup cause name in column 10 and a UUID in column 11/);
    const causes = r.records.map((x) => [x.disposition, x.q850Cause]);
    expect(causes[0]).toEqual(['NORMAL_CLEARING', 16]);
    expect(causes[2]).toEqual(['NO_USER_RESPONSE', 18]);
    expect(causes[6]).toEqual(['RECOVERY_ON_TIMER_EXPIRE', 102]);
    expect(causes[9]).toEqual(['USER_BUSY', 17]);
    const noAnswer = r.records[2];
    expect(noAnswer.answered).toBe(false);
    expect(noAnswer.answerUs).toBeNull();
    expect(noAnswer.to).toBe('1002');
    expect(noAnswer.vendorId).toBe('f1542038-4c15-11ea-97ca-9dd79410affb');
    expect(r.records[4].startUs).toBe(Date.UTC(2020, 1, 10, 22, 42) * 1000);
    expect(r.records[4].durationS).toBe(329);
    expect(r.records[4].billsecS).toBe(327);
  });
});
