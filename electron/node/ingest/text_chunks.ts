// A text file read as UTF-8 text a chunk at a time: how a CDR export of any size streams
// (the importing thread, or the CDR row worker) with the memory of one chunk.

import { closeSync, openSync, readSync } from 'node:fs';

/** CSV text is decoded and parsed this much at a time: memory is one chunk plus one row. */
export const READ_CHUNK = 1 << 20;

/** Streams a file as text, READ_CHUNK bytes at a time (UTF-8, a character cut by a chunk edge kept whole). */
export function forEachTextChunk(path: string, fn: (text: string) => void): void {
  const fd = openSync(path, 'r');
  try {
    const dec = new TextDecoder('utf-8');
    const buf = Buffer.allocUnsafe(READ_CHUNK);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      fn(dec.decode(buf.subarray(0, n), { stream: true }));
    }
    const tail = dec.decode();
    if (tail !== '') fn(tail);
  } finally {
    closeSync(fd);
  }
}
