// CDR exports and agent events through the index, as the CLI imports them: each format is
// recognised by content, imported without loss (rows in = rows stored + rows bad), its calls
// classified, and joined to a captured call (by Call-ID, else numbers and start time) — the
// join is recorded, never silent. Agent events drive bucket 6.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCdrText } from '../../shared/cdr/index.ts';
import { DEFAULT_SETTINGS } from '../../shared/model/verdict.ts';
import { classify } from '../../shared/diagnosis/classifier.ts';
import { cdrToFacts } from '../../shared/engine/calls/cdr_facts.ts';
import { reclassifyAll } from '../../electron/node/ingest/diagnose.ts';
import { importFile } from '../../electron/node/ingest/import_file.ts';
import { openIndex, type IndexStore } from '../../electron/node/store/index_store.ts';
import { writeCallCapture } from '../support/call_capture.ts';
import { CORPUS_DIR, REPO_ROOT } from '../support/oracle.ts';

const tmp = mkdtempSync(join(tmpdir(), 'calltrace-inputs-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const OWN = join(REPO_ROOT, 'test/fixtures/cdr');
const CAPS = join(REPO_ROOT, 'test/fixtures/captures');
const corpusCdr = join(CORPUS_DIR, 'cdr');
const haveCorpus = existsSync(corpusCdr);
if (!haveCorpus) console.warn(`\n*** ${corpusCdr} is absent: the corpus CDR formats (Asterisk, CEL, FreeSWITCH, CUCM) are NOT tested here. ***\n`);

interface FormatCase {
  file: string;
  format: string;
  mapping?: string;
}

const CASES: FormatCase[] = [
  ...(haveCorpus
    ? [
        { file: join(corpusCdr, 'asterisk_cdr_csv_stadion_Master.csv'), format: 'asterisk_master' },
        { file: join(corpusCdr, 'freeswitch_cdr_csv_Master.csv'), format: 'freeswitch_csv' },
        { file: join(corpusCdr, 'cucm_cdr_sample_hleguern.csv'), format: 'cisco_cucm' },
      ]
    : []),
  // The corpus CEL sample has no caller number to join on; this one (cel_custom layout) does.
  { file: join(OWN, 'asterisk_cel_call.csv'), format: 'asterisk_cel' },
  { file: join(OWN, 'twilio_calls.csv'), format: 'twilio_calls_csv' },
  { file: join(OWN, 'twilio_insights_call_summary.json'), format: 'twilio_insights_json' },
  { file: join(OWN, 'vos3000_cdr.csv'), format: 'vos3000' },
  { file: join(OWN, 'acme_pbx_calls.csv'), format: 'mapped_csv', mapping: join(OWN, 'acme_pbx_calls.mapping.json') },
];

function counts(store: IndexStore, sourceId: number) {
  const recs = store.inputs.cdrRecordsOfSource(sourceId);
  return { records: recs, problems: store.inputs.rowProblems(sourceId) };
}

// Each case twice: read on the importing thread, and by the CDR row worker (which a CSV export
// of WORKER_MIN_BYTES or more goes through; workerMinBytes 0 sends these small ones there too).
const READERS = [{ reader: 'importing thread', workerMinBytes: Infinity }, { reader: 'CDR row worker', workerMinBytes: 0 }];
describe.each(READERS.flatMap((r) => CASES.map((c, i) => ({ ...c, ...r, order: i % 2 === 0 ? 'capture first' : 'CDR first', name: c.file.split('/').pop()! }))))(
  'CDR $format ($name, $order, read by the $reader)',
  ({ file, format, mapping, order, workerMinBytes }) => {
    it('imports without loss, classifies every CDR-only call, and joins the captured one', async () => {
      const text = readFileSync(file, 'utf8');
      const mappingObj = mapping ? JSON.parse(readFileSync(mapping, 'utf8')) : undefined;
      const parsed = parseCdrText(text, { mapping: mappingObj });
      expect(parsed.format).toBe(format);
      const target = parsed.records[0];
      // A captured call matching the first row: same Call-ID when the export has one, else
      // the same numbers starting 1.5 s later (CDR clocks and capture clocks differ a little).
      const cap = join(tmp, `${format}.pcap`);
      writeCallCapture(cap, {
        callId: target.callId ?? `captured-${format}@10.1.0.1`,
        from: target.from,
        to: target.to,
        startUs: target.startUs + 1_500_000,
      });

      const store = openIndex(':memory:');
      const importCdr = () => importFile(store, file, { mapping: mappingObj, workerMinBytes });
      const importCap = () => importFile(store, cap);
      const [capOut, cdrOut] = order === 'capture first' ? [await importCap(), await importCdr()] : await (async () => {
        const c = await importCdr();
        return [await importCap(), c];
      })();
      expect(capOut.status).toBe('ok');
      expect(cdrOut.sourceId).not.toBeNull();
      expect(store.getSource(cdrOut.sourceId!)!.format).toBe(`cdr:${format}`);

      // Rows in = rows stored + rows reported bad (CEL: event rows, several per call).
      const { records, problems } = counts(store, cdrOut.sourceId!);
      expect(records.length).toBe(parsed.records.length);
      expect(problems.length).toBe(parsed.problems.length);
      expect(parsed.rowsIn).toBe(parsed.rowsUsed + parsed.problems.length);

      // The first row joined the captured call, and says how.
      const first = records.find((r) => r.line === target.line)!;
      expect(first.joinMethod).toBe(target.callId ? 'call_id' : 'numbers_time');
      const captured = store.getCall(first.callRowId!)!;
      expect(captured.origin).toBe('capture');
      expect(captured.facts.from).toBe(target.from.replace(/^sips?:/, '').split('@')[0]);
      if (!target.callId) expect(first.joinDeltaMs).toBeCloseTo(1500, 0);

      // Every other row stands as a CDR-only call with a (lower-confidence) verdict.
      for (const r of records.filter((x) => x !== first)) {
        if (r.joinMethod !== 'cdr_only') continue;
        const c = store.getCall(r.callRowId!)!;
        expect(c.origin).toBe('cdr');
        expect(c.cause, `row ${r.line}`).not.toBeNull();
        expect(c.confidence!).toBeLessThanOrEqual(0.7);
        // Its facts are not stored but rebuilt from the row: exactly what the import classified.
        const parsedRec = parsed.records.find((x) => x.line === r.line)!;
        expect(c.facts, `row ${r.line}`).toEqual(cdrToFacts(parsedRec, cdrOut.name));
        expect(c.verdict, `row ${r.line}`).toEqual(classify(c.facts, DEFAULT_SETTINGS));
      }
      // No CDR-only duplicate of the joined call is left behind.
      expect(store.listCalls({ limit: 1e6 }).filter((c) => c.origin === 'cdr').length).toBe(records.filter((r) => r.joinMethod === 'cdr_only').length);
      store.close();
    });
  },
);

describe('corpus CDR files import without loss', () => {
  it.runIf(haveCorpus)('rows in = rows stored + rows reported bad, for all 8 files', async () => {
    const { readdirSync } = await import('node:fs');
    const store = openIndex(':memory:');
    for (const f of readdirSync(corpusCdr).sort()) {
      const path = join(corpusCdr, f);
      const parsed = parseCdrText(readFileSync(path, 'utf8'));
      const out = await importFile(store, path);
      expect(out.sourceId, `${f}: ${out.error}`).not.toBeNull();
      const { records, problems } = counts(store, out.sourceId!);
      expect(parsed.rowsIn, f).toBe(parsed.rowsUsed + problems.length);
      expect(records.length, f).toBe(parsed.records.length);
    }
    // The buggy export's bad line is reported with its number.
    const buggy = store.listSources().find((s) => s.name === 'asterisk_ts_cdrlib_buggy.csv')!;
    expect(store.inputs.rowProblems(buggy.id)).toEqual([{ line: 1, message: expect.stringMatching(/unterminated quoted field/) }]);
    store.close();
  });
});

describe('agent close-of-call events (bucket 6)', () => {
  for (const order of ['events first', 'capture first'] as const) {
    it(`an LLM time-to-first-token over llmTimeout makes the agent's BYE an llm_timeout (${order})`, async () => {
      const store = openIndex(':memory:');
      const events = join(OWN, 'agent_events.jsonl');
      const capture = join(CAPS, 'agent_bye.pcapng');
      if (order === 'events first') {
        expect((await importFile(store, events)).kind).toBe('agent_events');
        await importFile(store, capture);
      } else {
        await importFile(store, capture);
        const before = store.findCallsByCallId('1-agent_bye@127.0.4.1')[0];
        expect(before.cause).toBe('agent_bye');
        await importFile(store, events);
      }
      const call = store.findCallsByCallId('1-agent_bye@127.0.4.1')[0];
      expect([call.bucket, call.cause]).toEqual([6, 'llm_timeout']);
      const v = store.getCall(call.id)!.verdict as { evidence: Array<{ text: string; ref: { kind: string } | null }> };
      expect(v.evidence.some((e) => e.ref?.kind === 'event')).toBe(true);
      // The events file's malformed lines are reported with their numbers; the rest is used.
      const src = store.listSources().find((s) => s.format === 'agent_events')!;
      expect(store.inputs.rowProblems(src.id).map((p) => p.line)).toEqual([6, 7]);
      store.close();
    });
  }

  it('the same event over an llmTimeout raised above it leaves the verdict agent_bye', async () => {
    const store = openIndex(':memory:');
    await importFile(store, join(OWN, 'agent_events.jsonl'));
    await importFile(store, join(CAPS, 'agent_bye.pcapng'), { settings: { ...DEFAULT_SETTINGS, llmTimeoutS: 10 } });
    expect(store.findCallsByCallId('1-agent_bye@127.0.4.1')[0].cause).toBe('agent_bye');
    store.close();
  });
});

describe('re-classifying from the index', () => {
  it('applies new settings without re-reading the capture (our own addresses flip the agent side)', async () => {
    const store = openIndex(':memory:');
    await importFile(store, join(CAPS, 'agent_bye.pcapng'));
    const id = store.findCallsByCallId('1-agent_bye@127.0.4.1')[0].id;
    expect(store.getCall(id)!.cause).toBe('agent_bye');
    // Outbound campaign: the INVITE came from us, so the callee's BYE is the remote party hanging up.
    const n = reclassifyAll(store, { ...DEFAULT_SETTINGS, ownAddresses: ['127.0.4.1/32'] });
    expect(n).toBe(store.countCalls());
    expect(store.getCall(id)!.cause).toBe('caller_hangup_short');
    store.close();
  });
});
