// The fast import path against the engine it wraps: calls committed in slices (visible to
// another connection while the file is read, under a source that says it has not finished),
// the SHA-256 computed on a worker thread, and re-import recognised by size + hash. And on
// every fixture and corpus capture, the index holds exactly what the engine produced: the
// same calls, the same facts, the same verdicts.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureAnalyzer, type AnalyzedCall } from '../../shared/engine/capture_analyzer.ts';
import { classify } from '../../shared/diagnosis/classifier.ts';
import type { CaptureCoverage } from '../../shared/model/capture.ts';
import { DEFAULT_SETTINGS } from '../../shared/model/verdict.ts';
import { importCapture, inflatePayload } from '../../electron/node/ingest/import_capture.ts';
import { openIndex, openIndexReader } from '../../electron/node/store/index_store.ts';
import { generateCapture } from '../bench/capture_generator.ts';
import { CORPUS_DIR, REPO_ROOT } from '../support/oracle.ts';

const tmp = mkdtempSync(join(tmpdir(), 'calltrace-slices-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const FIX = join(REPO_ROOT, 'test/fixtures/captures');

describe('importCapture in slices', () => {
  it('shows the first call to another connection while the import runs, under a source marked unfinished', async () => {
    const file = join(tmp, 'gen.pcap');
    generateCapture({ out: file, targetBytes: 6e6, format: 'pcap', seed: 3, concurrentCalls: 6, durationScale: 0.3 });
    const db = join(tmp, 'slices.db');
    const store = openIndex(db);
    let seenDuring: { calls: number; status: string; error: string | null } | null = null;
    let onCalls = 0;
    const out = await importCapture(store, file, {
      onCall: () => {
        onCalls++;
        if (seenDuring) return;
        const reader = openIndexReader(db);
        const src = reader.listSources()[0];
        seenDuring = { calls: reader.countCalls(), status: src.status, error: src.error };
        reader.close();
      },
    });
    expect(out.status).toBe('ok');
    expect(out.calls).toBeGreaterThan(1);
    expect(onCalls).toBe(out.calls);
    // onCall comes after the commit: the call is already readable elsewhere, and the
    // source row still carries beginSource's "not finished" marker.
    expect(seenDuring).not.toBeNull();
    expect(seenDuring!.calls).toBeGreaterThanOrEqual(1);
    expect(seenDuring!.calls).toBeLessThan(out.calls);
    expect([seenDuring!.status, seenDuring!.error]).toEqual(['failed', 'import did not finish']);
    const src = store.getSource(out.sourceId!)!;
    expect([src.status, src.error, src.calls]).toEqual(['ok', null, out.calls]);
    // The hash computed on the worker thread is the file's SHA-256.
    expect(src.contentHash).toBe(createHash('sha256').update(readFileSync(file)).digest('hex'));
    store.close();
  });

  it('tells a same-size file with other bytes from a re-import of the same bytes', async () => {
    const store = openIndex(':memory:');
    const original = readFileSync(join(FIX, 'mixed_outcomes.pcapng'));
    const first = await importCapture(store, join(FIX, 'mixed_outcomes.pcapng'));
    // Same size, one byte different (inside the last record's padding or payload).
    const other = Buffer.from(original);
    other[other.length - 5] ^= 0xff;
    const changed = await importCapture(store, writeTmp('same_size.pcapng', other));
    expect(changed.status).not.toBe('duplicate');
    expect(changed.sourceId).not.toBe(first.sourceId);
    const again = await importCapture(store, writeTmp('same_bytes.pcapng', original));
    expect([again.status, again.sourceId]).toEqual(['duplicate', first.sourceId]);
    expect(store.listSources()).toHaveLength(2);
    store.close();
  });
});

function writeTmp(name: string, bytes: Uint8Array): string {
  const p = join(tmp, name);
  writeFileSync(p, bytes);
  return p;
}

function captures(): string[] {
  const out: string[] = [];
  for (const dir of [FIX, join(CORPUS_DIR, 'pcap')]) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) if (/\.(pcap|pcapng|cap)(\.gz)?$/.test(f)) out.push(join(dir, f));
  }
  return out;
}

/** The reference: the engine alone, fed the whole file at once. */
function engineCalls(file: string): { calls: AnalyzedCall[]; coverage: CaptureCoverage } {
  const calls: AnalyzedCall[] = [];
  const a = new CaptureAnalyzer({ call: (c) => calls.push(c), unassociatedStream: () => {}, unassociatedRtcp: () => {} }, { inflate: inflatePayload });
  a.push(readFileSync(file));
  return { calls, coverage: a.end().coverage };
}

describe('the index equals the engine on every capture', () => {
  const files = captures().filter((f) => !f.endsWith('.gz'));
  it.each(files.map((f) => [f.slice(f.lastIndexOf('/') + 1), f]))('%s', async (_name, file) => {
    const { calls: reference, coverage } = engineCalls(file);
    const store = openIndex(':memory:');
    const out = await importCapture(store, file);
    expect(out.calls).toBe(reference.length);
    const stored = store.listCalls({ limit: 1e9, sourceId: out.sourceId! }).map((c) => store.getCall(c.id)!);
    // Row order is insertion order within the source: the engine's order.
    stored.sort((a, b) => a.id - b.id);
    expect(stored.map((c) => c.facts)).toEqual(reference.map((c) => c.facts));
    expect(stored.map((c) => c.verdict)).toEqual(
      reference.map((c) => (c.facts.kind === 'call' ? JSON.parse(JSON.stringify(classify(c.facts, DEFAULT_SETTINGS, null, coverage))) : null)),
    );
    expect(store.getSource(out.sourceId!)!.coverage).toEqual(coverage);
    store.close();
  });
});
