// A CDR row that joined a captured call must not vanish when that capture goes. Removing the
// capture's source (by the user, a cancelled import, the cleanup of a killed import) used to
// leave the row pointing at no call (ON DELETE SET NULL): in no list, summary or report.
// Now it joins another capture of the same call, or stands as a CDR-only call again,
// classified exactly as the CDR import classifies one.

import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCdrText } from '../../shared/cdr/index.ts';
import { classify } from '../../shared/diagnosis/classifier.ts';
import { cdrToFacts } from '../../shared/engine/calls/cdr_facts.ts';
import { DEFAULT_SETTINGS } from '../../shared/model/verdict.ts';
import { removeSource, restoreAfterRecovery } from '../../electron/node/ingest/cdr_orphans.ts';
import { importFile } from '../../electron/node/ingest/import_file.ts';
import { openIndex, type IndexStore } from '../../electron/node/store/index_store.ts';
import { writeCallCapture } from '../support/call_capture.ts';
import { REPO_ROOT } from '../support/oracle.ts';

const tmp = mkdtempSync(join(tmpdir(), 'calltrace-orphans-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const CDR = join(REPO_ROOT, 'test/fixtures/cdr/vos3000_cdr.csv');
const parsed = parseCdrText(readFileSync(CDR, 'utf8'), {});
const target = parsed.records[0];

/** A capture of the CDR's first call, starting `lateMs` after the CDR says (clocks differ). */
function captureOfFirstRow(name: string, lateMs: number): string {
  const path = join(tmp, name);
  writeCallCapture(path, { callId: target.callId ?? `captured@10.1.0.1`, from: target.from, to: target.to, startUs: target.startUs + lateMs * 1000 });
  return path;
}

function cdrCalls(store: IndexStore) {
  return store.listCalls({ limit: 1e6 }).filter((c) => c.origin === 'cdr');
}

/** Every CDR row describes a call that exists, and CDR-only calls have their own row. */
function expectNoOrphans(store: IndexStore, cdrSource: number): void {
  const recs = store.inputs.cdrRecordsOfSource(cdrSource);
  expect(recs.length).toBe(parsed.records.length);
  for (const r of recs) {
    expect(r.callRowId, `line ${r.line}`).not.toBeNull();
    expect(store.getCall(r.callRowId!), `line ${r.line}`).not.toBeNull();
  }
  expect(cdrCalls(store).length).toBe(recs.filter((r) => r.joinMethod === 'cdr_only').length);
}

describe.each(['CDR first', 'capture first'])('a capture joined by a CDR row is removed (%s)', (order) => {
  it('gives the row back its CDR-only call, classified as the CDR import would', async () => {
    const store = openIndex(':memory:');
    const cap = captureOfFirstRow(`one_${order.replace(' ', '_')}.pcap`, 1500);
    const cdrFirst = order === 'CDR first';
    const a = cdrFirst ? await importFile(store, CDR) : await importFile(store, cap);
    const b = cdrFirst ? await importFile(store, cap) : await importFile(store, CDR);
    const [cdr, capture] = cdrFirst ? [a, b] : [b, a];
    const joined = store.inputs.cdrRecordsOfSource(cdr.sourceId!).find((r) => r.line === target.line)!;
    expect(joined.joinMethod).not.toBe('cdr_only');
    expect(store.getCall(joined.callRowId!)!.origin).toBe('capture');
    const before = cdrCalls(store).length;

    const out = removeSource(store, capture.sourceId!, DEFAULT_SETTINGS);

    expect(out).toEqual({ rejoined: 0, standing: 1 });
    expect(store.getSource(capture.sourceId!)).toBeNull();
    expectNoOrphans(store, cdr.sourceId!);
    expect(cdrCalls(store).length).toBe(before + 1);
    const back = store.inputs.cdrRecordsOfSource(cdr.sourceId!).find((r) => r.line === target.line)!;
    expect(back.joinMethod).toBe('cdr_only');
    const call = store.getCall(back.callRowId!)!;
    expect(call.origin).toBe('cdr');
    const facts = cdrToFacts(parsed.records[0], cdr.name);
    expect(call.facts).toEqual(facts);
    expect(call.verdict).toEqual(classify(facts, DEFAULT_SETTINGS));

    // Importing the capture again joins the row again, without a CDR-only duplicate left.
    await importFile(store, cap);
    expect(store.inputs.cdrRecordsOfSource(cdr.sourceId!).find((r) => r.line === target.line)!.joinMethod).not.toBe('cdr_only');
    expectNoOrphans(store, cdr.sourceId!);
    store.close();
  });
});

it('a row whose call was captured at another point too joins that capture when one goes', async () => {
  const store = openIndex(':memory:');
  const cdr = await importFile(store, CDR);
  const first = await importFile(store, captureOfFirstRow('point_a.pcap', 1500));
  const second = await importFile(store, captureOfFirstRow('point_b.pcap', 1700));
  const out = removeSource(store, first.sourceId!, DEFAULT_SETTINGS);
  expect(out).toEqual({ rejoined: 1, standing: 0 });
  const rec = store.inputs.cdrRecordsOfSource(cdr.sourceId!).find((r) => r.line === target.line)!;
  expect(rec.joinMethod).not.toBe('cdr_only');
  expect(store.getCall(rec.callRowId!)!.sourceId).toBe(second.sourceId);
  expectNoOrphans(store, cdr.sourceId!);
  store.close();
});

it('the cleanup of a killed capture import keeps the CDR rows that had joined its calls', async () => {
  const db = join(tmp, 'killed.db');
  let store = openIndex(db);
  const cdr = await importFile(store, CDR);
  const cap = await importFile(store, captureOfFirstRow('killed.pcap', 1500));
  store.close();
  // The capture's import "died": its source still names a process that is gone.
  const gonePid = spawnSync(process.execPath, ['-e', '0']).pid;
  const raw = new Database(db);
  raw.prepare("UPDATE sources SET import_pid = ?, import_start = 'linux:gone:1' WHERE id = ?").run(gonePid, cap.sourceId);
  raw.close();

  store = openIndex(db);
  expect(store.recovered.map((r) => r.id)).toEqual([cap.sourceId]);
  expect(restoreAfterRecovery(store, DEFAULT_SETTINGS)).toEqual({ rejoined: 0, standing: 1 });
  expectNoOrphans(store, cdr.sourceId!);
  store.close();
});
