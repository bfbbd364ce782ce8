// `serve`'s export target: exported files wait in a private temp directory (0700, ours
// only) until the browser fetches them from the bridge, once, with the token
// (http_bridge.ts, GET /api/download/<id>). A browser tab cannot be given a path on this
// machine, and the bridge must not become a way to read arbitrary files: the only files it
// hands out are the ones registered here, under ids of 128 random bits.
//
// Bounded: at most `maxPending` files wait at a time (an export that would exceed it is
// refused as 'busy', before anything is read or written), and each is deleted after its
// download or after `ttlMs`, whichever comes first; everything left goes at close.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, rmdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { ExportOutput } from '../../../shared/api/contract.ts';
import type { ExportDestination, ExportNames, ExportTarget } from '../export/export_target.ts';
import { makeTempDir } from '../ingest/temp_dirs.ts';
import { ApiFailure } from './api_error.ts';

export const DOWNLOAD_TTL_MS = 10 * 60_000;
export const MAX_PENDING_DOWNLOADS = 8;

export const DOWNLOAD_CONTENT_TYPE: Record<ExportOutput, string> = {
  // No IANA type for pcapng yet; this is the one Wireshark's own site and the IETF draft use.
  pcapng: 'application/x-pcapng',
  html: 'text/html; charset=utf-8',
};

/** Ids are 32 hex digits; anything else is not looked up at all. */
export const DOWNLOAD_ID = /^[0-9a-f]{32}$/;

export interface PendingDownload {
  id: string;
  path: string;
  name: string;
  contentType: string;
  bytes: number;
}

/** A timer that can be cancelled; tests pass their own so expiry is driven, not waited for. */
export type Schedule = (run: () => void, ms: number) => { cancel(): void };

const realSchedule: Schedule = (run, ms) => {
  const t = setTimeout(run, ms);
  // A pending download must not keep `serve` (or a test) alive.
  t.unref();
  return { cancel: () => clearTimeout(t) };
};

export interface DownloadStoreOptions {
  /** Where the private directory is made; default the OS temp directory. */
  parent?: string;
  maxPending?: number;
  ttlMs?: number;
  schedule?: Schedule;
}

interface Entry extends PendingDownload {
  timer: { cancel(): void };
}

export class DownloadStore implements ExportTarget {
  private root: string | null = null;
  private readonly pending = new Map<string, Entry>();
  /** Files of exports still running: they count against the bound before they exist. */
  private reserved = 0;
  private readonly maxPending: number;
  private readonly ttlMs: number;
  private readonly schedule: Schedule;
  private closed = false;

  constructor(private readonly o: DownloadStoreOptions = {}) {
    this.maxPending = o.maxPending ?? MAX_PENDING_DOWNLOADS;
    this.ttlMs = o.ttlMs ?? DOWNLOAD_TTL_MS;
    this.schedule = o.schedule ?? realSchedule;
  }

  /** Files waiting to be fetched. */
  get size(): number {
    return this.pending.size;
  }

  private dir(): string {
    // mkdtemp makes the directory 0700: other local users cannot list or read the exports.
    // Named for this process, so a serve killed before it could clean up is swept (temp_dirs.ts).
    this.root ??= makeTempDir('export', this.o.parent);
    return this.root;
  }

  async choose(names: ExportNames): Promise<ExportDestination> {
    if (this.closed) throw new ApiFailure('unavailable', 'the server is shutting down');
    const outputs = (Object.keys(names) as ExportOutput[]).filter((o) => names[o] !== null);
    if (this.pending.size + this.reserved + outputs.length > this.maxPending) {
      throw new ApiFailure(
        'busy',
        `${this.pending.size + this.reserved} exported file(s) are still waiting to be downloaded (at most ${this.maxPending}); they are removed once downloaded or after ${Math.round(this.ttlMs / 60_000)} minutes — try again then`,
      );
    }
    this.reserved += outputs.length;
    // One directory per export, so the files keep their proposed names side by side.
    const dir = mkdtempSync(join(this.dir(), 'export-'));
    const paths: ExportNames = { pcapng: null, html: null };
    for (const o of outputs) paths[o] = join(dir, names[o]!);
    let settled = false;
    const release = (): void => {
      if (settled) return;
      settled = true;
      this.reserved -= outputs.length;
    };
    return {
      paths,
      deliver: (files) => {
        release();
        return files.map((f) => {
          const id = this.add(f.path, DOWNLOAD_CONTENT_TYPE[f.output], f.bytes);
          return { output: f.output, name: basename(f.path), path: null, downloadId: id, bytes: f.bytes, packets: f.packets };
        });
      },
      abandon: () => {
        release();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }

  private add(path: string, contentType: string, bytes: number): string {
    const id = randomBytes(16).toString('hex');
    const timer = this.schedule(() => this.expire(id), this.ttlMs);
    this.pending.set(id, { id, path, name: basename(path), contentType, bytes, timer });
    return id;
  }

  /**
   * Hands a download out, once: it is no longer pending when this returns. The caller sends
   * the file and then calls `done`, which deletes it.
   */
  take(id: string): { download: PendingDownload; done(): void } | null {
    if (!DOWNLOAD_ID.test(id)) return null;
    const e = this.pending.get(id);
    if (!e) return null;
    this.pending.delete(id);
    e.timer.cancel();
    const { timer: _timer, ...download } = e;
    return { download, done: () => removeFile(e.path) };
  }

  private expire(id: string): void {
    const e = this.pending.get(id);
    if (!e) return;
    this.pending.delete(id);
    removeFile(e.path);
  }

  /** Removes every waiting file and the private directory. */
  close(): void {
    this.closed = true;
    for (const e of this.pending.values()) e.timer.cancel();
    this.pending.clear();
    if (this.root) rmSync(this.root, { recursive: true, force: true });
    this.root = null;
  }
}

/** Deletes a file and its export directory once that is empty (the other output may still wait). */
function removeFile(path: string): void {
  rmSync(path, { force: true });
  try {
    rmdirSync(dirname(path));
  } catch {
    // Not empty yet (the export's other file is still pending) or already gone.
  }
}
