// The real command line, as a user runs it (`calltrace analyze …`, `npm run -s calltrace --
// analyze …`): the compiled bundle in dist/cli, checked first to be up to date with the sources.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/oracle.ts';
import { makeZip } from '../support/archive_writer.ts';
import { checkCompiledCliIsFresh, compiledCalltrace } from '../support/compiled_cli.ts';

const FIX = join(REPO_ROOT, 'test/fixtures/captures');
const tmp = mkdtempSync(join(tmpdir(), 'calltrace-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

beforeAll(() => checkCompiledCliIsFresh());

const calltrace = (...args: string[]) => compiledCalltrace(args);

describe('calltrace analyze', () => {
  it('prints one JSON document with calls, unassociated streams and sources', () => {
    const r = calltrace('analyze', join(FIX, 'agent_bye.pcapng'), '--json');
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    expect(Object.keys(doc).sort()).toEqual(['calls', 'inputProblems', 'skipped', 'sources', 'unassociatedStreams']);
    const call = doc.calls.find((c: { kind: string }) => c.kind === 'call');
    for (const k of ['callId', 'from', 'to', 'startTime', 'answered', 'durationMs', 'finalStatus', 'endMethod', 'endedBy', 'q850Cause', 'sipMessages', 'streams']) {
      expect(call, k).toHaveProperty(k);
    }
    expect(call.startTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(call).toMatchObject({ answered: true, finalStatus: 200, endMethod: 'BYE', endedBy: 'callee' });
    expect(call.streams.length).toBe(2);
    for (const s of call.streams) {
      expect(s.ssrc).toMatch(/^0x[0-9A-F]{8}$/);
      expect(s.src).toMatch(/^127\.0\.\d+\.\d+:\d+$/);
      for (const k of ['dst', 'payloadType', 'packets', 'lost', 'maxDeltaMs', 'maxJitterMs', 'meanJitterMs', 'gaps']) expect(s, k).toHaveProperty(k);
    }
    expect(doc.sources[0]).toMatchObject({ name: 'agent_bye.pcapng', status: 'ok', format: 'pcapng' });
  });

  it('prints a readable table by default', () => {
    const r = calltrace('analyze', join(FIX, 'sip_486.pcapng'));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/== sip_486\.pcapng {2}pcapng, \d+ packets, 1 call\(s\)/);
    expect(r.out).toMatch(/486 rejected/);
  });

  it('reports each bad file in one line, keeps the good ones, and exits 0 when something was read', () => {
    const bad = join(tmp, 'notes.txt');
    writeFileSync(bad, 'hello, this is not a capture\n');
    const r = calltrace('analyze', bad, join(FIX, 'sip_486.pcapng'), '--json');
    expect(r.code).toBe(0);
    expect(r.err.trim()).toBe(`calltrace: ${bad}: not a capture (pcap, pcapng, Network Monitor), CDR export or agent-event file — first bytes 68 65 6c 6c`);
    expect(JSON.parse(r.out).calls.length).toBeGreaterThan(0);
  });

  it('imports each member of an archive as its own source, skipped members listed with the reason', () => {
    const zip = join(tmp, 'archive.zip');
    writeFileSync(zip, makeZip([
      { name: 'inner/sip_486.pcapng', data: readFileSync(join(FIX, 'sip_486.pcapng')) },
      { name: 'inner/agent_bye.pcapng', data: readFileSync(join(FIX, 'agent_bye.pcapng')), method: 0 },
      { name: 'inner/notes.txt', data: Buffer.from('not an input\n') },
    ]));
    const r = calltrace('analyze', zip, '--json');
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.sources.map((s: { name: string; path: string }) => [s.name, s.path])).toEqual([
      ['archive.zip!inner/sip_486.pcapng', `${zip}!inner/sip_486.pcapng`],
      ['archive.zip!inner/agent_bye.pcapng', `${zip}!inner/agent_bye.pcapng`],
    ]);
    expect(new Set(doc.calls.map((c: { source: string }) => c.source))).toEqual(new Set(['archive.zip!inner/sip_486.pcapng', 'archive.zip!inner/agent_bye.pcapng']));
    expect(doc.skipped).toEqual([{ name: 'archive.zip!inner/notes.txt', path: `${zip}!inner/notes.txt`, reason: expect.stringMatching(/^not a capture/) }]);
    expect(doc.inputProblems).toEqual([]);
    expect(r.err.trim()).toMatch(new RegExp(`^calltrace: ${zip.replace(/[.]/g, '\\.')}!inner/notes\\.txt: skipped \\(not a capture`));
    // The table names each member as its source.
    const t = calltrace('analyze', zip);
    expect(t.out).toMatch(/== archive\.zip!inner\/sip_486\.pcapng {2}pcapng/);
    // A cut archive: one line naming it, the members before the cut kept, exit 0.
    const cut = join(tmp, 'cut.zip');
    writeFileSync(cut, readFileSync(zip).subarray(0, 30 + 'inner/sip_486.pcapng'.length + 600));
    const c = calltrace('analyze', cut, '--json');
    expect(c.code, c.err).toBe(0);
    expect(JSON.parse(c.out).inputProblems.map((p: { name: string }) => p.name)).toContain('cut.zip');
    expect(c.err).toMatch(/cut\.zip: zip: zip central directory not found/);
  });

  it('exits non-zero when nothing could be read', () => {
    const r = calltrace('analyze', join(tmp, 'missing.pcap'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/missing\.pcap: cannot read the file \(ENOENT\)/);
  });

  it('keeps the index in --db and shows indexed calls on a re-run without re-reading', () => {
    const db = join(tmp, 'lib.db');
    const a = calltrace('analyze', join(FIX, 'cancel_487.pcapng'), '--db', db, '--json');
    const b = calltrace('analyze', join(FIX, 'cancel_487.pcapng'), '--db', db, '--json');
    expect(a.code).toBe(0);
    expect(b.err).toMatch(/already indexed/);
    expect(JSON.parse(b.out).calls).toEqual(JSON.parse(a.out).calls);
  });

  it('adds a diagnosis to every call in --json, with evidence pointing at SIP messages', () => {
    const r = calltrace('analyze', join(FIX, 'rtp_timeout_oneway.pcapng'), '--json');
    expect(r.code, r.err).toBe(0);
    const call = JSON.parse(r.out).calls.find((c: { kind: string }) => c.kind === 'call');
    expect(call.diagnosis).toMatchObject({ bucket: 4, bucketName: expect.any(String), cause: 'rtp_timeout_oneway', problem: true, confidence: expect.any(Number) });
    expect(call.diagnosis.fix.title).toMatch(/\w/);
    expect(call.diagnosis.evidence.length).toBeGreaterThan(0);
    for (const e of call.diagnosis.evidence) expect(e.text).toMatch(/\w/);
    expect(call.diagnosis.evidence.some((e: { ref: { kind: string } | null }) => e.ref?.kind === 'gap' || e.ref?.kind === 'stream')).toBe(true);
  });

  it('takes captures, CDR exports and agent events mixed in one run, recognised by content', () => {
    const cdr = join(REPO_ROOT, 'test/fixtures/cdr/twilio_calls.csv');
    const events = join(REPO_ROOT, 'test/fixtures/cdr/agent_events.jsonl');
    const r = calltrace('analyze', events, join(FIX, 'agent_bye.pcapng'), cdr, '--json');
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.sources.map((s: { kind: string }) => s.kind).sort()).toEqual(['agent_events', 'capture', 'cdr']);
    const captured = doc.calls.find((c: { callId: string }) => c.callId === '1-agent_bye@127.0.4.1');
    expect(captured.diagnosis.cause).toBe('llm_timeout');
    const fromCdr = doc.calls.filter((c: { origin: string }) => c.origin === 'cdr');
    expect(fromCdr.length).toBeGreaterThan(0);
    for (const c of fromCdr) {
      expect(c.source).toBe('twilio_calls.csv');
      expect(c.cdr[0]).toMatchObject({ source: 'twilio_calls.csv', join: 'cdr_only' });
      expect(c.diagnosis.confidence).toBeLessThanOrEqual(0.7);
    }
    // The malformed event lines are reported in one line on stderr, naming the file.
    expect(r.err).toMatch(/agent_events\.jsonl: 2 of 7 lines could not be used \(first: line 6/);
  });

  it('report prints the across-calls summary, as a table or JSON', () => {
    const t = calltrace('report', join(FIX, 'mixed_outcomes.pcapng'));
    expect(t.code, t.err).toBe(0);
    expect(t.out).toMatch(/Attempts 5 {3}answered 3 {3}ASR 60\.0%/);
    expect(t.out).toMatch(/Alert windows \(buckets 4–7 above 0\.5% of the hour's calls\):/);
    const j = calltrace('report', join(FIX, 'mixed_outcomes.pcapng'), '--json');
    const { summary } = JSON.parse(j.out);
    expect(summary).toMatchObject({ attempts: 5, answered: 3 });
    expect(summary.byCause.map((c: { cause: string }) => c.cause).sort()).toEqual(['cancel_487', 'caller_hangup_short', 'agent_bye', 'rtp_timeout_oneway', 'sip_486'].sort());
    expect(summary.alerts.length).toBe(1);
    expect(summary.alerts[0]).toMatchObject({ calls: 5, problems: 2 });
  });

  it('rejects an unknown option with the usage', () => {
    const r = calltrace('analyze', '--frobnicate');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown option --frobnicate/);
    expect(r.err).toMatch(/usage: calltrace analyze/);
  });
});
