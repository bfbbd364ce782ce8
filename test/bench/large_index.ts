// Builds a large index directly (no capture): N calls with realistic facts and verdicts
// from the real classifier (per-second bins kept to the first minute of each stream, to keep
// the file small), plus one call with a 2 000-message ladder — the data behind the
// UI benchmark ("the call list stays smooth at 100 000 calls"). Deterministic from a seed.
//
//   tsx test/bench/large_index.ts --db /tmp/big.db [--calls 100000] [--seed 7]

import { classify } from '../../shared/diagnosis/classifier.ts';
import type { CallFacts, CallMessageRef, CallStream } from '../../shared/model/call.ts';
import { DEFAULT_SETTINGS } from '../../shared/model/verdict.ts';
import { openIndex } from '../../electron/node/store/index_store.ts';

export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

const OUTCOMES = [
  { w: 45, kind: 'normal' },
  { w: 15, kind: 'short' },
  { w: 15, kind: 'agent' },
  { w: 8, kind: 'cancel' },
  { w: 6, kind: 'error' },
  { w: 4, kind: 'timeout' },
  { w: 3, kind: 'oneway' },
  { w: 2, kind: 'dead' },
  { w: 2, kind: 'abnormal' },
] as const;

function pick<T extends { w: number }>(r: () => number, xs: readonly T[]): T {
  const total = xs.reduce((a, x) => a + x.w, 0);
  let v = r() * total;
  for (const x of xs) if ((v -= x.w) < 0) return x;
  return xs[xs.length - 1];
}

function stream(dir: 'caller' | 'callee', i: number, startUs: number, endUs: number, silenceBeforeEndMs: number, lossPct: number): CallStream {
  const packets = Math.max(1, Math.round((endUs - startUs) / 20_000));
  const lost = Math.round((packets * lossPct) / 100);
  const seconds = Math.ceil((endUs - startUs) / 1e6);
  const first = Math.floor(startUs / 1e6);
  return {
    ssrc: 0x10000000 + i * 2 + (dir === 'caller' ? 0 : 1),
    src: dir === 'caller' ? '10.0.0.1' : '192.0.2.10', srcPort: 20000 + (i % 20000) * 2,
    dst: dir === 'caller' ? '192.0.2.10' : '10.0.0.1', dstPort: 30000 + (i % 15000) * 2,
    payloadType: 0, encoding: 'PCMU', clockRate: 8000, firstFrame: 1, lastFrame: packets, firstUs: startUs, lastUs: endUs,
    packets, lost, expected: packets + lost, sequenceErrors: lost > 0 ? 1 : 0,
    minDeltaMs: 19.5, meanDeltaMs: 20, maxDeltaMs: 20 + lossPct * 10, minJitterMs: 0.1, meanJitterMs: 0.8 + lossPct, maxJitterMs: 2 + lossPct * 3,
    gaps: [], bins: Array.from({ length: Math.min(seconds, 60) }, (_, k) => ({ second: first + k, packets: 50, lost: 0, maxJitterMs: 1, maxDeltaMs: 21 })),
    mos: 4.4 - lossPct * 0.1, minWindowMos: 4.4 - lossPct * 0.2, payloadTypes: [0],
    direction: dir, silenceBeforeEndMs, longestGapMs: silenceBeforeEndMs, trailingGap: silenceBeforeEndMs > 200 ? { startUs: endUs, durationMs: silenceBeforeEndMs, trailing: true } : null,
  };
}

function message(i: number, tsUs: number, label: string, cseq: number, cseqMethod: string, fromCaller: boolean): CallMessageRef {
  return { frame: i + 1, tsUs, src: fromCaller ? '10.0.0.1:5060' : '192.0.2.10:5060', dst: fromCaller ? '192.0.2.10:5060' : '10.0.0.1:5060', label, cseq, cseqMethod, retransmission: false };
}

export function syntheticCall(i: number, r: () => number, t0: number, messagesOverride?: number): CallFacts {
  const o = pick(r, OUTCOMES).kind;
  const startUs = t0 + i * 36_000_000 * r() * 0.02 + i * 400_000;
  const answered = !['cancel', 'error'].includes(o);
  const answerUs = answered ? startUs + 2e6 + r() * 4e6 : null;
  const talkS = o === 'normal' ? 30 + r() * 300 : 3 + r() * 25;
  const endUs = answered ? answerUs! + talkS * 1e6 : startUs + 3e6 + r() * 10e6;
  const status = o === 'error' ? [486, 503, 404, 480][Math.floor(r() * 4)] : o === 'cancel' ? 487 : 200;
  const msgs: CallMessageRef[] = [message(0, startUs, 'INVITE', 1, 'INVITE', true), message(1, startUs + 20_000, '100 Trying', 1, 'INVITE', false), message(2, startUs + 1e6, '180 Ringing', 1, 'INVITE', false)];
  if (answered) msgs.push(message(3, answerUs!, '200 OK', 1, 'INVITE', false), message(4, answerUs! + 10_000, 'ACK', 1, 'ACK', true));
  const extra = Math.max(0, (messagesOverride ?? 0) - 7);
  for (let k = 0; k < extra; k++) msgs.push(message(msgs.length, answerUs! + (k + 1) * 50_000, k % 2 ? '200 OK' : 'INFO', 10 + k, 'INFO', k % 2 === 0));
  const byCaller = o === 'normal' || o === 'short' || o === 'timeout' || o === 'oneway';
  if (o === 'cancel') msgs.push(message(msgs.length, endUs, 'CANCEL', 1, 'CANCEL', true), message(msgs.length + 1, endUs + 5_000, '487 Request Terminated', 1, 'INVITE', false));
  else if (o === 'error') msgs.push(message(msgs.length, endUs, `${status} Error`, 1, 'INVITE', false));
  else if (o !== 'dead') msgs.push(message(msgs.length, endUs, 'BYE', 2, 'BYE', byCaller), message(msgs.length + 1, endUs + 5_000, '200 OK', 2, 'BYE', !byCaller));
  const silence = o === 'timeout' ? 6000 + r() * 20000 : 20;
  const streams = answered
    ? [stream('caller', i, answerUs! + 20_000, endUs - (o === 'timeout' ? silence * 1000 : 20_000), o === 'timeout' ? silence : 20, r() < 0.1 ? r() * 4 : 0),
       ...(o === 'oneway' ? [] : [stream('callee', i, answerUs! + 20_000, endUs - 20_000, 20, 0)])]
    : [];
  return {
    origin: 'capture', callId: `${i}-${Math.floor(r() * 1e9).toString(36)}@10.0.0.1`,
    from: `+1555${String(1000000 + (i % 9000000)).padStart(7, '0')}`, to: `+1800${String(200 + (i % 50)).padStart(7, '0')}`,
    fromUri: 'sip:x@10.0.0.1', toUri: 'sip:y@192.0.2.10', callerAddr: '10.0.0.1:5060', calleeAddr: `192.0.2.${10 + (i % 5)}:5060`,
    kind: 'call', firstMethod: 'INVITE', startUs, endUs: msgs[msgs.length - 1].tsUs, inviteUs: startUs, firstProvisionalUs: startUs + 1e6,
    answerUs, answered, postDialDelayMs: 1000, finalStatus: status, finalReason: '', authChallenges: 0, inviteTransmissions: 1, inviteUnanswered: false,
    endMethod: o === 'dead' ? 'none' : o === 'cancel' ? 'CANCEL' : o === 'error' ? 'final_error' : 'BYE',
    endedBy: o === 'dead' ? null : o === 'cancel' ? 'caller' : o === 'error' ? 'callee' : byCaller ? 'caller' : 'callee',
    endUsAt: o === 'dead' ? null : endUs, endFrame: null, endAnswered: o !== 'dead', endTransmissions: 1,
    endReasons: o === 'abnormal' ? [{ protocol: 'Q.850', cause: 41, text: '' }] : [], q850Cause: o === 'abnormal' ? 41 : null,
    warnings: [], retryAfter: null, durationMs: answered ? (endUs - answerUs!) / 1000 : 0, sessionTimer: null,
    media: { callerSends: true, calleeSends: true, holdSeen: false, onHoldAtEnd: false },
    sipMessages: msgs.length, sipRetransmissions: 0, messages: msgs, icmpErrors: [], streams, captureTailMs: o === 'dead' ? 60_000 : 30_000,
    lastActivityUs: endUs, userAgents: [],
  };
}

export function buildLargeIndex(db: string, calls: number, seed = 7): { calls: number; bigCallId: string } {
  const store = openIndex(db);
  const r = rng(seed);
  const t0 = Date.UTC(2026, 10, 20, 8) * 1000;
  let bigCallId = '';
  store.transaction(() => {
    const sourceId = store.beginSource({ path: '(generated)', name: `generated-${calls}-calls`, contentHash: (seed.toString(16) + calls.toString(16)).padStart(64, '0'), sizeBytes: 0, format: 'pcap' });
    for (let i = 0; i < calls; i++) {
      const facts = syntheticCall(i, r, t0, i === 0 ? 2000 : undefined);
      if (i === 0) bigCallId = facts.callId;
      // With its verdict, as the import writes a call (call_slices.ts): one insert, no update.
      store.insertCall(sourceId, facts, (ref) => ({ raw: `${ref.label} sip:x SIP/2.0\r\nCall-ID: ${facts.callId}\r\nCSeq: ${ref.cseq} ${ref.cseqMethod}\r\n\r\n` }), classify(facts, DEFAULT_SETTINGS, null));
    }
    store.finishSource(sourceId, { status: 'ok', packets: 0, firstUs: t0, lastUs: t0 + calls * 1e6, stats: [], error: null });
  });
  store.close();
  return { calls, bigCallId };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  const get = (k: string, d: string) => (argv.includes(k) ? argv[argv.indexOf(k) + 1] : d);
  const db = get('--db', '');
  if (!db) throw new Error('usage: tsx test/bench/large_index.ts --db PATH [--calls N] [--seed N]');
  const t = performance.now();
  const res = buildLargeIndex(db, Number(get('--calls', '100000')), Number(get('--seed', '7')));
  process.stdout.write(`${res.calls} calls in ${db} (${((performance.now() - t) / 1000).toFixed(1)} s); 2000-message call: ${res.bigCallId}\n`);
}
