// Timestamps going backwards in a capture (issue 10, defect 7): a 180 Ringing stamped
// before its INVITE — here 2^26 s before, as a single flipped bit in a record's seconds
// field makes it — never gives a negative PDD in the index or the JSON; the call is kept,
// its PDD left out, and the source carries a warning that says so. The capture is written
// by the project's own capture writer.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importFile } from '../../electron/node/ingest/import_file.ts';
import { openIndex } from '../../electron/node/store/index_store.ts';
import { writeCallCapture } from '../support/call_capture.ts';

const tmp = mkdtempSync(join(tmpdir(), 'calltrace-backwards-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('a capture whose timestamps go backwards', () => {
  it('stores no negative PDD and flags the call in the source warnings', async () => {
    const path = join(tmp, 'backwards.pcap');
    const startUs = Date.UTC(2024, 4, 2, 10, 0, 0) * 1000;
    writeCallCapture(path, { callId: 'backwards@10.1.0.1', from: '5551234', to: '6001', startUs, ringingAfterUs: -(2 ** 26) * 1e6 });
    const store = openIndex(':memory:');
    const out = await importFile(store, path);
    expect(out.status).toBe('ok');
    const [call] = store.findCallsByCallId('backwards@10.1.0.1');
    expect(call.answered).toBe(true);
    expect(call.pddMs).toBeNull();
    expect(call.durationMs).toBeGreaterThanOrEqual(0);
    const facts = store.getCall(call.id)!.facts;
    expect(facts.postDialDelayMs).toBeNull();
    expect(facts.anomalies).toEqual([expect.stringMatching(/^the first 18x is 67108864000 ms before the INVITE: PDD left out$/)]);
    const warning = store.sourceStats(out.sourceId!).find((s) => s.key === 'call.time_backwards');
    expect(warning).toMatchObject({ severity: 'warning', count: 1 });
    expect(warning!.description).toMatch(/backwards@10\.1\.0\.1/);
    expect(out.warnings.map((w) => w.key)).toContain('call.time_backwards');
    store.close();
  });

  it('a clean capture has no such warning and its PDD', async () => {
    const path = join(tmp, 'clean.pcap');
    writeCallCapture(path, { callId: 'clean@10.1.0.1', from: '5551234', to: '6001', startUs: Date.UTC(2024, 4, 2, 10, 0, 0) * 1000 });
    const store = openIndex(':memory:');
    const out = await importFile(store, path);
    expect(store.findCallsByCallId('clean@10.1.0.1')[0].pddMs).toBe(200);
    expect(out.warnings.map((w) => w.key)).not.toContain('call.time_backwards');
    store.close();
  });
});
