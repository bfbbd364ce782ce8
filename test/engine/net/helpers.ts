// Shared test helpers: decode builder-made frames and collect segments + statistics.
import type { CapturedPacket, L4Segment } from '../../../shared/model/packet.ts';
import { Stats } from '../../../shared/model/stats.ts';
import { PacketDecoder, type PacketDecoderOptions } from '../../../shared/engine/net/packet_decoder.ts';

export interface Decoded {
  segs: L4Segment[];
  stats: Stats;
  decoder: PacketDecoder;
}

export function pkt(linkType: number, data: Uint8Array, frame = 1, tsUs = 1_700_000_000_000_000, origLen?: number): CapturedPacket {
  return { frame, tsUs, linkType, buf: data, off: 0, capLen: data.length, origLen: origLen ?? data.length, interfaceId: 0 };
}

/** Decodes frames in order; payloads are copied so they outlive the callback. */
export function decodeFrames(linkType: number, frames: Uint8Array[], opts?: PacketDecoderOptions, tsStepUs = 1000): Decoded {
  const stats = new Stats();
  const decoder = new PacketDecoder(stats, opts);
  const segs: L4Segment[] = [];
  frames.forEach((f, i) => {
    decoder.decode(pkt(linkType, f, i + 1, 1_700_000_000_000_000 + i * tsStepUs), (s) => {
      const payload = s.payload.slice();
      segs.push({ ...s, payload, buf: payload, payloadOff: 0, payloadEnd: payload.length });
    });
  });
  return { segs, stats, decoder };
}

export function text(b: Uint8Array): string {
  return String.fromCharCode(...b);
}

export function statMap(stats: Stats): Record<string, number> {
  return Object.fromEntries(stats.list().map((s) => [s.key, s.count]));
}
