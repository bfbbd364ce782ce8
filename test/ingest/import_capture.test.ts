// Importing files into a real SQLite index: gzip by content, re-import recognised by hash,
// damaged input reported per file with what was good kept, the index never lost.

import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { importCapture } from '../../electron/node/ingest/import_capture.ts';
import { openIndex } from '../../electron/node/store/index_store.ts';
import { REPO_ROOT } from '../support/oracle.ts';

const FIX = join(REPO_ROOT, 'test/fixtures/captures');
const tmp = mkdtempSync(join(tmpdir(), 'calltrace-import-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function write(name: string, bytes: Uint8Array): string {
  const p = join(tmp, name);
  writeFileSync(p, bytes);
  return p;
}

describe('importCapture', () => {
  const original = readFileSync(join(FIX, 'mixed_outcomes.pcapng'));

  it('indexes a capture in one transaction and recognises the same bytes again', async () => {
    const db = join(tmp, 'a.db');
    const store = openIndex(db);
    const first = await importCapture(store, join(FIX, 'mixed_outcomes.pcapng'));
    expect(first.status).toBe('ok');
    expect(first.calls).toBeGreaterThan(1);
    expect(store.countCalls()).toBe(first.calls);
    const again = await importCapture(store, write('renamed.bin', original));
    expect(again.status).toBe('duplicate');
    expect(again.sourceId).toBe(first.sourceId);
    expect(store.countCalls()).toBe(first.calls);
    store.close();
    // The index is a real file that survives the process.
    const reopened = openIndex(db);
    expect(reopened.listSources().map((s) => [s.name, s.status, s.format])).toEqual([['mixed_outcomes.pcapng', 'ok', 'pcapng']]);
    reopened.close();
  });

  it('reads gzip by its magic bytes, whatever the name, with the same calls', async () => {
    const store = openIndex(':memory:');
    const plain = await importCapture(store, join(FIX, 'mixed_outcomes.pcapng'));
    const gz = await importCapture(store, write('capture.data', gzipSync(original)));
    expect(gz.status).toBe('ok');
    expect(store.getSource(gz.sourceId!)!.format).toBe('pcapng.gz');
    expect(gz.calls).toBe(plain.calls);
    expect(gz.packets).toBe(plain.packets);
    store.close();
  });

  it('keeps the calls before the damage of a truncated gzip file and says what happened', async () => {
    const store = openIndex(':memory:');
    const whole = await importCapture(store, join(FIX, 'mixed_outcomes.pcapng'));
    const z = gzipSync(original);
    const cut = await importCapture(store, write('cut.pcapng.gz', z.subarray(0, Math.floor(z.length * 0.6))));
    expect(cut.status).toBe('partial');
    expect(cut.error).toMatch(/^gzip data ends early at byte \d+ \(the file was cut short\)/);
    expect(cut.packets).toBeGreaterThan(0);
    expect(cut.packets).toBeLessThan(whole.packets);
    expect(store.getSource(cut.sourceId!)!.status).toBe('partial');
    store.close();
  });

  it('keeps what came before a truncated capture, with a warning', async () => {
    const store = openIndex(':memory:');
    const out = await importCapture(store, write('truncated.pcapng', original.subarray(0, original.length - 100)));
    expect(out.status).toBe('ok');
    expect(out.warnings.map((w) => w.key)).toContain('capture.truncated_record');
    expect(out.calls).toBeGreaterThan(0);
    store.close();
  });

  it('rejects a file that is not a capture with a clear one-line reason, leaving the index as it was', async () => {
    const store = openIndex(':memory:');
    await importCapture(store, join(FIX, 'sip_486.pcapng'));
    const before = store.countCalls();
    const csv = await importCapture(store, write('export.csv', new TextEncoder().encode('a,b,c\n1,2,3\n')));
    expect(csv.status).toBe('failed');
    expect(csv.error).toBe('not a capture file (pcap, pcapng or Network Monitor) — first bytes 61 2c 62 2c');
    const empty = await importCapture(store, write('empty.pcap', new Uint8Array(0)));
    expect(empty.error).toBe('the file is empty');
    const missing = await importCapture(store, join(tmp, 'nope.pcap'));
    expect(missing.error).toBe('cannot read the file (ENOENT)');
    expect(store.countCalls()).toBe(before);
    store.close();
  });

  it('reports a corrupt record inside a capture as partial, keeping the earlier calls', async () => {
    const store = openIndex(':memory:');
    const bad = Buffer.from(original);
    // Smash a block length about two thirds in: everything before stays readable.
    let pos = 0;
    const dv = new DataView(bad.buffer, bad.byteOffset, bad.byteLength);
    while (pos < bad.length * 0.66) pos += dv.getUint32(pos + 4, true);
    dv.setUint32(pos + 4, 0xfffffff0, true);
    const out = await importCapture(store, write('corrupt.pcapng', bad));
    expect(out.status).toBe('partial');
    expect(out.error).toMatch(/^corrupt pcapng block length \d+ at byte \d+$/);
    expect(out.calls).toBeGreaterThan(0);
    store.close();
  });
});

describe('two imports of the same bytes at once', () => {
  it('keeps one source: the import that finishes second finds the other at the end and removes its own slices', async () => {
    const store = openIndex(':memory:');
    const a = join(FIX, 'mixed_outcomes.pcapng');
    const b = write('same-bytes.pcapng', readFileSync(a));
    // The second import starts once the first has committed calls under its provisional
    // hash, so the up-front check cannot see it: only the check at the end can.
    let second: ReturnType<typeof importCapture> | null = null;
    const first = await importCapture(store, a, { onCall: () => void (second ??= importCapture(store, b)) });
    expect(second).not.toBeNull();
    const other = await second!;
    // Whichever finishes second finds the other's hash at the end and removes its own slices.
    const outcomes = [first, other];
    expect(outcomes.map((o) => o.status).sort()).toEqual(['duplicate', 'ok']);
    const kept = outcomes.find((o) => o.status === 'ok')!;
    const dropped = outcomes.find((o) => o.status === 'duplicate')!;
    expect(dropped.sourceId).toBe(kept.sourceId);
    expect(store.listSources().map((s) => s.id)).toEqual([kept.sourceId]);
    expect(store.countCalls()).toBe(kept.calls);
    store.close();
  });
});
