// Golden verdicts on the recorded fixtures (test/fixtures/captures/labels.json): each capture
// is imported the way the CLI does it — an in-memory index, importCapture, the facts read
// back from the store — and every labelled call is classified with DEFAULT_SETTINGS.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCapture } from '../../electron/node/ingest/import_capture.ts';
import { openIndex, type IndexStore } from '../../electron/node/store/index_store.ts';
import { classify } from '../../shared/diagnosis/classifier.ts';
import type { CallFacts } from '../../shared/model/call.ts';
import { DEFAULT_SETTINGS, type Verdict } from '../../shared/model/verdict.ts';
import { REPO_ROOT } from '../support/oracle.ts';

const DIR = join(REPO_ROOT, 'test/fixtures/captures');

interface LabelledCall {
  callId: string;
  bucket: number | null;
  cause: string;
  why: string;
  maxConfidence?: number;
  natMismatch?: boolean;
}
interface LabelledCapture {
  file: string;
  calls: LabelledCall[];
  /** What the file says of its recording (labels.json "definitions"): checked when given. */
  capture?: { window: 'isb' | 'packets'; signallingOnly: boolean; windowAfterLastPacketMs?: number };
}

const labels = JSON.parse(readFileSync(join(DIR, 'labels.json'), 'utf8')) as { captures: LabelledCapture[] };

describe.each(labels.captures)('$file', ({ file, calls, capture }) => {
  let store: IndexStore;
  let sourceId: number;
  const facts = new Map<string, CallFacts>();
  const stored = new Map<string, Verdict | null>();

  beforeAll(async () => {
    store = openIndex(':memory:');
    const outcome = await importCapture(store, join(DIR, file));
    expect(outcome.status, outcome.error ?? '').toBe('ok');
    sourceId = outcome.sourceId!;
    for (const row of store.listCalls({ sourceId: outcome.sourceId!, limit: 10_000 })) {
      const d = store.getCall(row.id)!;
      facts.set(row.callId, d.facts);
      stored.set(row.callId, d.verdict as Verdict | null);
    }
  });
  afterAll(() => store?.close());

  if (capture) it('recording window and signalling-only as labelled', () => {
    const src = store.getSource(sourceId)!;
    const cov = src.coverage;
    expect(cov, 'the source has no coverage').not.toBeNull();
    if (!cov) return;
    expect({ from: cov.window?.from, signallingOnly: cov.signallingOnly }).toEqual({ from: capture.window, signallingOnly: capture.signallingOnly });
    if (capture.windowAfterLastPacketMs !== undefined) {
      // dumpcap's isb_endtime, well past the last packet: the silence the verdict rests on.
      const after = (cov.window!.endUs - src.lastUs!) / 1000;
      expect(Math.abs(after - capture.windowAfterLastPacketMs)).toBeLessThanOrEqual(Math.max(250, capture.windowAfterLastPacketMs * 0.1));
    }
  });

  it.each(calls)('$callId → $bucket $cause', (label) => {
    const f = facts.get(label.callId);
    expect(f, `call ${label.callId} not found in ${file}`).toBeDefined();
    // The capture's coverage (window, recorded filter) is part of the classifier's input.
    const v: Verdict = classify(f!, DEFAULT_SETTINGS, null, store.getSource(sourceId)!.coverage);
    const explain = `${file} ${label.callId}: expected ${label.bucket} ${label.cause} (${label.why}), got ${v.bucket} ${v.cause} via ${v.path.join(' → ')}\n${v.evidence.map((e) => `  - ${e.text}`).join('\n')}`;
    expect({ bucket: v.bucket, cause: v.cause }, explain).toEqual({ bucket: label.bucket, cause: label.cause });
    // The verdict the import stored, with the capture's coverage (window, filter), agrees.
    const s = stored.get(label.callId);
    expect({ bucket: s?.bucket, cause: s?.cause }, `stored verdict of ${label.callId}`).toEqual({ bucket: label.bucket, cause: label.cause });
    if (label.maxConfidence !== undefined) expect(v.confidence, explain).toBeLessThanOrEqual(label.maxConfidence);
    if (label.natMismatch !== undefined) expect((f!.natMismatch ?? []).length > 0, explain).toBe(label.natMismatch);
    // Every verdict explains itself with evidence pointing into the call.
    expect(v.evidence.length).toBeGreaterThan(0);
    for (const e of v.evidence) if (e.ref?.kind === 'sip') expect(f!.messages[e.ref.messageIndex]?.frame).toBe(e.ref.frame);
  });
});
