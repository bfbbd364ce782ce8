// `analyze`/`report` with several captures import them in parallel worker threads
// (ingest/import_pool.ts). The compiled command line is run twice on the same inputs, with
// --jobs 1 (one file after another, on one connection) and --jobs 2: the documents and the
// per-file messages must be the same bytes. The inputs mix what makes ordering matter: a CDR
// file named first (joined onto captured calls), a copy of a capture (which one is the
// duplicate?), a damaged capture and a file that is no input at all.

import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORPUS_DIR, corpusPresent, REPO_ROOT } from '../support/oracle.ts';
import { checkCompiledCliIsFresh, compiledCalltrace } from '../support/compiled_cli.ts';
import { makeZip } from '../support/archive_writer.ts';
import { generateCapture } from '../bench/capture_generator.ts';

const FIX = join(REPO_ROOT, 'test/fixtures/captures');
const tmp = mkdtempSync(join(tmpdir(), 'calltrace-par-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
beforeAll(() => checkCompiledCliIsFresh());

if (!corpusPresent) {
  console.error(`\n!!!!!!!! corpus NOT FOUND at ${CORPUS_DIR}: the parallel import runs on the fixtures only (no public CDR file, no third-party captures) !!!!!!!!\n`);
}

const calltrace = (args: string[], env: NodeJS.ProcessEnv = process.env) => compiledCalltrace(args, { env });

function inputs(): string[] {
  const copy = join(tmp, 'agent_bye_copy.pcapng');
  copyFileSync(join(FIX, 'agent_bye.pcapng'), copy);
  // A pcapng cut in the middle of a block: what was read before the cut, with a warning.
  const whole = readFileSync(join(FIX, 'mixed_outcomes.pcapng'));
  const cut = join(tmp, 'mixed_cut.pcapng');
  writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
  const notes = join(tmp, 'notes.txt');
  writeFileSync(notes, 'not a capture\n');
  // An archive is one file of the pool, its members imported one after another by one
  // importer: a copy inside it is its later member's duplicate. (A member equal to a file
  // outside the archive would be imported beside it, and which one is the duplicate would
  // depend on timing: see README, "Several captures at once".)
  const gen = join(tmp, 'gen.pcap');
  generateCapture({ out: gen, targetBytes: 200_000, seed: 5, concurrentCalls: 3, durationScale: 0.3 });
  const zip = join(tmp, 'bundle.zip');
  writeFileSync(zip, makeZip([
    { name: 'inner/gen.pcap', data: readFileSync(gen) },
    { name: 'inner/readme.txt', data: Buffer.from('hello\n') },
    { name: 'inner/gen_copy.pcap', data: readFileSync(gen) },
  ]));
  const corpus = corpusPresent
    ? [join(CORPUS_DIR, 'cdr', 'asterisk_ts_selftest_Master.csv'), join(CORPUS_DIR, 'pcap', 'isa_real_sip_call.pcap'), join(CORPUS_DIR, 'pcap', 'heplify_sip_tcp_call_rtp.pcap')]
    : [];
  return [...corpus.slice(0, 1), zip, FIX, copy, cut, notes, ...corpus.slice(1)];
}

describe('analyze with several captures: parallel import', () => {
  it('prints the same document and the same messages with --jobs 2 as with --jobs 1', () => {
    const files = inputs();
    const one = calltrace(['analyze', ...files, '--json', '--jobs', '1']);
    const two = calltrace(['analyze', ...files, '--json', '--jobs', '2']);
    expect(one.code, one.err).toBe(0);
    expect(two.code, two.err).toBe(0);
    const doc = JSON.parse(two.out);
    // Every fixture capture, the corpus files and the damaged one are sources; the copy is not.
    expect(doc.sources.length).toBeGreaterThan(30);
    expect(doc.sources.filter((s: { name: string }) => s.name === 'agent_bye.pcapng').length).toBe(1);
    const cutSource = doc.sources.find((s: { name: string }) => s.name === 'mixed_cut.pcapng');
    expect(cutSource.warnings.map((w: { key: string }) => w.key)).toContain('capture.truncated_record');
    expect(two.err).toContain('agent_bye_copy.pcapng: already indexed (same content)');
    expect(two.err).toContain('notes.txt: not a capture');
    expect(two.err).toContain('bundle.zip!inner/gen_copy.pcap: already indexed (same content)');
    expect(two.out).toBe(one.out);
    expect(two.err).toBe(one.err);
    // The table and the report too (the report's summary counts calls across files).
    for (const cmd of [['analyze'], ['report', '--json']]) {
      const a = calltrace([...cmd, ...files, '--jobs', '1']);
      const b = calltrace([...cmd, ...files, '--jobs', '2']);
      expect(b.out, cmd.join(' ')).toBe(a.out);
    }
  });

  it('lists the later of two equal captures as the duplicate, one inside an archive, as one after another does', () => {
    // The archive (first in input order) is imported on the calling thread, a 20 MB member
    // before the copy; the bare copy (second) goes to a worker and so usually finishes first
    // (on this machine, every time in a check of a few runs): its outcome and the member's
    // must be traded back (duplicate_order.ts).
    const big = join(tmp, 'big.pcap');
    generateCapture({ out: big, targetBytes: 20_000_000, seed: 9, concurrentCalls: 6, durationScale: 0.3 });
    const zip = join(tmp, 'first.zip');
    writeFileSync(zip, makeZip([
      { name: 'x/big.pcap', data: readFileSync(big) },
      { name: 'x/mixed_outcomes.pcapng', data: readFileSync(join(FIX, 'mixed_outcomes.pcapng')) },
    ]));
    const files = [zip, join(FIX, 'mixed_outcomes.pcapng'), join(FIX, 'sip_486.pcapng')];
    const one = calltrace(['analyze', ...files, '--json', '--jobs', '1']);
    const two = calltrace(['analyze', ...files, '--json', '--jobs', '2']);
    expect(one.err).toContain(`${files[1]}: already indexed (same content)`);
    expect(JSON.parse(one.out).sources.map((s: { name: string }) => s.name)).toEqual(['first.zip!x/big.pcap', 'first.zip!x/mixed_outcomes.pcapng', 'sip_486.pcapng']);
    expect(two.out).toBe(one.out);
    expect(two.err).toBe(one.err);
  });

  it('keeps the other files when a worker dies under one of them, and names that file', () => {
    // The hook makes the worker given sip_486.pcapng end its thread at once: only a worker
    // can obey it, so this also shows the files went through the pool.
    const env = { ...process.env, CALLTRACE_TEST_WORKER_EXIT_ON: 'sip_486.pcapng' };
    const files = [join(FIX, 'agent_bye.pcapng'), join(FIX, 'sip_486.pcapng'), join(FIX, 'cancel_487.pcapng'), join(FIX, 'sip_503.pcapng')];
    const r = calltrace(['analyze', ...files, '--json', '--jobs', '2'], env);
    expect(r.code, r.err).toBe(0);
    expect(r.err.trim()).toBe(`calltrace: ${files[1]}: could not be indexed (the import worker stopped (exit code 70))`);
    const doc = JSON.parse(r.out);
    expect(doc.sources.map((s: { name: string }) => s.name)).toEqual(['agent_bye.pcapng', 'cancel_487.pcapng', 'sip_503.pcapng']);
    expect(doc.inputProblems).toEqual([{ name: files[1], path: files[1], error: 'could not be indexed (the import worker stopped (exit code 70))' }]);
    // --jobs 1 imports on this thread: the hook does not apply and every file is read.
    const seq = calltrace(['analyze', ...files, '--json', '--jobs', '1'], env);
    expect(JSON.parse(seq.out).sources.length).toBe(4);
  });

  it('refuses a --jobs that is not a positive number', () => {
    for (const bad of ['0', '-1', 'two', '1.5']) {
      const r = calltrace(['analyze', join(FIX, 'sip_486.pcapng'), '--jobs', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.err, bad).toMatch(/--jobs needs a number of parallel imports/);
    }
  });
});
