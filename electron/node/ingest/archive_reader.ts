// Recognises archives by their magic bytes (zip, tar, gzip-compressed tar) and hands their
// members over one at a time. Each member's bytes are streamed into a private temporary file
// (generated name, mode 0600, in a directory of our own) which the caller imports like any
// file and which is deleted before the next member is read: memory stays one chunk whatever
// the archive's size, disk use is one member, and a member's name — `../../x`, `/etc/x` — is
// only ever a name, never a path written to. Why a file and not a stream into the engine: the
// importers hash, sniff and (for captures) read ahead from a path, and a member must be
// recognised as a duplicate by the hash of its own bytes exactly like the same file alone.

import { closeSync, createReadStream, fstatSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants as zc, createGunzip, gunzipSync } from 'node:zlib';
import { ArchiveLimitError, type ArchiveBudget } from './archive_limits.ts';
import { isTarHeader, TarParser, type TarDone, type TarEntry } from './tar_reader.ts';
import { extractZipMember, readZipDirectory, unsupportedReason } from './zip_reader.ts';

export type ArchiveKind = 'zip' | 'tar' | 'tar.gz';

/** A member handed to the caller: `file` holds its bytes, or `skipped` says why it has none. */
export interface ArchiveMember {
  name: string;
  file: string | null;
  skipped: string | null;
  /** The member's data is damaged or cut: `file` holds what was read before. */
  damage: string | null;
}

const isTar = (b: Uint8Array): boolean => b.length >= 512 && (new TextDecoder('latin1').decode(b.subarray(257, 262)) === 'ustar' || isTarHeader(b));

/** Up to `bytes` first bytes of a file (fewer when it is shorter). */
export function readHead(path: string, bytes: number): Buffer {
  const fd = openSync(path, 'r');
  const head = Buffer.alloc(bytes);
  try {
    return head.subarray(0, readSync(fd, head, 0, head.length, 0));
  } finally {
    closeSync(fd);
  }
}

/** The archive kind from the first bytes (inflating a little of a gzip file to look inside), or null. */
export function sniffArchive(path: string): ArchiveKind | null {
  const b = readHead(path, 16384);
  const n = b.length;
  // A local header, or the end record alone (an empty zip).
  if (n >= 4 && b[0] === 0x50 && b[1] === 0x4b && ((b[2] === 3 && b[3] === 4) || (b[2] === 5 && b[3] === 6))) return 'zip';
  if (isTar(b)) return 'tar';
  if (n >= 2 && b[0] === 0x1f && b[1] === 0x8b) {
    try {
      // A prefix never reaches the trailer: Z_SYNC_FLUSH returns what it inflates.
      if (isTar(gunzipSync(b.subarray(0, Math.max(2, n - 8)), { finishFlush: zc.Z_SYNC_FLUSH }))) return 'tar.gz';
    } catch {
      // damaged at its start: left to the capture import, which names the problem
    }
  }
  return null;
}

/** One temporary file being written. */
class TempFile {
  private fd: number;
  constructor(readonly path: string) {
    this.fd = openSync(path, 'wx', 0o600);
  }
  write(chunk: Uint8Array): void {
    for (let o = 0; o < chunk.length; ) o += writeSync(this.fd, chunk, o, chunk.length - o);
  }
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

class Cancelled extends Error {}
class StopReading extends Error {}

/**
 * Reads the archive at `path`, calling `onMember` for each member in archive order and waiting
 * for it before reading on (its file is deleted afterwards). Resolves with a problem of the
 * archive itself (cut, damaged, a bound crossed), or null; members handed over before it stand.
 */
export async function readArchive(
  path: string,
  kind: ArchiveKind,
  budget: ArchiveBudget,
  newTempPath: () => string,
  onMember: (m: ArchiveMember) => Promise<void>,
  shouldStop: () => boolean = () => false,
): Promise<string | null> {
  const tempPath = newTempPath;
  const hand = async (m: ArchiveMember): Promise<void> => {
    try {
      await onMember(m);
    } finally {
      if (m.file) rmSync(m.file, { force: true });
    }
  };
  try {
    return kind === 'zip' ? await readZip(path, budget, tempPath, hand, shouldStop) : await readTar(path, kind === 'tar.gz', budget, tempPath, hand, shouldStop);
  } catch (e) {
    if (e instanceof Cancelled) return 'cancelled';
    if (e instanceof ArchiveLimitError) return e.message;
    throw e;
  }
}

async function readZip(path: string, budget: ArchiveBudget, tempPath: () => string, hand: (m: ArchiveMember) => Promise<void>, shouldStop: () => boolean): Promise<string | null> {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const dir = readZipDirectory(fd, size, budget);
    for (const m of dir.members) {
      if (shouldStop()) throw new Cancelled();
      if (m.kind === 'dir') continue;
      if (m.kind === 'link') {
        await hand({ name: m.name, file: null, skipped: 'a symbolic link (not followed)', damage: null });
        continue;
      }
      const why = unsupportedReason(m);
      if (why) {
        await hand({ name: m.name, file: null, skipped: why, damage: null });
        continue;
      }
      const t = new TempFile(tempPath());
      let damage: string | null;
      try {
        damage = await extractZipMember(fd, size, m, budget, (c) => t.write(c));
      } catch (e) {
        t.close();
        rmSync(t.path, { force: true });
        // A member over the ratio bound is skipped; the other members are still read.
        if (e instanceof ArchiveLimitError && e.scope === 'member') {
          await hand({ name: m.name, file: null, skipped: e.message, damage: null });
          continue;
        }
        throw e;
      }
      t.close();
      await hand({ name: m.name, file: t.path, skipped: null, damage });
    }
    return dir.problem;
  } finally {
    closeSync(fd);
  }
}

async function readTar(path: string, gzip: boolean, budget: ArchiveBudget, tempPath: () => string, hand: (m: ArchiveMember) => Promise<void>, shouldStop: () => boolean): Promise<string | null> {
  const files = new Map<TarEntry, TempFile>();
  const parser = new TarParser(budget, (e) => {
    const t = new TempFile(tempPath());
    files.set(e, t);
    return (c) => t.write(c);
  });
  const handDone = async (d: TarDone): Promise<void> => {
    const t = files.get(d.entry);
    files.delete(d.entry);
    t?.close();
    if (d.entry.kind === 'dir') return;
    if (!t) {
      await hand({ name: d.entry.name, file: null, skipped: d.entry.kind === 'link' ? 'a link (not followed)' : 'not a regular file', damage: null });
      return;
    }
    await hand({ name: d.entry.name, file: t.path, skipped: null, damage: d.problem });
  };
  const input = createReadStream(path, { highWaterMark: 1024 * 1024 });
  let inflated = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      (async () => {
        if (shouldStop()) throw new Cancelled();
        inflated += chunk.length;
        // The gzip stream as a whole: one tar.gz is one deflate stream, so its ratio is judged whole.
        if (gzip) budget.checkRatio(inflated, input.bytesRead, 'archive');
        for (const d of parser.push(chunk)) await handDone(d);
        // Damage or a bound stopped the parser: reading the rest would only cost time.
        if (parser.stopped !== null) throw new StopReading();
      })().then(() => cb(), (e: Error) => cb(e));
    },
  });
  let streamProblem: string | null = null;
  try {
    if (gzip) await pipeline(input, createGunzip({ chunkSize: 256 * 1024 }), sink);
    else await pipeline(input, sink);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (e instanceof StopReading) {
      // parser.end() names why
    } else if (!(typeof code === 'string' && code.startsWith('Z_'))) {
      for (const t of files.values()) t.close();
      throw e;
    }
    else streamProblem = /unexpected end/.test((e as Error).message) ? 'gzip data ends early (the file was cut short)' : `gzip data is damaged (${(e as Error).message})`;
  }
  const end = parser.end();
  for (const d of end.done) await handDone(d);
  for (const t of files.values()) t.close();
  if (streamProblem) return end.problem && end.problem !== 'tar holds no member' ? `${streamProblem}; ${end.problem}` : `${streamProblem}; the members before it are read`;
  return end.problem;
}
