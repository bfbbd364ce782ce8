// Entry points for non-capture inputs: route a file by content, parse a CDR export.
//
// parseCdrText never throws: a file it cannot read at all comes back with `error` set
// (unknown format, bad mapping, not JSON…), a row it cannot use as a RowProblem with its
// line, and everything else is imported. Invariant: rowsIn = rowsUsed + problems.length
// (see CdrParseResult).

import type { CdrFormat } from '../model/cdr.ts';
import { detectAgentEvents } from './agent_events.ts';
import { parseAsteriskCel } from './asterisk_cel.ts';
import { parseAsteriskMaster } from './asterisk_master_cdr.ts';
import { emptyResult, type CdrParseResult } from './cdr_common.ts';
import { detectCdrFormat, type CdrDetection } from './cdr_format.ts';
import { parseCucmCdr } from './cucm_cdr.ts';
import { parseFreeswitchCsv } from './freeswitch_cdr.ts';
import { parseMappedCsv, type ColumnMapping } from './mapped_csv.ts';
import { parseTwilioCallsCsv } from './twilio_calls_csv.ts';
import { parseTwilioInsightsJson } from './twilio_insights_json.ts';
import { parseVos3000Cdr } from './vos3000_cdr.ts';

export interface ParseCdrOptions {
  /** Skip detection and read the file as this format. */
  format?: CdrFormat;
  /** Column mapping for mapped_csv; given alone, it selects mapped_csv. */
  mapping?: ColumnMapping;
}

export interface CdrTextResult extends CdrParseResult {
  /** How the format was chosen (absent when the caller named it). */
  detection: CdrDetection | null;
}

export type InputKind = 'cdr' | 'agent_events' | 'unknown';

/**
 * Routes a non-capture file by its first bytes (decoded as text): agent close-of-call
 * events, a CDR export of a known format, or unknown. An unknown CSV may still be a CDR
 * the user can map (parseCdrText with a mapping); this helper does not guess.
 */
export function detectInputKind(headText: string): InputKind {
  try {
    if (detectAgentEvents(headText)) return 'agent_events';
    if (detectCdrFormat(headText).format !== null) return 'cdr';
  } catch {
    // detection must not take the caller down; fall through
  }
  return 'unknown';
}

function dispatch(text: string, format: CdrFormat, mapping: ColumnMapping | undefined): CdrParseResult {
  switch (format) {
    case 'asterisk_master':
      return parseAsteriskMaster(text);
    case 'asterisk_cel':
      return parseAsteriskCel(text);
    case 'freeswitch_csv':
      return parseFreeswitchCsv(text);
    case 'cisco_cucm':
      return parseCucmCdr(text);
    case 'twilio_calls_csv':
      return parseTwilioCallsCsv(text);
    case 'twilio_insights_json':
      return parseTwilioInsightsJson(text);
    case 'vos3000':
      return parseVos3000Cdr(text);
    case 'mapped_csv':
      return mapping ? parseMappedCsv(text, mapping) : emptyResult('mapped_csv', 'mapped_csv needs a column mapping');
  }
}

export function parseCdrText(text: string, opts: ParseCdrOptions = {}): CdrTextResult {
  let detection: CdrDetection | null = null;
  let format: CdrFormat | null = opts.format ?? (opts.mapping ? 'mapped_csv' : null);
  try {
    if (format === null) {
      detection = detectCdrFormat(text);
      format = detection.format;
      if (format === null) return { ...emptyResult(null, detection.why), detection };
    }
    return { ...dispatch(text, format, opts.mapping), detection };
  } catch (e) {
    // A bug in a parser must not lose the import session; report it as a file error.
    return { ...emptyResult(format, `internal error while reading the CDR file: ${e instanceof Error ? e.message : String(e)}`), detection };
  }
}
