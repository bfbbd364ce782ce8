// The verdict of ../shared/docs/diagnosis.md: a drop bucket and a cause key from a fixed
// vocabulary (keys are API: CLI, index and UI use them as they are), the fix from the
// catalogue, a confidence, and the evidence it rests on — each item pointing at the SIP
// message, stream or event it came from, so the UI can jump to it.

export type Bucket = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export type CauseKey =
  | 'normal_clearing'
  | 'caller_hangup_short'
  | 'cancel_487'
  | 'agent_bye'
  | 'rtp_timeout_both'
  | 'rtp_timeout_oneway'
  | 'one_way_audio'
  | 'no_media'
  | `sip_${number}`
  | 'provider_reject_487'
  | 'session_timer_expiry'
  | 'abnormal_release'
  | 'llm_timeout'
  | 'no_bye_dead_signalling'
  | 'server_dead_bye_unanswered'
  | 'invite_no_response'
  | 'capture_ended'
  | 'in_progress'
  | 'release_side_unknown';

/** What an evidence item rests on, for jumping from the verdict to the ladder or timeline. */
export type EvidenceRef =
  | { kind: 'sip'; frame: number; messageIndex: number }
  | { kind: 'stream'; ssrc: number; src: string; dst: string }
  | { kind: 'gap'; ssrc: number; src: string; dst: string; startUs: number; durationMs: number }
  | { kind: 'event'; source: string; line: number }
  | { kind: 'cdr'; source: string; line: number }
  | { kind: 'capture'; what: 'start' | 'end' };

export interface Evidence {
  /** A human sentence, e.g. "BYE from the caller at 00:01:32.4 after 5.2 s of silence both ways". */
  text: string;
  /** When it happened (µs since the epoch), null when not tied to a moment. */
  tsUs: number | null;
  ref: EvidenceRef | null;
}

export interface Fix {
  /** One line: what to change. */
  title: string;
  /** The recommendation, a few sentences. */
  text: string;
  /** Checks that confirm the diagnosis before changing anything. */
  checks: string[];
}

export interface Verdict {
  /** null for the not-classifiable causes capture_ended / in_progress. */
  bucket: Bucket | null;
  bucketName: string;
  cause: CauseKey;
  /** Whether the bucket counts as a problem (buckets 4–7). */
  problem: boolean;
  fix: Fix;
  /** 1.0 for direct evidence; lower when inferred or when only a CDR row was available. */
  confidence: number;
  evidence: Evidence[];
  /** Ids of the decision-tree rules tried in order, the last one being the one that matched. */
  path: string[];
}

/** Thresholds of diagnosis.md with their documented defaults; shown and editable in the UI. */
export interface DiagnosisSettings {
  successDurationS: number; // 30
  rtpTimeoutS: number; // 5
  deadAfterS: number; // 5
  /** Rules 7–8 need time for media to start: they apply only to calls answered at least this long. */
  mediaGraceS: number; // 2
  llmTimeoutS: number; // 8
  /** Our own addresses (CIDR); when the caller matches, the caller side is the agent (outbound). */
  ownAddresses: string[];
  /** Alert when buckets 4–7 exceed this share of calls in an hour, in percent. */
  alertThresholdPct: number; // 0.5
}

export const DEFAULT_SETTINGS: Readonly<DiagnosisSettings> = Object.freeze({
  successDurationS: 30,
  rtpTimeoutS: 5,
  deadAfterS: 5,
  mediaGraceS: 2,
  llmTimeoutS: 8,
  ownAddresses: [],
  alertThresholdPct: 0.5,
});
