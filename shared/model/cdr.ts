// Inputs beyond captures (diagnosis.md §5): CDR exports and agent close-of-call events,
// normalised to one shape each whatever the vendor format.

export type CdrFormat =
  | 'asterisk_master'
  | 'asterisk_cel'
  | 'freeswitch_csv'
  | 'cisco_cucm'
  | 'twilio_calls_csv'
  | 'twilio_insights_json'
  | 'vos3000'
  | 'mapped_csv';

export interface CdrRecord {
  format: CdrFormat;
  /** 1-based line (CSV) or record index (JSON) in the source file, for evidence and error reports. */
  line: number;
  /** SIP Call-ID when the export has it (joins to captured calls), else null. */
  callId: string | null;
  /** The vendor's own call id (uniqueid, call SID, globalCallID…) when different from the Call-ID. */
  vendorId: string | null;
  from: string;
  to: string;
  startUs: number;
  answerUs: number | null;
  endUs: number | null;
  /** Total duration and billed (answered) duration in seconds, when known. */
  durationS: number | null;
  billsecS: number | null;
  answered: boolean | null;
  /** Vendor disposition as written (ANSWERED, NO ANSWER, BUSY, FAILED, completed, …). */
  disposition: string;
  /** Q.850 cause of the release when the export gives one (numeric or mapped from a name). */
  q850Cause: number | null;
  /** Final SIP response code when the export gives one. */
  sipCode: number | null;
  /** Who released the call, when the export says: caller or callee side. */
  endedBy: 'caller' | 'callee' | null;
  /** Peer / trunk / gateway name for per-peer statistics, '' when none. */
  peer: string;
  /** Quality figures some exports carry (Twilio Voice Insights). */
  quality?: { mos?: number; jitterMs?: number; lossPct?: number; tags?: string[] };
  /** The row as read, column name → value, for the UI's raw view. */
  raw: Record<string, string>;
}

/** Agent close-of-call event (voice-AI platforms, seed 000): the only source for bucket 6. */
export interface AgentEvent {
  line: number;
  callId: string;
  initiator: 'caller' | 'agent' | 'system' | null;
  sipFinalCode: number | null;
  /** Time of the last RTP packet the agent saw, µs since the epoch. */
  lastRtpUs: number | null;
  llmLastTtftMs: number | null;
  sttLastConfidence: number | null;
  lastMos: number | null;
  raw: Record<string, string>;
}

/** A line of an input file that could not be used, with the reason. */
export interface RowProblem {
  line: number;
  message: string;
}
