// Reads a file from disk in fixed-size chunks and hands them to a consumer, transparently
// decompressing gzip (recognised by its magic bytes, not the name) and hashing the file's
// own bytes so a re-import of the same content is recognised. Memory is one chunk (plus
// zlib's window), whatever the size of the file.

import { createHash } from 'node:crypto';
import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { createGunzip } from 'node:zlib';

export const CHUNK_SIZE = 4 * 1024 * 1024;

export interface FileReadResult {
  /** sha256 of the file as stored (compressed bytes for .gz); '' when hashing was turned off. */
  contentHash: string;
  sizeBytes: number;
  gzip: boolean;
  /** Decompressed bytes handed to the consumer. */
  bytesDelivered: number;
  /** An I/O or decompression problem; everything delivered before it stands. */
  error: string | null;
}

/** Hashes a file without decoding it (for the "already indexed" check before an import). */
export function hashFile(path: string): { contentHash: string; sizeBytes: number } {
  const fd = openSync(path, 'r');
  try {
    const h = createHash('sha256');
    const buf = Buffer.allocUnsafe(CHUNK_SIZE);
    let size = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      h.update(buf.subarray(0, n));
      size += n;
    }
    return { contentHash: h.digest('hex'), sizeBytes: size };
  } finally {
    closeSync(fd);
  }
}

/**
 * Streams `path` to `onChunk`. The chunk passed is only valid during the call (the buffer is
 * reused). Resolves once the whole file was delivered or a problem stopped it.
 */
export async function readFileChunks(
  path: string,
  onChunk: (chunk: Uint8Array) => void,
  opts: {
    shouldStop?: () => boolean;
    onProgress?: (bytesRead: number, total: number) => void;
    /** false: do not hash (contentHash is then ''); the capture import hashes on another thread. */
    hash?: boolean;
  } = {},
): Promise<FileReadResult> {
  const fd = openSync(path, 'r');
  const total = fstatSync(fd).size;
  const hash = opts.hash === false ? null : createHash('sha256');
  const buf = Buffer.allocUnsafe(CHUNK_SIZE);
  let read = 0;
  let delivered = 0;
  let gzip: boolean | null = null;
  let error: string | null = null;
  // 1 MB of output per 'data' event instead of zlib's 16 KB: each event is a round trip from
  // zlib's thread to this one, a Buffer, and a record carried across the boundary. A 300 MB
  // capture.gz took 2.7 s to import with 16 KB and 1.0 s with 1 MB (inflating alone: 0.73 s).
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  let gunzipDone: Promise<void> | null = null;

  try {
    for (;;) {
      if (opts.shouldStop?.()) {
        error = 'cancelled';
        break;
      }
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      // A plain Uint8Array view, not a Buffer: downstream `.slice()` must never alias this reused buffer.
      const chunk = new Uint8Array(buf.buffer, buf.byteOffset, n);
      hash?.update(chunk);
      read += n;
      if (gzip === null) {
        gzip = n >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b;
        if (gzip) {
          gunzip.on('data', (d: Buffer) => {
            delivered += d.length;
            onChunk(d);
          });
          gunzipDone = new Promise<void>((resolve) => {
            gunzip.on('end', () => resolve());
            gunzip.on('error', (e: Error & { code?: string }) => {
              error = `gzip stream is damaged (${e.code ?? e.message}); the data before the damage was read`;
              resolve();
            });
          });
        }
      }
      if (gzip) {
        // Respect back-pressure so a highly compressible file does not balloon in memory.
        if (!gunzip.write(Buffer.from(chunk))) await new Promise<void>((r) => gunzip.once('drain', () => r()));
        if (error) break;
      } else {
        delivered += n;
        onChunk(chunk);
      }
      opts.onProgress?.(read, total);
    }
  } catch (e) {
    error = `read error: ${(e as Error).message}`;
  } finally {
    closeSync(fd);
  }
  if (gzip && gunzipDone) {
    gunzip.end();
    await gunzipDone;
    if (!error && read > 0 && delivered === 0) error = 'gzip stream holds no data';
  }
  return { contentHash: hash ? hash.digest('hex') : '', sizeBytes: read, gzip: gzip === true, bytesDelivered: delivered, error };
}
