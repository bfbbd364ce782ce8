// The capture analyzer decodes with reuseSegments (one L4Segment object refilled for every
// packet, to spare the garbage collector on multi-GB imports). That is only safe if the
// reused object says exactly what a fresh one would: checked here segment by segment, on
// every fixture and corpus capture, inside the callback where a consumer reads it.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureReader } from '../../../shared/engine/capture/capture_reader.ts';
import { PacketDecoder } from '../../../shared/engine/net/packet_decoder.ts';
import type { L4Segment } from '../../../shared/model/packet.ts';
import { Stats } from '../../../shared/model/stats.ts';
import { CORPUS_DIR, REPO_ROOT } from '../../support/oracle.ts';

function captures(): string[] {
  const out: string[] = [];
  for (const dir of [join(REPO_ROOT, 'test/fixtures/captures'), join(CORPUS_DIR, 'pcap')]) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) if (/\.(pcap|pcapng|cap)$/.test(f)) out.push(join(dir, f));
  }
  return out;
}

/** Every field of each segment, read during the callback; payload as a digest. */
function decodeAll(bytes: Uint8Array, reuseSegments: boolean): { segs: string[]; stats: string } {
  const stats = new Stats();
  const decoder = new PacketDecoder(stats, { reuseSegments });
  const segs: string[] = [];
  const seen = new Set<L4Segment>();
  const reader = new CaptureReader(stats, (pkt) => decoder.decode(pkt, (s) => {
    seen.add(s);
    // Field by field in a fixed order (a fresh TCP segment gets `tcp` last, the reused one has it throughout).
    segs.push(JSON.stringify([s.frame, s.tsUs, s.ipVersion, s.src, s.dst, s.proto, s.srcPort, s.dstPort, s.tcp ?? null,
      s.vlans, s.tunnels, s.truncated === true, createHash('sha1').update(s.payload).digest('hex'),
      // The range the per-packet paths read in place must hold the same bytes as the view.
      createHash('sha1').update(s.buf.subarray(s.payloadOff, s.payloadEnd)).digest('hex')]));
  }));
  reader.push(bytes);
  reader.end();
  decoder.end();
  if (reuseSegments && segs.length > 0) expect(seen.size).toBe(1);
  return { segs, stats: JSON.stringify(stats.list()) };
}

describe('PacketDecoder reuseSegments', () => {
  const files = captures();
  it('finds captures to check', () => expect(files.length).toBeGreaterThan(10));
  it.each(files.map((f) => [f.slice(f.lastIndexOf('/') + 1), f]))('emits the same segments as fresh objects: %s', (_name, file) => {
    const bytes = readFileSync(file);
    const fresh = decodeAll(bytes, false);
    const reused = decodeAll(bytes, true);
    expect(reused.segs.length).toBe(fresh.segs.length);
    expect(reused.segs).toEqual(fresh.segs);
    expect(reused.stats).toBe(fresh.stats);
  });
});
