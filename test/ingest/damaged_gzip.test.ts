// Issue 10, defect 1: a gzip capture damaged in its data, or in its CRC trailer, must end as
// a per-file outcome naming the damage, with the calls read before it kept (status partial),
// in the import, in `analyze` beside good files, and in `serve`, whose queue must go on.
// Before the fix the import waited for a 'drain' the errored zlib stream never emits: the
// CLI exited 0 printing nothing, and serve's worker never took another job.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { importCapture, type ImportOutcome } from '../../electron/node/ingest/import_capture.ts';
import { openIndex } from '../../electron/node/store/index_store.ts';
import { startBackend } from '../api/support.ts';
import { manyCallsCapture } from '../support/hostile_inputs.ts';
import { REPO_ROOT } from '../support/oracle.ts';

const tmp = mkdtempSync(join(tmpdir(), 'calltrace-gzdmg-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const CALLS = 2000;
const raw = manyCallsCapture(CALLS);
const gz = gzipSync(raw);

/** 64 bytes of the deflate data overwritten at 60 % of the file (zlib: "invalid block type"). */
function damagedData(): Uint8Array {
  const d = Uint8Array.from(gz);
  const at = Math.floor(d.length * 0.6);
  d.fill(0xff, at, at + 64);
  return d;
}

/** The CRC-32 of the trailer (the 8 last bytes are CRC-32 then ISIZE) flipped. */
function damagedCrc(): Uint8Array {
  const d = Uint8Array.from(gz);
  d[d.length - 8] ^= 0xff;
  return d;
}

function write(name: string, bytes: Uint8Array): string {
  const p = join(tmp, name);
  writeFileSync(p, bytes);
  return p;
}

/** Fails (instead of hanging the suite) when the import never settles. */
function settles<T>(p: Promise<T>, ms = 30_000): Promise<T> {
  return Promise.race([p, new Promise<T>((_, rej) => setTimeout(() => rej(new Error(`did not settle within ${ms} ms`)), ms))]);
}

describe('a damaged gzip capture', () => {
  it('is large enough to exercise zlib back-pressure (more than 16 KB compressed)', () => {
    expect(gz.length).toBeGreaterThan(64 * 1024);
  });

  it('names the damage and its byte, and keeps the calls read before it', async () => {
    const store = openIndex(':memory:');
    const out: ImportOutcome = await settles(importCapture(store, write('data.pcap.gz', damagedData())));
    expect(out.status).toBe('partial');
    expect(out.error).toMatch(/^gzip data is damaged at byte \d+ of \d+/);
    const at = Number(/at byte (\d+)/.exec(out.error!)![1]);
    expect(at).toBeGreaterThan(gz.length * 0.5);
    expect(at).toBeLessThanOrEqual(gz.length);
    expect(out.calls).toBeGreaterThan(CALLS / 3);
    expect(out.calls).toBeLessThan(CALLS);
    expect(store.countCalls({ sourceId: out.sourceId! })).toBe(out.calls);
    expect(store.getSource(out.sourceId!)).toMatchObject({ status: 'partial', error: out.error });
    store.close();
  });

  it('reports a CRC mismatch in the trailer, with every call kept', async () => {
    const store = openIndex(':memory:');
    const out = await settles(importCapture(store, write('crc.pcap.gz', damagedCrc())));
    expect(out.status).toBe('partial');
    expect(out.error).toMatch(/^gzip CRC mismatch/);
    expect(out.calls).toBe(CALLS);
    store.close();
  });

  it('reports damage in a small gzip file (read whole for its format) the same way', async () => {
    const small = gzipSync(manyCallsCapture(40));
    const crc = Uint8Array.from(small);
    crc[crc.length - 8] ^= 0xff;
    const store = openIndex(':memory:');
    const out = await settles(importCapture(store, write('small-crc.pcap.gz', crc)));
    expect([out.status, out.calls]).toEqual(['partial', 40]);
    expect(out.error).toMatch(/^gzip CRC mismatch/);
    store.close();
  });

  it('analyze: reports it on stderr, prints the good files and the partial one, exits 0', () => {
    const data = write('cli-data.pcap.gz', damagedData());
    const crc = write('cli-crc.pcap.gz', damagedCrc());
    const good = join(REPO_ROOT, 'test/fixtures/captures/sip_486.pcapng');
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/node/cli/main.ts'), 'analyze', data, good, crc, '--json'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000, maxBuffer: 1 << 30 });
    expect(r.error).toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`calltrace: ${data}: gzip data is damaged at byte`);
    expect(r.stderr).toContain(`calltrace: ${crc}: gzip CRC mismatch`);
    const doc = JSON.parse(r.stdout);
    expect(doc.sources.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([
      ['cli-data.pcap.gz', 'partial'], ['sip_486.pcapng', 'ok'], ['cli-crc.pcap.gz', 'partial'],
    ]);
    expect(doc.calls.filter((c: { source: string }) => c.source === 'sip_486.pcapng').length).toBe(1);
    expect(doc.calls.filter((c: { source: string }) => c.source === 'cli-crc.pcap.gz').length).toBe(CALLS);
  }, 150_000);

  it('serve: the upload finishes as partial, and later jobs (an import, setSettings) still run', async () => {
    const t = await startBackend();
    try {
      const h = t.backend.handlers;
      await h.importUpload({ name: 'upload.pcap.gz', data: damagedData() });
      await h.importPaths({ paths: [join(REPO_ROOT, 'test/fixtures/captures/sip_486.pcapng')] });
      const settings = await h.getSettings();
      await settles(h.setSettings({ ...settings, successDurationS: settings.successDurationS + 1 }));
      await settles(t.backend.imports.idle());
      const sources = await h.listSources();
      expect(sources.map((s) => [s.name, s.status]).sort()).toEqual([['sip_486.pcapng', 'ok'], ['upload.pcap.gz', 'partial']]);
      expect(sources.find((s) => s.name === 'upload.pcap.gz')!.error).toMatch(/^gzip data is damaged at byte/);
    } finally {
      await t.cleanup();
    }
  }, 150_000);
});
