// A second capture of the same traffic, taken at another point with another clock (issue 12):
// every packet of `capture` again, its time moved by the clock offset plus the transit between
// the two points — later for what travels from the first point towards the second, earlier
// for what travels back — and a little deterministic jitter. The truth the alignment tests
// compare against is `offsetUs`.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importFile } from '../../electron/node/ingest/import_file.ts';
import { openIndex, type IndexStore } from '../../electron/node/store/index_store.ts';
import { CaptureReader } from '../../shared/engine/capture/capture_reader.ts';
import { PcapWriter } from '../../shared/engine/capture/capture_writer.ts';
import { concat } from '../../shared/engine/capture/packet_builder.ts';
import { Stats } from '../../shared/model/stats.ts';

export interface SecondPointSpec {
  /** How far the second capture's clock is ahead of the first's, µs (negative: behind). */
  offsetUs: number;
  /** One-way transit between the points, µs. */
  transitUs: number;
  /** IPv4 address (dotted) whose packets travel first point → second point. */
  towardsSecond: string;
  /** Peak jitter added to each packet, µs (uniform in ±jitterUs, from a fixed seed). */
  jitterUs?: number;
  /** Frame numbers (1-based) the second point does not see. */
  lost?: ReadonlySet<number>;
}

/** The second point's capture (classic pcap, Ethernet) of an Ethernet/IPv4 `capture`. */
export function secondCapturePoint(capture: Uint8Array, spec: SecondPointSpec): Uint8Array {
  const w = new PcapWriter({ linkType: 1 });
  const out: Uint8Array[] = [w.header()];
  let seed = 0x2545f491;
  const rand = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return ((seed >>> 0) / 0xffffffff) * 2 - 1;
  };
  const reader = new CaptureReader(new Stats(), (p) => {
    const data = p.buf.slice(p.off, p.off + p.capLen);
    const jitter = (spec.jitterUs ?? 0) * rand();
    if (spec.lost?.has(p.frame)) return;
    // Ethernet (14 bytes), then the IPv4 source address at offset 12 of the IP header.
    const src = Array.from(data.subarray(26, 30)).join('.');
    const transit = src === spec.towardsSecond ? spec.transitUs : -spec.transitUs;
    out.push(w.packet(p.tsUs + spec.offsetUs + transit + jitter, data));
  });
  reader.push(capture);
  reader.end();
  return concat(...out);
}

/** The same capture without some frames (a point that missed them), times unchanged. */
export function withoutFrames(capture: Uint8Array, lost: ReadonlySet<number>): Uint8Array {
  return secondCapturePoint(capture, { offsetUs: 0, transitUs: 0, towardsSecond: '', lost });
}

/** Frame numbers (1-based) of an Ethernet/IPv4 UDP `capture` sent from ip:port. */
export function framesFrom(capture: Uint8Array, ip: string, port: number): number[] {
  const out: number[] = [];
  const reader = new CaptureReader(new Stats(), (p) => {
    const data = p.buf.subarray(p.off, p.off + p.capLen);
    // Ethernet (14) + IPv4 without options (20): the UDP source port at 34.
    if (Array.from(data.subarray(26, 30)).join('.') === ip && ((data[34] << 8) | data[35]) === port) out.push(p.frame);
  });
  reader.push(capture);
  reader.end();
  return out;
}

/**
 * Writes the captures of several points into `dir` and imports them, in order, into a fresh
 * in-memory index; every import must read its file whole. Returns the index and the source ids.
 */
export async function importCapturePoints(dir: string, files: Array<[string, Uint8Array]>): Promise<{ store: IndexStore; ids: number[] }> {
  const store = openIndex(':memory:');
  const ids: number[] = [];
  for (const [name, bytes] of files) {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    const o = await importFile(store, p);
    if (o.error !== null || o.sourceId === null) throw new Error(`${name}: import failed (${o.status}): ${o.error}`);
    ids.push(o.sourceId);
  }
  return { store, ids };
}
