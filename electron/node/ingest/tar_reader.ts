// A streaming tar parser (POSIX ustar with pax extended headers, GNU long names and base-256
// sizes): bytes are pushed in chunks of any size, member data goes to the writer the caller
// opens for it as it arrives, and the members finished by a push are returned so the caller
// can import each before pushing more. Memory is one 512-byte header plus, for long names, at
// most MAX_META bytes; never a member.

import { ArchiveLimitError, type ArchiveBudget } from './archive_limits.ts';
import { displayMemberName } from './zip_reader.ts';

export interface TarEntry {
  name: string;
  size: number;
  kind: 'file' | 'dir' | 'link' | 'other';
}

export interface TarDone {
  entry: TarEntry;
  /** Set when the member's data was cut short; what was written stands. */
  problem: string | null;
}

/** Opens a writer for a file member's data; null skips the data (not a regular file). */
export type OpenMember = (e: TarEntry) => ((chunk: Uint8Array) => void) | null;

const BLOCK = 512;
/** pax and GNU long-name records are names and a few keys: anything larger is hostile. */
const MAX_META = 1024 * 1024;

const cstr = (b: Uint8Array, o: number, n: number): string => {
  const s = b.subarray(o, o + n);
  const z = s.indexOf(0);
  return new TextDecoder('utf-8').decode(z >= 0 ? s.subarray(0, z) : s);
};

function octal(b: Uint8Array, o: number, n: number): number {
  // GNU base-256 for values past the 11 octal digits (files of 8 GiB and more).
  if (b[o] & 0x80) {
    let v = b[o] & 0x3f;
    for (let i = 1; i < n; i++) v = v * 256 + b[o + i];
    return v;
  }
  const s = cstr(b, o, n).trim();
  return s === '' ? 0 : /^[0-7]+$/.test(s) ? parseInt(s, 8) : NaN;
}

/** True when the block is a tar header: its checksum (bytes 148–155) matches. */
export function isTarHeader(b: Uint8Array): boolean {
  if (b.length < BLOCK) return false;
  const want = octal(b, 148, 8);
  if (!Number.isFinite(want)) return false;
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : b[i];
  return sum === want && sum !== 8 * 0x20;
}

/** pax records: "LEN key=value\n"; only path and size matter here. */
function parsePax(text: string): { path?: string; size?: number } {
  const out: { path?: string; size?: number } = {};
  let o = 0;
  while (o < text.length) {
    const sp = text.indexOf(' ', o);
    if (sp < 0) break;
    const len = parseInt(text.slice(o, sp), 10);
    if (!(len > 0)) break;
    const rec = text.slice(sp + 1, o + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0) {
      const k = rec.slice(0, eq);
      const v = rec.slice(eq + 1);
      if (k === 'path') out.path = v;
      else if (k === 'size' && /^\d+$/.test(v)) out.size = Number(v);
    }
    o += len;
  }
  return out;
}

export class TarParser {
  private header = new Uint8Array(BLOCK);
  private headerFill = 0;
  private entry: TarEntry | null = null;
  private writer: ((chunk: Uint8Array) => void) | null = null;
  private remaining = 0;
  private padding = 0;
  /** Data of a pax ('x') or GNU long-name ('L') record being collected. */
  private meta: { type: string; parts: Uint8Array[]; size: number } | null = null;
  private next: { path?: string; size?: number } = {};
  private zeroBlocks = 0;
  private offset = 0;
  /** Set once the end-of-archive blocks or a damaged header stopped parsing. */
  stopped: string | null = null;
  ended = false;

  constructor(private readonly budget: ArchiveBudget, private readonly open: OpenMember) {}

  /** Parses `chunk`; returns the members whose data is complete. A damaged header or a bound crossed stops parsing (`stopped`). */
  push(chunk: Uint8Array): TarDone[] {
    const done: TarDone[] = [];
    try {
      this.parse(chunk, done);
    } catch (e) {
      // A bound crossed mid-chunk: the members finished before it in this chunk still count.
      if (!(e instanceof ArchiveLimitError)) throw e;
      this.stopped = e.message;
    }
    return done;
  }

  private parse(chunk: Uint8Array, done: TarDone[]): void {
    let o = 0;
    while (o < chunk.length && !this.ended && this.stopped === null) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - o);
        const part = chunk.subarray(o, o + n);
        if (this.meta) {
          this.meta.parts.push(part.slice());
        } else if (this.writer) {
          this.budget.addBytes(n);
          this.writer(part);
        }
        this.remaining -= n;
        o += n;
        this.offset += n;
        if (this.remaining === 0) this.finishData(done);
        continue;
      }
      if (this.padding > 0) {
        const n = Math.min(this.padding, chunk.length - o);
        this.padding -= n;
        o += n;
        this.offset += n;
        continue;
      }
      const n = Math.min(BLOCK - this.headerFill, chunk.length - o);
      this.header.set(chunk.subarray(o, o + n), this.headerFill);
      this.headerFill += n;
      o += n;
      if (this.headerFill < BLOCK) break;
      this.headerFill = 0;
      this.onHeader(done);
      this.offset += BLOCK;
    }
  }

  /** The end of the input: a problem when it came inside a member or a header, or without the end blocks. */
  end(): { done: TarDone[]; problem: string | null } {
    const done: TarDone[] = [];
    if (this.stopped !== null) return { done, problem: this.stopped };
    if (this.ended) return { done, problem: null };
    if (this.entry && this.remaining > 0) {
      const e = this.entry;
      const had = e.size - this.remaining;
      this.entry = null;
      if (this.writer) done.push({ entry: e, problem: `cut short (${had} of ${e.size} bytes present)` });
      return { done, problem: `tar ends inside member ${e.name} (the file was cut short)` };
    }
    if (this.headerFill > 0 || this.meta) return { done, problem: `tar ends inside a header at byte ${this.offset} (the file was cut short)` };
    if (this.offset === 0) return { done, problem: 'tar holds no member' };
    return { done, problem: this.zeroBlocks > 0 ? null : 'tar ends without its end-of-archive blocks (the file may have been cut short after the last member)' };
  }

  private onHeader(done: TarDone[]): void {
    const h = this.header;
    if (h.every((b) => b === 0)) {
      // Two zero blocks end the archive; what follows (padding to the record size) is not read.
      if (++this.zeroBlocks >= 2) this.ended = true;
      return;
    }
    this.zeroBlocks = 0;
    if (!isTarHeader(h)) {
      this.stopped = `tar header damaged at byte ${this.offset} (bad checksum); the members before it are read`;
      return;
    }
    const type = String.fromCharCode(h[156] || 0x30);
    let size = octal(h, 124, 12);
    if (!Number.isFinite(size)) {
      this.stopped = `tar header damaged at byte ${this.offset} (bad size); the members before it are read`;
      return;
    }
    if (type === 'x' || type === 'L' || type === 'g' || type === 'K') {
      if (size > MAX_META) {
        this.stopped = `tar extended header at byte ${this.offset} is ${size} bytes (more than ${MAX_META}: damaged or hostile)`;
        return;
      }
      this.meta = { type, parts: [], size };
      this.beginData(size, done);
      return;
    }
    let name = cstr(h, 0, 100);
    if (cstr(h, 257, 5) === 'ustar') {
      const prefix = cstr(h, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    if (this.next.path !== undefined) name = this.next.path;
    if (this.next.size !== undefined) size = this.next.size;
    this.next = {};
    if (!this.budget.addMember()) throw new ArchiveLimitError(this.budget.memberLimitMessage());
    const kind: TarEntry['kind'] = type === '0' || type === '7' ? 'file' : type === '5' ? 'dir' : type === '1' || type === '2' ? 'link' : 'other';
    // Links and directories carry no data even when a size is written.
    const dataSize = kind === 'file' || kind === 'other' ? size : 0;
    const e: TarEntry = { name: displayMemberName(name), size: dataSize, kind };
    this.entry = e;
    this.writer = kind === 'file' ? this.open(e) : null;
    this.beginData(dataSize, done);
  }

  private beginData(size: number, done: TarDone[]): void {
    this.remaining = size;
    this.padding = (BLOCK - (size % BLOCK)) % BLOCK;
    if (size === 0) this.finishData(done);
  }

  private finishData(done: TarDone[]): void {
    if (this.meta) {
      const bytes = Buffer.concat(this.meta.parts);
      if (this.meta.type === 'L') this.next.path = cstr(bytes, 0, bytes.length);
      else if (this.meta.type === 'x') this.next = { ...this.next, ...parsePax(new TextDecoder('utf-8').decode(bytes)) };
      this.meta = null;
      return;
    }
    const e = this.entry;
    this.entry = null;
    if (e && (this.writer || e.kind !== 'file')) done.push({ entry: e, problem: null });
    this.writer = null;
  }
}
