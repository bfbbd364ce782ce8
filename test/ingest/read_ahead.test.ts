// The read-ahead reader: every byte, in order, across chunk and ring-slot boundaries; the
// file's sha256; a clear error for a missing file; stopping early; and a consumer that throws.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CHUNK_SIZE } from '../../electron/node/ingest/file_source.ts';
import { readFileChunksAhead } from '../../electron/node/ingest/read_ahead.ts';

const tmp = mkdtempSync(join(tmpdir(), 'calltrace-readahead-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function file(size: number): { path: string; bytes: Buffer } {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 2654435761) >>> 24;
  const path = join(tmp, `f${size}.bin`);
  writeFileSync(path, bytes);
  return { path, bytes };
}

describe('readFileChunksAhead', () => {
  // 0, less than a chunk, exactly one, and more chunks than the ring has slots.
  for (const size of [0, 1000, CHUNK_SIZE, 5 * CHUNK_SIZE + 12345]) {
    it(`delivers all ${size} bytes in order with their sha256`, async () => {
      const { path, bytes } = file(size);
      const got = createHash('sha256');
      let n = 0;
      let progress = 0;
      const r = await readFileChunksAhead(path, size, (c) => {
        expect(Buffer.from(c).equals(bytes.subarray(n, n + c.length))).toBe(true);
        got.update(c);
        n += c.length;
      }, { onProgress: (read) => void (progress = read) });
      expect(r.error).toBeNull();
      expect(n).toBe(size);
      expect(progress).toBe(size);
      expect(r.sizeBytes).toBe(size);
      expect(r.contentHash).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(got.digest('hex')).toBe(r.contentHash);
    });
  }

  it('names the problem when the file cannot be read', async () => {
    const r = await readFileChunksAhead(join(tmp, 'absent.pcap'), 0, () => {});
    expect(r.error).toBe('read error: ENOENT');
    expect(r.contentHash).toBe('');
  });

  it('stops when asked, with no hash of the whole file', async () => {
    const { path } = file(6 * CHUNK_SIZE);
    let chunks = 0;
    const r = await readFileChunksAhead(path, 6 * CHUNK_SIZE, () => void chunks++, { shouldStop: () => chunks >= 2 });
    expect(r.error).toBe('cancelled');
    expect(chunks).toBe(2);
    expect(r.contentHash).toBe('');
  });

  it('passes on an error the consumer throws, and stops the reader thread with it', () => {
    // Before, the error left the reader waiting for a free ring slot for ever, and the process
    // (the CLI, a test run) never exited. Run in a child: a hang is a timeout, not a stuck test.
    const { path } = file(8 * CHUNK_SIZE);
    const mod = pathToFileURL(resolve('electron/node/ingest/read_ahead.ts')).href;
    const script = join(tmp, 'throwing_consumer.mts');
    writeFileSync(script, `import { readFileChunksAhead } from ${JSON.stringify(mod)};
let n = 0;
try {
  await readFileChunksAhead(${JSON.stringify(path)}, ${8 * CHUNK_SIZE}, () => { if (++n === 2) throw new Error('index full'); });
  console.log('no error');
} catch (e) {
  console.log('rejected: ' + e.message + ' after ' + n + ' chunks');
}
`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.error, 'the child did not exit: the reader thread was left running').toBeUndefined();
    expect(r.stdout.trim()).toBe('rejected: index full after 2 chunks');
    expect(r.status).toBe(0);
  });
});
