// Reads a .zip from a local file (APPNOTE 6.3.10): the central directory at the end is found
// and read with random access (the file is on disk), and each member's data is streamed from
// its offset — stored members copied, deflate members through node:zlib's inflateRaw — in
// chunks, so memory is one chunk and zlib's window whatever the member's size. ZIP64 sizes
// and offsets are understood (captures above 4 GB exist).
//
// A zip cut short loses its central directory: the members are then found by walking their
// local headers from the start, so every member before the cut is still read.

import { readSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createInflateRaw, crc32 } from 'node:zlib';
import { ArchiveLimitError, type ArchiveBudget } from './archive_limits.ts';

export interface ZipMember {
  name: string;
  /** 0 stored, 8 deflate; others are listed as skipped. */
  method: number;
  flags: number;
  compressedSize: number;
  size: number;
  crc: number;
  localOffset: number;
  kind: 'file' | 'dir' | 'link';
  /** Its data overlaps an earlier member's (a zip-bomb construction): not read. */
  overlaps?: boolean;
}

export interface ZipDirectory {
  members: ZipMember[];
  /** A problem with the directory itself (cut, damaged, too many members); members listed stand. */
  problem: string | null;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOC = 0x07064b50;
const READ_CHUNK = 1024 * 1024;

function readAt(fd: number, length: number, position: number): Buffer {
  const b = Buffer.alloc(length);
  const n = readSync(fd, b, 0, length, position);
  return b.subarray(0, n);
}

const u64 = (b: Buffer, o: number): number => Number(b.readBigUInt64LE(o));

/** Names are only names (never paths on disk): control characters would break a one-line message. */
export function displayMemberName(raw: string): string {
  // eslint-disable-next-line no-control-regex
  return raw.replace(/[\u0000-\u001f\u007f]/g, '\ufffd');
}

function decodeName(b: Buffer): string {
  // Bit 11 says UTF-8; older tools wrote CP437, of which ASCII names (nearly all) agree.
  return displayMemberName(new TextDecoder('utf-8').decode(b));
}

/** ZIP64 extended information (header 0x0001): only the fields that were 0xFFFFFFFF, in order. */
function zip64Extra(extra: Buffer, m: { size: number; compressedSize: number; localOffset: number }): void {
  for (let o = 0; o + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(o);
    const len = extra.readUInt16LE(o + 2);
    if (id === 0x0001) {
      let p = o + 4;
      const end = Math.min(extra.length, p + len);
      if (m.size === 0xffffffff && p + 8 <= end) {
        m.size = u64(extra, p);
        p += 8;
      }
      if (m.compressedSize === 0xffffffff && p + 8 <= end) {
        m.compressedSize = u64(extra, p);
        p += 8;
      }
      if (m.localOffset === 0xffffffff && p + 8 <= end) m.localOffset = u64(extra, p);
      return;
    }
    o += 4 + len;
  }
}

function kindOf(name: string, externalAttrs: number): ZipMember['kind'] {
  if (name.endsWith('/')) return 'dir';
  // Unix mode in the high half of the external attributes (made by Info-ZIP and most tools).
  return ((externalAttrs >>> 16) & 0o170000) === 0o120000 ? 'link' : 'file';
}

/** Lists the members, from the central directory or, when it is missing, the local headers. */
export function readZipDirectory(fd: number, fileSize: number, budget: ArchiveBudget): ZipDirectory {
  const tailLen = Math.min(fileSize, 22 + 65535);
  const tail = readAt(fd, tailLen, fileSize - tailLen);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === SIG_EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return walkLocalHeaders(fd, fileSize, budget, 'zip central directory not found (the file was cut short?)');
  const eocdPos = fileSize - tailLen + eocd;
  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocdPos >= 20 ? readAt(fd, 20, eocdPos - 20) : Buffer.alloc(0);
    if (loc.length === 20 && loc.readUInt32LE(0) === SIG_EOCD64_LOC) {
      const rec = readAt(fd, 56, u64(loc, 8));
      if (rec.length === 56 && rec.readUInt32LE(0) === SIG_EOCD64) {
        count = u64(rec, 32);
        cdSize = u64(rec, 40);
        cdOffset = u64(rec, 48);
      }
    }
  }
  if (cdOffset + cdSize > eocdPos) return walkLocalHeaders(fd, fileSize, budget, 'zip central directory lies outside the file (damaged)');

  const members: ZipMember[] = [];
  let pos = cdOffset;
  for (let i = 0; i < count; i++) {
    const h = readAt(fd, 46, pos);
    if (h.length < 46 || h.readUInt32LE(0) !== SIG_CENTRAL) {
      return { members, problem: `zip central directory is damaged at entry ${i + 1} of ${count}; the entries before it are read` };
    }
    if (!budget.addMember()) return { members, problem: budget.memberLimitMessage() };
    const nameLen = h.readUInt16LE(28);
    const extraLen = h.readUInt16LE(30);
    const commentLen = h.readUInt16LE(32);
    const var_ = readAt(fd, nameLen + extraLen, pos + 46);
    const name = decodeName(var_.subarray(0, nameLen));
    const m: ZipMember = {
      name,
      flags: h.readUInt16LE(8),
      method: h.readUInt16LE(10),
      crc: h.readUInt32LE(16),
      compressedSize: h.readUInt32LE(20),
      size: h.readUInt32LE(24),
      localOffset: h.readUInt32LE(42),
      kind: kindOf(name, h.readUInt32LE(38)),
    };
    zip64Extra(var_.subarray(nameLen), m);
    members.push(m);
    pos += 46 + nameLen + extraLen + commentLen;
  }
  markOverlaps(members);
  return { members, problem: null };
}

/**
 * Members whose data overlaps another's: no zip tool writes them, but a non-recursive zip bomb
 * is built that way (many directory entries pointing into one highly compressed kernel, each
 * inflating it again). They are skipped, so the bomb costs one member, not thousands.
 */
function markOverlaps(members: ZipMember[]): void {
  const order = members.filter((m) => m.kind !== 'dir').sort((a, b) => a.localOffset - b.localOffset);
  for (let i = 1; i < order.length; i++) {
    // A lower bound of where the previous member's data ends (its local name and extra fields add to it).
    if (order[i].localOffset < order[i - 1].localOffset + 30 + order[i - 1].compressedSize) order[i].overlaps = true;
  }
}

/**
 * The members of a zip without its central directory, from the local headers in file order.
 * A member whose sizes follow its data (flag bit 3, written by streaming tools) cannot be
 * skipped over without the directory: the walk stops there and says so.
 */
function walkLocalHeaders(fd: number, fileSize: number, budget: ArchiveBudget, why: string): ZipDirectory {
  const members: ZipMember[] = [];
  let pos = 0;
  while (pos + 30 <= fileSize) {
    const h = readAt(fd, 30, pos);
    if (h.readUInt32LE(0) !== SIG_LOCAL) break;
    if (!budget.addMember()) return { members, problem: `${why}; ${budget.memberLimitMessage()}` };
    const flags = h.readUInt16LE(6);
    const nameLen = h.readUInt16LE(26);
    const extraLen = h.readUInt16LE(28);
    const var_ = readAt(fd, nameLen + extraLen, pos + 30);
    const name = decodeName(var_.subarray(0, nameLen));
    if (flags & 0x08) return { members, problem: `${why}; member ${name} gives its size only after its data, so the members from it on cannot be found` };
    const m: ZipMember = {
      name, flags, method: h.readUInt16LE(8), crc: h.readUInt32LE(14), compressedSize: h.readUInt32LE(18), size: h.readUInt32LE(22),
      localOffset: pos, kind: name.endsWith('/') ? 'dir' : 'file',
    };
    zip64Extra(var_.subarray(nameLen), m);
    members.push(m);
    pos += 30 + nameLen + extraLen + m.compressedSize;
  }
  return { members, problem: `${why}; ${members.length} member(s) found from their local headers` };
}

/** Why a member is not extracted (encrypted, unknown compression), or null. */
export function unsupportedReason(m: ZipMember): string | null {
  if (m.overlaps) return 'its data overlaps another member (a zip-bomb construction); not read';
  if (m.flags & 0x01) return 'encrypted (no password can be given)';
  if (m.method !== 0 && m.method !== 8) return `compression method ${m.method} (only stored and deflate are read)`;
  return null;
}

/**
 * Streams one member's bytes to `sink`. Resolves with null, or with one line naming the damage
 * (cut, bad deflate data, CRC or size mismatch) — what was written before it stands. A bound
 * of the budget throws ArchiveLimitError; an exception from `sink` is thrown as is.
 */
export async function extractZipMember(fd: number, fileSize: number, m: ZipMember, budget: ArchiveBudget, sink: (chunk: Uint8Array) => void): Promise<string | null> {
  const h = readAt(fd, 30, m.localOffset);
  if (h.length < 30 || h.readUInt32LE(0) !== SIG_LOCAL) return 'local header not found at its offset (damaged)';
  const start = m.localOffset + 30 + h.readUInt16LE(26) + h.readUInt16LE(28);
  const available = Math.max(0, Math.min(m.compressedSize, fileSize - start));
  let consumed = 0;
  function* compressed(): Generator<Buffer> {
    while (consumed < available) {
      const b = readAt(fd, Math.min(READ_CHUNK, available - consumed), start + consumed);
      if (b.length === 0) return;
      consumed += b.length;
      yield b;
    }
  }
  let produced = 0;
  let crc = 0;
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      try {
        produced += chunk.length;
        // The declared size is not trusted, but a member larger than it is damaged or hostile.
        if (produced > m.size) throw new DamageError(`inflates past its declared size of ${m.size} bytes`);
        budget.addBytes(chunk.length);
        if (m.method === 8) budget.checkRatio(produced, consumed, 'member');
        crc = crc32(chunk, crc);
        sink(chunk);
        done();
      } catch (e) {
        done(e as Error);
      }
    },
  });
  try {
    if (m.method === 8) await pipeline(Readable.from(compressed()), createInflateRaw({ chunkSize: 256 * 1024 }), out);
    else await pipeline(Readable.from(compressed()), out);
  } catch (e) {
    if (e instanceof DamageError) return e.message;
    if (e instanceof ArchiveLimitError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      if (available < m.compressedSize) return `cut short (${available} of ${m.compressedSize} compressed bytes present)`;
      return `deflate data damaged (${(e as Error).message}) after ${produced} bytes`;
    }
    throw e;
  }
  if (available < m.compressedSize) return `cut short (${available} of ${m.compressedSize} bytes present)`;
  if (produced !== m.size) return `size mismatch (${produced} bytes, the directory says ${m.size})`;
  if (crc !== m.crc) return 'CRC mismatch (the data is damaged)';
  return null;
}

class DamageError extends Error {}
