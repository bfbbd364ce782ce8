// A library of a million calls in minutes, not a quarter of an hour (issue 13's UI bench).
// buildLargeIndex (large_index.ts) writes every call through the store with its verdict from
// the real classifier: ~1 ms a call, mostly the classifier and the JSON, so 15 minutes at a
// million. Here a few thousand distinct calls (the seed) go in that way, and the rest are
// copies of the seed made set-based in SQL: copy c of seed call i is the same call c whole
// days later, with its own row ids, Call-ID and caller number, its messages, streams (with
// their per-second bins) and gaps shifted alike.
//
// Why whole days: the verdict's evidence names times of day ("BYE at 08:12:03.120 UTC"), so
// a copy's verdict is the seed's with each evidence time shifted — the text is unchanged and
// no classifier runs. The copies go in through the store's own transaction, so the kept
// summary counts, the trigram text index and the twin keys are made by the store's upkeep
// at each commit (kept_counts.ts), exactly as for calls inserted one by one.
// test/bench/copied_library.test.ts checks a small library built this way against the same
// calls written one by one (copyOfCall below, classified): rows, details, verdicts, counts.
//
//   tsx test/bench/copied_library.ts --db /tmp/big.db [--calls 1000000] [--seed-calls 10000]

import type BetterSqlite3 from 'better-sqlite3';
import type { CallFacts } from '../../shared/model/call.ts';
import { classify } from '../../shared/diagnosis/classifier.ts';
import { DEFAULT_SETTINGS } from '../../shared/model/verdict.ts';
import { openIndex, type IndexStore } from '../../electron/node/store/index_store.ts';
import { decodeBins, encodeBins } from '../../electron/node/store/bin_codec.ts';
import { rng, syntheticCall } from './large_index.ts';

export const DAY_US = 86_400_000_000;
export const T0_US = Date.UTC(2026, 10, 20, 8) * 1000;

/** Seed call i's Call-ID is `${i}-…@host`; call j (copy c of seed i: j = c × seedCalls + i) takes `${j}-…@host`. */
const callIdOf = (seedCallId: string, j: number): string => `${j}${seedCallId.slice(seedCallId.indexOf('-'))}`;
const fromOf = (j: number): string => `+1555${1_000_000 + (j % 9_000_000)}`;

/** The raw SIP text the generator stores for a message (as large_index.ts writes it). */
export const rawSip = (label: string, callId: string, cseq: number, cseqMethod: string): string =>
  `${label} sip:x SIP/2.0\r\nCall-ID: ${callId}\r\nCSeq: ${cseq} ${cseqMethod}\r\n\r\n`;

/**
 * Copy `copy` of seed call `i`, as the SQL below makes it: the reference the test writes one
 * call at a time. Durations, PDD and the stream figures are the seed's (differences of
 * shifted times would round differently); SSRCs too (the evidence text names them).
 */
export function copyOfCall(seed: CallFacts, i: number, copy: number, seedCalls: number): CallFacts {
  if (copy === 0) return seed;
  const s = copy * DAY_US;
  const j = copy * seedCalls + i;
  const at = (us: number | null): number | null => (us === null ? null : us + s);
  return {
    ...seed,
    callId: callIdOf(seed.callId, j),
    from: fromOf(j),
    startUs: seed.startUs + s,
    endUs: seed.endUs + s,
    inviteUs: at(seed.inviteUs),
    firstProvisionalUs: at(seed.firstProvisionalUs),
    answerUs: at(seed.answerUs),
    endUsAt: at(seed.endUsAt),
    lastActivityUs: seed.lastActivityUs + s,
    messages: seed.messages.map((m) => ({ ...m, tsUs: m.tsUs + s })),
    streams: seed.streams.map((st) => ({
      ...st,
      firstUs: st.firstUs + s,
      lastUs: st.lastUs + s,
      bins: st.bins.map((b) => ({ ...b, second: b.second + s / 1e6 })),
      gaps: st.gaps.map((g) => ({ ...g, startUs: g.startUs + s })),
      trailingGap: st.trailingGap ? { ...st.trailingGap, startUs: st.trailingGap.startUs + s } : null,
    })),
  };
}

/** The seed's calls, deterministic from the seed of the generator (call 0 has a 2 000-message ladder). */
export function* seedCalls(count: number, seed = 7): Generator<CallFacts> {
  const r = rng(seed);
  for (let i = 0; i < count; i++) yield syntheticCall(i, r, T0_US, i === 0 ? 2000 : undefined);
}

// The store keeps its connection to itself; the copies are SQL on that same connection so
// that they fall inside the store's transaction and its upkeep counts them at the commit.
const connectionOf = (store: IndexStore): BetterSqlite3.Database => (store as unknown as { db: BetterSqlite3.Database }).db;

/** `INSERT INTO t (cols) SELECT exprs FROM t WHERE …`: every column copied as is unless overridden. */
function copySql(db: BetterSqlite3.Database, table: string, overrides: Record<string, string>, where: string): string {
  const cols = (db.prepare('SELECT name FROM pragma_table_info(?) ORDER BY cid').pluck().all(table) as string[]);
  for (const k of Object.keys(overrides)) if (!cols.includes(k)) throw new Error(`copySql: ${table} has no column ${k}`);
  return `INSERT INTO ${table} (${cols.join(', ')}) SELECT ${cols.map((c) => overrides[c] ?? c).join(', ')} FROM ${table} WHERE ${where} ORDER BY id`;
}

export interface CopiedLibrary {
  calls: number;
  bigCallId: string;
  seedCalls: number;
  /** Seconds spent writing the seed one call at a time, and making the copies. */
  seedS: number;
  copyS: number;
}

/**
 * Builds a library of `calls` calls in a new index file: `seedCalls` through the store, the
 * rest copies. `onProgress` hears the calls written so far (one line per batch, for a CLI).
 */
export function buildCopiedLibrary(path: string, calls: number, opts: { seedCalls?: number; seed?: number; onProgress?: (done: number) => void } = {}): CopiedLibrary {
  const k = Math.min(calls, opts.seedCalls ?? 10_000);
  const store = openIndex(path);
  const db = connectionOf(store);
  try {
    if ((db.prepare('SELECT count(*) FROM calls').pluck().get() as number) > 0) throw new Error(`${path} already holds calls: the copies need a new index`);
    // A bigger page cache than the default 2 MB: the copies write a dozen indexes of calls in
    // key orders unlike the insertion order (duration, MOS, …). Bounded: 256 MiB.
    db.pragma('cache_size = -262144');
    let t = performance.now();
    let bigCallId = '';
    let sourceId = 0;
    store.transaction(() => {
      sourceId = store.beginSource({ path: '(generated)', name: `generated-${calls}-calls`, contentHash: `c0b1ed${k.toString(16)}f${calls.toString(16)}`.padStart(64, "0"), sizeBytes: 0, format: 'pcap' });
      let i = 0;
      for (const facts of seedCalls(k, opts.seed)) {
        if (i++ === 0) bigCallId = facts.callId;
        store.insertCall(sourceId, facts, (ref) => ({ raw: rawSip(ref.label, facts.callId, ref.cseq, ref.cseqMethod) }), classify(facts, DEFAULT_SETTINGS, null));
      }
    });
    const seedS = (performance.now() - t) / 1000;
    opts.onProgress?.(k);
    t = performance.now();
    // Copies refer to the seed by row-id offsets: the seed's ids must be 1..k (a new file).
    const span = (table: string): { lo: number; hi: number } => db.prepare(`SELECT coalesce(min(id), 1) AS lo, coalesce(max(id), 0) AS hi FROM ${table}`).get() as { lo: number; hi: number };
    const c0 = span('calls');
    if (c0.lo !== 1 || c0.hi !== k) throw new Error(`seed call ids ${c0.lo}..${c0.hi}, expected 1..${k}`);
    const m0 = span('sip_messages');
    const s0 = span('streams');
    const g0 = span('gaps');
    db.function('calltrace_shift_bins', { deterministic: true }, (blob: unknown, seconds: unknown) => {
      if (!(blob instanceof Uint8Array)) return blob;
      return encodeBins(decodeBins(blob).map((b) => ({ ...b, second: b.second + (seconds as number) })));
    });
    // Copy c: ids + c × (the seed's count), times + c days; `:j` is the copied call's number.
    const j = `(id - 1 + :c * ${k})`;
    const shift = `(:c * ${DAY_US})`;
    const callsSql = copySql(db, 'calls', {
      id: `id + :c * ${k}`,
      call_id: `${j} || substr(call_id, instr(call_id, '-'))`,
      from_user: `'+1555' || (1000000 + ${j} % 9000000)`,
      start_us: `start_us + ${shift}`,
      end_us: `end_us + ${shift}`,
      invite_us: `invite_us + ${shift}`,
      answer_us: `answer_us + ${shift}`,
      facts_json: `json_set(facts_json, '$.callId', ${j} || substr(call_id, instr(call_id, '-')), '$.from', '+1555' || (1000000 + ${j} % 9000000),
        '$.startUs', start_us + ${shift}, '$.endUs', end_us + ${shift}, '$.inviteUs', invite_us + ${shift},
        '$.firstProvisionalUs', json_extract(facts_json, '$.firstProvisionalUs') + ${shift}, '$.answerUs', answer_us + ${shift},
        '$.endUsAt', json_extract(facts_json, '$.endUsAt') + ${shift}, '$.lastActivityUs', json_extract(facts_json, '$.lastActivityUs') + ${shift})`,
      // The evidence's times move with the call; its text names times of day, the same a whole day later.
      verdict_json: `CASE WHEN verdict_json IS NULL THEN NULL ELSE json_set(verdict_json, '$.evidence', (SELECT json_group_array(CASE WHEN json_type(e.value, '$.tsUs') IN ('integer', 'real')
        THEN json_set(e.value, '$.tsUs', json_extract(e.value, '$.tsUs') + ${shift}) ELSE json(e.value) END) FROM json_each(verdict_json, '$.evidence') e)) END`,
    }, 'id BETWEEN 1 AND :n');
    const messagesSql = copySql(db, 'sip_messages', {
      id: `id + :c * ${m0.hi}`,
      call_row_id: `call_row_id + :c * ${k}`,
      ts_us: `ts_us + ${shift}`,
      raw: `replace(raw, 'Call-ID: ' || (SELECT call_id FROM calls WHERE calls.id = sip_messages.call_row_id),
        'Call-ID: ' || (call_row_id - 1 + :c * ${k}) || (SELECT substr(call_id, instr(call_id, '-')) FROM calls WHERE calls.id = sip_messages.call_row_id))`,
    }, `id BETWEEN ${m0.lo} AND ${m0.hi} AND call_row_id <= :n`);
    const streamsSql = copySql(db, 'streams', {
      id: `id + :c * ${s0.hi}`,
      call_row_id: `call_row_id + :c * ${k}`,
      first_us: `first_us + ${shift}`,
      last_us: `last_us + ${shift}`,
      bins: `calltrace_shift_bins(bins, :c * ${DAY_US / 1e6})`,
    }, `id BETWEEN ${s0.lo} AND ${s0.hi} AND call_row_id <= :n`);
    const gapsSql = copySql(db, 'gaps', {
      id: `id + :c * ${g0.hi}`,
      stream_id: `stream_id + :c * ${s0.hi}`,
      start_us: `start_us + ${shift}`,
    }, `id BETWEEN ${g0.lo} AND ${g0.hi} AND stream_id IN (SELECT id FROM streams WHERE id BETWEEN ${s0.lo} AND ${s0.hi} AND call_row_id <= :n)`);
    const steps = [callsSql, messagesSql, streamsSql, gapsSql].map((sql) => db.prepare(sql));
    // A transaction per ~50 000 calls: the store's upkeep counts each batch at its commit, and
    // the WAL and FTS5's pending terms stay bounded.
    const perBatch = Math.max(1, Math.floor(50_000 / k));
    let done = k;
    for (let c = 1; done < calls; ) {
      store.transaction(() => {
        for (let b = 0; b < perBatch && done < calls; b++, c++) {
          const n = Math.min(k, calls - done);
          // BigInt: a JS number binds as a REAL, and `j || …` would write "60.0-…".
          for (const st of steps) st.run({ c: BigInt(c), n: BigInt(n) });
          done += n;
        }
      });
      opts.onProgress?.(done);
    }
    store.finishSource(sourceId, { status: 'ok', packets: 0, firstUs: T0_US, lastUs: T0_US + Math.ceil(calls / k) * DAY_US, stats: [], error: null });
    db.pragma('wal_checkpoint(TRUNCATE)');
    return { calls, bigCallId, seedCalls: k, seedS, copyS: (performance.now() - t) / 1000 };
  } finally {
    store.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  const get = (key: string, d: string): string => (argv.includes(key) ? argv[argv.indexOf(key) + 1] : d);
  const db = get('--db', '');
  if (!db) throw new Error('usage: tsx test/bench/copied_library.ts --db PATH [--calls N] [--seed-calls N]');
  const res = buildCopiedLibrary(db, Number(get('--calls', '1000000')), {
    seedCalls: Number(get('--seed-calls', '10000')),
    onProgress: (n) => process.stdout.write(`\r${n} calls`),
  });
  process.stdout.write(`\n${res.calls} calls in ${db}: seed of ${res.seedCalls} in ${res.seedS.toFixed(1)} s, copies in ${res.copyS.toFixed(1)} s; 2000-message call: ${res.bigCallId}\n`);
}
