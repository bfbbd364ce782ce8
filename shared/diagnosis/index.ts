// The diagnosis layer (diagnosis.md): verdicts, the fix catalogue, the reference tables and
// the across-calls summary. Pure: a function of engine facts and settings, no I/O.

export { classify, CDR_MAX_CONFIDENCE } from './classifier.ts';
export { DECISION_TREE, branchOf, rulesOf, INVITE_TRANSACTION_TIMEOUT_MS, SESSION_EXPIRY_SLACK_MS } from './decision_tree.ts';
export type { Branch, DecisionRule, OutcomeCause, RuleMatch, RuleOutcome } from './decision_tree.ts';
export { decisionTreeMermaid, decisionTreeReadmeBlock, README_START_MARKER, README_END_MARKER } from './decision_tree_mermaid.ts';
export { fixFor, FIX_CATALOGUE } from './fix_catalogue.ts';
export { BUCKETS, CAUSE_BUCKETS, FIXED_CAUSE_KEYS, bucketName, bucketOfCause, isProblemBucket, sipCodeOfCause } from './buckets.ts';
export type { BucketInfo, FixedCauseKey } from './buckets.ts';
export { Q850_CAUSES, HANGUP_CAUSE_NAMES, q850Cause, q850Name, q850Label, q850FromName, hangupCauseFromName } from './q850_causes.ts';
export type { Q850Cause, Q850Class, Q850PointsTo, HangupCauseName } from './q850_causes.ts';
export { SIP_RESPONSES, SIP_CLASS_MEANING, sipResponse, sipClassOf, sipLabel } from './sip_responses.ts';
export type { SipResponseInfo, SipClass } from './sip_responses.ts';
export { inCidrs, parseCidr, parseIp, hostOf, invalidCidrs } from './cidr.ts';
export { summarize, percentile } from './call_summary.ts';
export type { Summary, SummaryInput, HourRow, PeerRow, AlertWindow, Percentiles, BucketCounts } from './call_summary.ts';
