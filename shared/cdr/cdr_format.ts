// CDR format detection by content (never by file name): the first rows decide.
//
// Order of checks, most specific first:
//   JSON                → Twilio Voice Insights call summary when it has call_sid plus a
//                         summary-only key (call_state, connect_duration, processing_state,
//                         carrier_edge/sip_edge/sdk_edge, call_summaries).
//   CSV with a header   → Cisco CUCM (cdrRecordType, globalCallID_callId, origCause_value,
//                         destCause_value, dateTimeOrigination, dateTimeDisconnect: ≥ 4 of
//                         them), VOS3000 (callere164 + calleee164), Twilio call log (Sid,
//                         From, To, Status, Start Time/Date Created), FreeSWITCH custom
//                         template with a header (hangup_cause + uuid).
//   pipe-delimited      → VOS3000 CDR text file (times in fields 3-4, endDirection 0/1/2 in 7).
//   CSV, no header      → scored per sampled row (the best share ≥ 50 % wins):
//     Asterisk CEL      : column 1 is a CEL event type (CHAN_START, ANSWER, HANGUP…),
//                         ≥ 16 columns;
//     Asterisk Master   : start/answer/end stamps 'YYYY-MM-DD HH:MM:SS' and a disposition
//                         (ANSWERED, NO ANSWER, BUSY, FAILED, CONGESTION) at the cdr_csv
//                         positions (10-12, 15) or the cdr_custom sample ones (9-11, 14);
//     FreeSWITCH        : column 10 is a hangup cause name of FreeSWITCH's cause table
//                         (NORMAL_CLEARING, USER_BUSY, NO_USER_RESPONSE,
//                         RECOVERY_ON_TIMER_EXPIRE, ORIGINATOR_CANCEL…) and column 11 a UUID
//                         (${uuid}) — the default mod_cdr_csv template's positions. The
//                         corpus file has no header and no quotes; these two columns are
//                         what identifies it.
// Anything else is not guessed: format null and a "supply a column mapping" message that
// lists the columns, for the mapped_csv step.

import type { CdrFormat } from '../model/cdr.ts';
import { CEL_EVENT_TYPES } from './asterisk_cel.ts';
import { asteriskLayout } from './asterisk_master_cdr.ts';
import { headLines, isCauseName, UUID_RE } from './cdr_common.ts';
import { isCucmHeader } from './cucm_cdr.ts';
import { readCsv } from './csv_reader.ts';
import { isFreeswitchHeader } from './freeswitch_cdr.ts';
import { isTwilioCallsHeader } from './twilio_calls_csv.ts';
import { isVos3000Header, looksLikeVos3000Pipe } from './vos3000_cdr.ts';

export interface CdrDetection {
  format: CdrFormat | null;
  /** 0..1: share of sampled rows that fit, scaled down for weaker evidence. */
  confidence: number;
  why: string;
  /** The first row's cells (header or first record), for the column-mapping step. */
  columns: string[];
}

/** How much of a file detection looks at. */
export const DETECT_HEAD_CHARS = 64 * 1024;
const SAMPLE_ROWS = 25;

const TWILIO_SUMMARY_KEYS = ['"call_state"', '"connect_duration"', '"processing_state"', '"carrier_edge"', '"sip_edge"', '"sdk_edge"', '"call_summaries"'];

/** A cell as shown in a message: printable, short. */
function showCell(c: string): string {
  const t = c.replace(/[^\x20-\x7e\u00a0-\uffff]/g, '?').trim();
  return t.length > 40 ? `${t.slice(0, 37)}...` : t;
}

export function unknownFormatMessage(columns: readonly string[]): string {
  const shown = columns.slice(0, 15).map(showCell);
  const more = columns.length > 15 ? `, … (${columns.length} columns)` : '';
  return `unknown CDR format: columns ${shown.length > 0 ? shown.join(', ') : '(none)'}${more}; supply a column mapping`;
}

export function detectCdrFormat(firstBytesAsText: string): CdrDetection {
  const head = headLines(firstBytesAsText, DETECT_HEAD_CHARS);
  const lead = head.trimStart();
  if (lead === '') return { format: null, confidence: 0, why: 'empty input', columns: [] };

  if (lead.startsWith('{') || lead.startsWith('[')) {
    const hasSid = lead.includes('"call_sid"');
    const extra = TWILIO_SUMMARY_KEYS.filter((k) => lead.includes(k));
    if (hasSid && extra.length > 0) {
      return { format: 'twilio_insights_json', confidence: 0.95, why: `JSON with call_sid and ${extra.join(', ')}: Twilio Voice Insights call summary`, columns: [] };
    }
    return { format: null, confidence: 0, why: 'JSON, but not a Twilio Voice Insights call summary (no call_sid with call_state/connect_duration)', columns: [] };
  }

  // Pipe-delimited VOS3000 CDR text file (no header).
  const nl = lead.indexOf('\n');
  const firstLine = (nl >= 0 ? lead.slice(0, nl) : lead).replace(/\r$/, '');
  if (!firstLine.includes(',') && firstLine.includes('|')) {
    const lines = lead.split('\n', SAMPLE_ROWS).map((l) => l.replace(/\r$/, '')).filter((l) => l !== '');
    const fit = lines.filter(looksLikeVos3000Pipe).length;
    if (fit > 0 && fit / lines.length >= 0.5) {
      return { format: 'vos3000', confidence: 0.8 * (fit / lines.length), why: `pipe-delimited rows with times in fields 3-4 and endDirection 0/1/2 in field 7 (${fit}/${lines.length}): VOS3000 CDR file`, columns: firstLine.split('|') };
    }
  }

  const rows: string[][] = [];
  let physical: string[] | null = null;
  for (const item of readCsv(head, { maxRowChars: DETECT_HEAD_CHARS })) {
    if (item.kind === 'row') {
      rows.push(item.fields);
    } else if (item.message.startsWith('unterminated quoted field')) {
      // For identification only (the parser still reports the row): read the line with
      // its dangling quote closed, so a file whose only row is broken (asterisk/testsuite
      // cdrlib/buggy.csv) is still recognised and its row reported with its line number.
      physical ??= head.split(/\r\n|\r|\n/, 10_000);
      const text = physical[item.line - 1];
      if (text !== undefined) {
        const fixed = readCsv(`${text}"`);
        if (fixed.length === 1 && fixed[0].kind === 'row') rows.push(fixed[0].fields);
      }
    }
    if (rows.length >= SAMPLE_ROWS) break;
  }
  if (rows.length === 0) return { format: null, confidence: 0, why: 'no readable CSV rows', columns: [] };
  const first = rows[0];

  if (isCucmHeader(first)) {
    return { format: 'cisco_cucm', confidence: 0.95, why: 'header row with cdrRecordType, globalCallID_callId, origCause_value, destCause_value…: Cisco CUCM CDR', columns: first };
  }
  if (isVos3000Header(first)) {
    return { format: 'vos3000', confidence: 0.9, why: 'header row with callere164 and calleee164: VOS3000 CDR export', columns: first };
  }
  if (isTwilioCallsHeader(first)) {
    return { format: 'twilio_calls_csv', confidence: 0.9, why: 'header row with Sid, From, To, Status and Start Time: Twilio call log', columns: first };
  }
  if (isFreeswitchHeader(first)) {
    return { format: 'freeswitch_csv', confidence: 0.85, why: 'header row naming hangup_cause and uuid: FreeSWITCH mod_cdr_csv with a header', columns: first };
  }

  let cel = 0;
  let ast = 0;
  let fs = 0;
  for (const f of rows) {
    if (f.length >= 16 && CEL_EVENT_TYPES.has(f[0])) cel++;
    if (asteriskLayout(f) !== null) ast++;
    if (f.length >= 11 && isCauseName(f[9]) && UUID_RE.test(f[10].trim())) fs++;
  }
  const n = rows.length;
  const best = Math.max(cel, ast, fs);
  if (best > 0 && best / n >= 0.5) {
    const share = best / n;
    // Fewer sampled rows = weaker evidence.
    const conf = Math.round(share * (n >= 3 ? 0.95 : 0.8) * 100) / 100;
    if (best === cel) {
      return { format: 'asterisk_cel', confidence: conf, why: `no header; column 1 is a CEL event type in ${cel}/${n} rows: Asterisk CEL`, columns: first };
    }
    if (best === ast) {
      return { format: 'asterisk_master', confidence: conf, why: `no header; start/answer/end stamps and an Asterisk disposition at the cdr_csv or cdr_custom positions in ${ast}/${n} rows: Asterisk Master.csv`, columns: first };
    }
    return { format: 'freeswitch_csv', confidence: conf, why: `no header; a FreeSWITCH hangup cause name in column 10 and a UUID in column 11 in ${fs}/${n} rows: FreeSWITCH mod_cdr_csv (default template order)`, columns: first };
  }
  const columns = first.length === 1 ? sniffColumns(firstLine) : first;
  return { format: null, confidence: 0, why: unknownFormatMessage(columns), columns };
}

/** The first line split on whichever of ; tab | gives the most cells (for the message only). */
function sniffColumns(line: string): string[] {
  let best: string[] = [line];
  for (const d of [';', '\t', '|']) {
    const item = readCsv(line, { delimiter: d })[0];
    if (item && item.kind === 'row' && item.fields.length > best.length) best = item.fields;
  }
  return best;
}
