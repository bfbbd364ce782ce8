// The analyze document is read a batch of calls at a time (store/document_rows.ts,
// cli/document_legs.ts): (1) the SQL statements run to build it do not grow with the number
// of calls, and (2) it is the document the per-call reads give (getCall, cdrRecordsOfCall,
// correlateLegs: what it was built from before), on generated calls, the fixtures and the
// public corpus.

import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeDocumentParts, callDoc, clockDoc, startOrder, collectAnalyzeDocument, collectReportInputs, legsDoc, type AnalyzeDocument } from '../../electron/node/cli/call_document.ts';
import { writeJsonWithArray } from '../../electron/node/cli/json_stream.ts';
import { sourceClocks } from '../../electron/node/ingest/source_clocks.ts';
import { formatCallTable } from '../../electron/node/cli/call_table.ts';
import { importFile } from '../../electron/node/ingest/import_file.ts';
import { correlateLegs } from '../../electron/node/ingest/leg_calls.ts';
import { openIndex, type IndexStore } from '../../electron/node/store/index_store.ts';
import type { Verdict } from '../../shared/model/verdict.ts';
import { buildCallCapture } from '../support/call_capture.ts';
import { importCapturePoints, secondCapturePoint } from '../support/second_capture_point.ts';
import { CORPUS_DIR, corpusPresent, REPO_ROOT } from '../support/oracle.ts';

const tmp = mkdtempSync(join(tmpdir(), 'calltrace-docq-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const FIX = join(REPO_ROOT, 'test/fixtures');

/** One capture of `n` answered calls with RTP both ways, one after another (10 s apart). */
function callsCapture(n: number): Uint8Array {
  const t0 = Date.UTC(2026, 2, 1, 9, 0, 0) * 1000;
  const parts = Array.from({ length: n }, (_, i) => buildCallCapture({
    callId: `gen-${i}@docq`, from: `1000${i}`, to: `2000${i}`, startUs: t0 + i * 10_000_000, talkS: 1,
    caller: `10.1.${i >> 8}.${(i & 255) + 1}`, byeFrom: i % 2 === 0 ? 'caller' : 'callee',
  }));
  // Each is a whole pcap: the first keeps its 24-byte file header, the rest give their records.
  return Buffer.concat(parts.map((p, i) => (i === 0 ? p : p.subarray(24))));
}

async function importAll(store: IndexStore, paths: string[]): Promise<number[]> {
  const ids: number[] = [];
  for (const p of paths) {
    const o = await importFile(store, p);
    if (o.sourceId === null) throw new Error(`${p}: not imported (${o.status}): ${o.error}`);
    ids.push(o.sourceId);
  }
  return ids;
}

/**
 * Counts the statement executions (all/get/run/iterate, and each row an iterate yields is one
 * step of one execution) while `fn` runs, on every better-sqlite3 connection of this process.
 */
function countStatements<T>(fn: () => T): { result: T; runs: number } {
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<string, (...a: unknown[]) => unknown>;
  probe.close();
  const names = ['all', 'get', 'run', 'iterate'] as const;
  const saved = names.map((n) => proto[n]);
  let runs = 0;
  names.forEach((n, i) => {
    proto[n] = function (this: unknown, ...a: unknown[]) {
      runs++;
      return saved[i].apply(this, a);
    };
  });
  try {
    return { result: fn(), runs };
  } finally {
    names.forEach((n, i) => (proto[n] = saved[i]));
  }
}

/**
 * The document's calls as the per-call reads build them: each call read whole by getCall
 * (raw SIP and all), its CDR rows by cdrRecordsOfCall, the legs by ingest's correlateLegs.
 */
function perCallCalls(store: IndexStore, sourceIds: number[]): AnalyzeDocument['calls'] {
  const rowIds: number[] = [];
  const seen = new Set<number>();
  const add = (id: number): void => {
    if (seen.has(id)) return;
    seen.add(id);
    rowIds.push(id);
  };
  for (const id of sourceIds) {
    for (const c of store.listCalls({ sourceId: id, limit: 1e9 })) add(c.id);
    for (const r of store.inputs.cdrRecordsOfSource(id)) if (r.callRowId !== null) add(r.callRowId);
  }
  const legs = correlateLegs(store, rowIds);
  const name = (id: number): string => store.getSource(id)?.name ?? `source #${id}`;
  const calls = rowIds.flatMap((id) => {
    const d = store.getCall(id);
    if (!d) return [];
    const input = { ...d, quotedMessages: d.facts.messages.filter((m) => m.quoted).length, verdict: d.verdict as Verdict | null };
    return [callDoc(input, name, store.inputs.cdrRecordsOfCall(id), legsDoc(d.callId, legs.byRow.get(id), (r) => legs.callIdOf.get(r) ?? `#${r}`))];
  });
  return calls.sort((a, b) => a.startTime.localeCompare(b.startTime));
}

describe('analyze document: set-based reads', () => {
  it('runs as many SQL statements for 50 calls as for 5 (with legs and CDR-only calls beside them)', async () => {
    const count = async (n: number): Promise<{ doc: number; report: number; calls: number; legs: number; cdrOnly: number }> => {
      const gen = join(tmp, `gen_${n}.pcap`);
      writeFileSync(gen, callsCapture(n));
      const store = openIndex(join(tmp, `count_${n}.sqlite`));
      try {
        const ids = await importAll(store, [gen, join(FIX, 'legs/legs_heuristic.pcap'), join(FIX, 'cdr/vos3000_cdr.csv')]);
        const doc = countStatements(() => collectAnalyzeDocument(store, ids));
        const report = countStatements(() => collectReportInputs(store, ids));
        const calls = doc.result.doc.calls;
        return {
          doc: doc.runs, report: report.runs, calls: calls.length,
          legs: calls.filter((c) => c.legs.length > 1).length, cdrOnly: calls.filter((c) => c.origin === 'cdr').length,
        };
      } finally {
        store.close();
      }
    };
    const five = await count(5);
    const fifty = await count(50);
    // The inputs are what the counts are about: the calls were imported, legs linked, CDR rows stand as calls.
    expect(fifty.calls - five.calls).toBe(45);
    expect(five.legs).toBeGreaterThan(0);
    expect(five.cdrOnly).toBeGreaterThan(0);
    expect(fifty.doc).toBe(five.doc);
    expect(fifty.report).toBe(five.report);
    // About ten per source (its row, warnings, problems, calls, CDR rows, loose streams, name,
    // clocks) and a few per batch of calls and for the legs: not a few per call.
    expect(five.doc).toBeLessThan(60);
    expect(five.report).toBeLessThanOrEqual(five.doc);
  });

  it('is the document the per-call reads give: generated calls, legs, CDR rows joined and standing alone, ICMP-quoted SIP', async () => {
    const gen = join(tmp, 'gen_eq.pcap');
    writeFileSync(gen, callsCapture(12));
    const legDir = join(FIX, 'legs');
    const files = [
      gen,
      ...readdirSync(legDir).map((f) => join(legDir, f)),
      join(FIX, 'field/icmp_port_unreachable.pcap'),
      join(FIX, 'field/icmp6_port_unreachable.pcapng'),
      join(FIX, 'captures/nat_one_way_audio.pcapng'),
      join(FIX, 'captures/rtp_timeout_oneway.pcapng'),
      join(FIX, 'cdr/vos3000_cdr.csv'),
      join(FIX, 'cdr/asterisk_cel_call.csv'),
    ];
    const store = openIndex(':memory:');
    try {
      const ids = await importAll(store, files);
      const { doc, rowIds } = collectAnalyzeDocument(store, ids);
      const expected = perCallCalls(store, ids);
      expect(doc.calls.length).toBeGreaterThan(20);
      expect(doc.calls.some((c) => c.sipQuoted > 0)).toBe(true);
      expect(doc.calls.some((c) => c.legLinks.length > 0 && c.endToEnd !== null)).toBe(true);
      expect(doc.calls.some((c) => c.origin === 'cdr')).toBe(true);
      expect(doc.calls.some((c) => c.streams.some((s) => s.gaps.length > 0))).toBe(true);
      expect(JSON.stringify(doc.calls, null, 2)).toBe(JSON.stringify(expected, null, 2));
      // The table is printed from the same document (nothing of it is read apart).
      expect(formatCallTable(doc, { all: true })).toBe(formatCallTable({ ...doc, calls: expected }, { all: true }));
      // The report links the same legs without building the document.
      const report = collectReportInputs(store, ids);
      expect(report.legs).toEqual(correlateLegs(store, rowIds));
      expect(report.sources).toEqual(doc.sources);
    } finally {
      store.close();
    }
  });

  it('a CDR file given alone brings the captured calls its rows joined (calls of a source not given)', async () => {
    const t0 = Date.UTC(2026, 2, 1, 9, 0, 0) * 1000;
    const gen = join(tmp, 'gen_join.pcap');
    writeFileSync(gen, callsCapture(6));
    // Twilio's export, joined by numbers and start time to the generated calls 0, 2 and 4.
    const day = (us: number): string => new Date(us / 1000).toUTCString().replace('GMT', '+0000');
    const rows = [0, 2, 4].map((i) => {
      const at = t0 + i * 10_000_000;
      return `CA${String(i).padStart(32, '0')},"${day(at)}","${day(at + 5e6)}","${day(at + 1e6)}","${day(at + 2e6)}",1,1000${i},2000${i},inbound,completed,-0.0170,USD,,`;
    });
    const csv = join(tmp, 'joined_twilio.csv');
    writeFileSync(csv, `Sid,Date Created,Date Updated,Start Time,End Time,Duration,From,To,Direction,Status,Price,Price Unit,Answered By,Parent Call Sid\n${rows.join('\n')}\n`);
    const store = openIndex(':memory:');
    try {
      const [, cdrId] = await importAll(store, [gen, csv]);
      const { doc } = collectAnalyzeDocument(store, [cdrId]);
      expect(doc.calls.map((c) => [c.callId, c.origin, c.cdr.map((r) => r.join)])).toEqual([0, 2, 4].map((i) => [`gen-${i}@docq`, 'capture', ['numbers_time']]));
      expect(JSON.stringify(doc.calls, null, 2)).toBe(JSON.stringify(perCallCalls(store, [cdrId]), null, 2));
    } finally {
      store.close();
    }
  });

  it('merges calls several captures saw, and aligns their clocks, as sourceClocks does', async () => {
    const one = callsCapture(4);
    const { store, ids } = await importCapturePoints(tmp, [
      ['probe.pcap', one],
      ['phone.pcap', secondCapturePoint(one, { offsetUs: -1_500_000, transitUs: 2_000, jitterUs: 100, towardsSecond: '10.1.0.1' })],
      ['other.pcap', callsCapture(2)],
    ]);
    try {
      const { doc } = collectAnalyzeDocument(store, ids);
      const name = (id: number): string => store.getSource(id)!.name;
      expect(doc.captureClocks).toEqual(sourceClocks(store, ids).map((c) => clockDoc(c, name)));
      expect(doc.captureClocks!.map((c) => [c.source, c.reference, c.sharedCalls])).toEqual([['phone.pcap', 'probe.pcap', 4], ['other.pcap', 'probe.pcap', 2]]);
      // Every row is of a call another capture saw too (other.pcap's two calls are probe's first two).
      expect(doc.calls.filter((c) => c.capturePoints !== undefined).length).toBe(4 + 4 + 2);
      expect(doc.calls.filter((c) => c.capturePoints?.points.length === 3).length).toBe(2 * 3);
    } finally {
      store.close();
    }
  });

  const corpusFiles = ['sipnab_b2bua_asterisk.pcapng', 'heplify_rtp_rtcp_sip_udp.pcap', 'asterisk_ts_ssrc_change.pcap', 'gprshome_sip_ipfrag_refer_rtcp.pcap', 'rtpproxy_rtp_rtcp_o.pcap', 'sipnab_sip_proxy.pcap'];
  it.skipIf(!corpusPresent)('is the document the per-call reads give on public captures', async () => {
    const paths = corpusFiles.map((f) => join(CORPUS_DIR, 'pcap', f));
    const missing = paths.filter((p) => !existsSync(p));
    expect(missing, 'corpus files this test reads').toEqual([]);
    const store = openIndex(':memory:');
    try {
      const ids = await importAll(store, paths);
      const { doc } = collectAnalyzeDocument(store, ids);
      expect(doc.calls.length).toBeGreaterThan(5);
      expect(JSON.stringify(doc.calls, null, 2)).toBe(JSON.stringify(perCallCalls(store, ids), null, 2));
    } finally {
      store.close();
    }
  });
  if (!corpusPresent) console.warn(`document_queries: the public corpus is absent (${CORPUS_DIR}): its comparison did not run`);
});

describe('writeJsonWithArray', () => {
  const printed = (key: string, items: unknown[], rest: Record<string, unknown>): string => {
    let out = '';
    writeJsonWithArray((t) => (out += t), key, items, rest);
    return out;
  };
  it('writes the bytes of JSON.stringify(value, null, 2)', () => {
    const cases: Array<[unknown[], Record<string, unknown>]> = [
      [[], {}],
      [[], { a: [], b: {} }],
      [[1, 'two\nlines "quoted"', null, { x: [1, { y: [] }], z: undefined }, [[]]], { skipped: undefined, s: 'x', n: [{ deep: { deeper: [1, 2] } }] }],
      [[undefined, () => 1], { f: () => 1, nan: NaN, inf: -Infinity }],
    ];
    for (const [items, rest] of cases) expect(printed('calls', items, rest)).toBe(JSON.stringify({ calls: items, ...rest }, null, 2));
  });

  it('prints the analyze document as JSON.stringify prints it whole, piece by piece', async () => {
    const gen = join(tmp, 'gen_json.pcap');
    writeFileSync(gen, callsCapture(30));
    const store = openIndex(':memory:');
    try {
      const ids = await importAll(store, [gen, join(FIX, 'legs/legs_transfer.pcap'), join(FIX, 'cdr/vos3000_cdr.csv')]);
      const whole = JSON.stringify({ ...collectAnalyzeDocument(store, ids).doc, skipped: [], inputProblems: [] }, null, 2);
      const parts = analyzeDocumentParts(store, ids);
      const pieces: string[] = [];
      writeJsonWithArray((t) => pieces.push(t), 'calls', parts.calls, { ...parts.rest, skipped: [], inputProblems: [] });
      expect(pieces.join('')).toBe(whole);
      expect(JSON.parse(whole).calls.length).toBeGreaterThan(30);
    } finally {
      store.close();
    }
  });
});

describe('startOrder', () => {
  const byLocale = (xs: string[]): string[] => [...xs].sort((a, b) => a.localeCompare(b));
  it('sorts as localeCompare does: plain ISO times by code point, anything else by collation', () => {
    const plain = ['2026-03-01T09:00:10.000Z', '1970-01-01T00:00:00.000Z', '2026-03-01T09:00:09.999Z', '2026-03-01T09:00:10.000Z', '9999-12-31T23:59:59.999Z', '2000-02-29T12:00:00.500Z'];
    expect([...plain].sort(startOrder(plain))).toEqual(byLocale(plain));
    // Times no date holds, and years past 9999 (a hostile pcapng clock): localeCompare's order still.
    const odd = [...plain, 'invalid time', '+050000-01-01T00:00:00.000Z', '-000001-12-31T23:59:59.999Z', 'a', 'B'];
    const cmp = startOrder(odd);
    expect([...odd].sort(cmp)).toEqual(byLocale(odd));
    expect(cmp('a', 'B')).toBe('a'.localeCompare('B'));
  });
});
