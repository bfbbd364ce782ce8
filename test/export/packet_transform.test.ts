// The per-packet hook a redaction pass plugs into: every selected packet passes through it
// with its role (sip, rtp, rtcp, carrier), and what it returns is what is written.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureReader } from '../../shared/engine/capture/capture_reader.ts';
import type { ExportPacket } from '../../shared/engine/export/selected_packet_writer.ts';
import { Stats } from '../../shared/model/stats.ts';
import { importFile } from '../../electron/node/ingest/import_file.ts';
import { openIndex } from '../../electron/node/store/index_store.ts';
import { findCallsToExport } from '../../electron/node/export/call_packets.ts';
import { exportCallsToPcapng } from '../../electron/node/export/pcapng_export.ts';
import { REPO_ROOT } from '../support/oracle.ts';

const tmp = mkdtempSync(join(tmpdir(), 'calltrace-transform-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function readBack(path: string): Array<{ frame: number; tsUs: number; len: number; origLen: number; first: number }> {
  const out: Array<{ frame: number; tsUs: number; len: number; origLen: number; first: number }> = [];
  const r = new CaptureReader(new Stats(), (p) => out.push({ frame: p.frame, tsUs: p.tsUs, len: p.capLen, origLen: p.origLen, first: p.buf[p.off] }));
  r.push(new Uint8Array(readFileSync(path)));
  expect(r.end().fatal).toBeNull();
  return out;
}

describe('export transform hook', () => {
  it('sees each packet with its role, can drop it or rewrite it', async () => {
    const store = openIndex(':memory:');
    const o = await importFile(store, join(REPO_ROOT, 'test/fixtures/captures/mixed_outcomes.pcapng'));
    const groups = findCallsToExport(store, ['1-mixed-agent_bye@127.0.30.7'], [o.sourceId!]);
    store.close();
    const call = groups[0].calls[0];

    const seen: Record<string, number> = {};
    const frames: number[] = [];
    const plain = join(tmp, 'plain.pcapng');
    await exportCallsToPcapng(groups, plain, {
      transform: (p: ExportPacket) => {
        seen[p.kind] = (seen[p.kind] ?? 0) + 1;
        frames.push(p.frame);
        return p.data;
      },
    });
    expect(seen).toEqual({ sip: call.messages.length, rtp: call.streams.reduce((n, s) => n + s.packets, 0) });
    // In original order, each once.
    expect(frames).toEqual([...frames].sort((a, b) => a - b));
    expect(new Set(frames).size).toBe(frames.length);
    const sipFrames = new Set(call.messages.map((m) => m.frame));
    expect(frames.filter((f) => sipFrames.has(f))).toEqual([...sipFrames].sort((a, b) => a - b));

    // Drop the media, rewrite the SIP packets (shorter: origLen follows).
    const redacted = join(tmp, 'redacted.pcapng');
    const res = await exportCallsToPcapng(groups, redacted, {
      transform: (p) => (p.kind === 'rtp' ? null : Uint8Array.from(p.data.subarray(0, 60), () => 0xab)),
    });
    expect(res.dropped).toBe(seen.rtp);
    expect(res.packets).toBe(seen.sip);
    const before = readBack(plain);
    const after = readBack(redacted);
    expect(after.length).toBe(call.messages.length);
    const sipBefore = before.filter((_, i) => sipFrames.has(frames[i]));
    for (let i = 0; i < after.length; i++) {
      expect(after[i]).toMatchObject({ len: 60, first: 0xab, tsUs: sipBefore[i].tsUs, origLen: sipBefore[i].origLen - sipBefore[i].len + 60 });
    }
  });
});
