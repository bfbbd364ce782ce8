// CDR exports and agent close-of-call events (diagnosis.md §5): public API of shared/cdr.

export { CsvReader, readCsv, CSV_DEFAULTS, type CsvItem, type CsvReaderOptions } from './csv_reader.ts';
export { parseTimeUs, q850FromCause, Q850_BY_NAME, FREESWITCH_ONLY_CAUSES, type CdrParseResult, type TimeFormat } from './cdr_common.ts';
export { detectCdrFormat, unknownFormatMessage, type CdrDetection } from './cdr_format.ts';
export { parseCdrText, detectInputKind, createCdrRowParser, type ParseCdrOptions, type CdrTextResult, type InputKind } from './cdr_import.ts';
export { CdrRowParser, type CdrEmitter } from './cdr_common.ts';
export { parseAsteriskMaster } from './asterisk_master_cdr.ts';
export { parseAsteriskCel } from './asterisk_cel.ts';
export { parseFreeswitchCsv } from './freeswitch_cdr.ts';
export { parseCucmCdr } from './cucm_cdr.ts';
export { parseTwilioCallsCsv } from './twilio_calls_csv.ts';
export { parseTwilioInsightsJson } from './twilio_insights_json.ts';
export { parseVos3000Cdr } from './vos3000_cdr.ts';
export { parseMappedCsv, validateMapping, type ColumnMapping } from './mapped_csv.ts';
export { detectAgentEvents, parseAgentEvents, type AgentEventsResult } from './agent_events.ts';
