// Entry points for non-capture inputs: route a file by content, parse a CDR export.
//
// parseCdrText never throws: a file it cannot read at all comes back with `error` set
// (unknown format, bad mapping, not JSON…), a row it cannot use as a RowProblem with its
// line, and everything else is imported. Invariant: rowsIn = rowsUsed + problems.length
// (see CdrParseResult).

import type { CdrFormat } from '../model/cdr.ts';
import { detectAgentEvents } from './agent_events.ts';
import { AsteriskCelRowParser } from './asterisk_cel.ts';
import { AsteriskMasterRowParser } from './asterisk_master_cdr.ts';
import { collectCsv, emptyResult, type CdrEmitter, type CdrParseResult, type CdrRowParser } from './cdr_common.ts';
import { detectCdrFormat, type CdrDetection } from './cdr_format.ts';
import type { CsvReaderOptions } from './csv_reader.ts';
import { CucmRowParser } from './cucm_cdr.ts';
import { FreeswitchRowParser } from './freeswitch_cdr.ts';
import { MappedRowParser, type ColumnMapping } from './mapped_csv.ts';
import { TwilioCallsRowParser } from './twilio_calls_csv.ts';
import { parseTwilioInsightsJson } from './twilio_insights_json.ts';
import { Vos3000RowParser, vos3000IsPipe } from './vos3000_cdr.ts';

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

/**
 * The streaming parser for a CSV format, with the CSV options it reads with; null for the
 * formats read as one document (Twilio Voice Insights JSON) and for mapped_csv without a
 * mapping. `headText` is the start of the file (VOS3000 decides pipe or comma on it).
 */
export function createCdrRowParser(
  format: CdrFormat,
  out: CdrEmitter,
  opts: { mapping?: ColumnMapping; headText: string },
): { parser: CdrRowParser; csv: CsvReaderOptions } | null {
  switch (format) {
    case 'asterisk_master':
      return { parser: new AsteriskMasterRowParser(out), csv: {} };
    case 'asterisk_cel':
      return { parser: new AsteriskCelRowParser(out), csv: {} };
    case 'freeswitch_csv':
      return { parser: new FreeswitchRowParser(out), csv: {} };
    case 'cisco_cucm':
      return { parser: new CucmRowParser(out), csv: {} };
    case 'twilio_calls_csv':
      return { parser: new TwilioCallsRowParser(out), csv: {} };
    case 'vos3000': {
      const pipe = vos3000IsPipe(opts.headText);
      return { parser: new Vos3000RowParser(out, pipe), csv: { delimiter: pipe ? '|' : ',' } };
    }
    case 'mapped_csv':
      return opts.mapping ? { parser: new MappedRowParser(out, opts.mapping), csv: { delimiter: opts.mapping.delimiter } } : null;
    case 'twilio_insights_json':
      return null;
  }
}

function dispatch(text: string, format: CdrFormat, mapping: ColumnMapping | undefined): CdrParseResult {
  if (format === 'twilio_insights_json') return parseTwilioInsightsJson(text);
  let csv: CsvReaderOptions = {};
  const make = (out: CdrEmitter): CdrRowParser | null => {
    const made = createCdrRowParser(format, out, { mapping, headText: text });
    if (made) csv = made.csv;
    return made?.parser ?? null;
  };
  // Options first (collectCsv builds its reader after the parser).
  if (make({ record() {}, problem() {} }) === null) return emptyResult('mapped_csv', 'mapped_csv needs a column mapping');
  return collectCsv(text, (out) => make(out)!, csv);
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
