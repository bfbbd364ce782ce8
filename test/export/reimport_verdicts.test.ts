// An exported call, imported again, is the same call: the same SIP messages, streams and
// verdict as in the capture it came from (the export keeps what the diagnosis reads — the
// packets, their times, and the recording's window from the ISBs). Every call of every
// fixture capture (labelled ones and captures from the field).

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importFile } from '../../electron/node/ingest/import_file.ts';
import { openIndex } from '../../electron/node/store/index_store.ts';
import { findCallsToExport } from '../../electron/node/export/call_packets.ts';
import { exportCallsToPcapng } from '../../electron/node/export/pcapng_export.ts';
import { REPO_ROOT } from '../support/oracle.ts';

const DIRS = ['captures', 'field'].map((d) => join(REPO_ROOT, 'test/fixtures', d));
const tmp = mkdtempSync(join(tmpdir(), 'calltrace-reimport-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Captures with no call to export. */
const NO_CALLS = new Set(['rtp_mirror_vxlan.pcap']);
const files = DIRS.flatMap((d) => readdirSync(d).filter((f) => /\.(pcap|pcapng|gz)$/.test(f)).filter((f) => !NO_CALLS.has(f)).sort().map((f) => ({ dir: d, f })));

describe('an exported call imported again', () => {
  for (const { dir, f } of files) {
    it(`${f}: every call keeps its messages, streams and verdict`, async () => {
      const store = openIndex(':memory:');
      try {
        const o = await importFile(store, join(dir, f));
        expect(o.error).toBeNull();
        const calls = store.listCalls({ sourceId: o.sourceId!, limit: 1e6 });
        expect(calls.length).toBeGreaterThan(0);
        for (const [i, call] of calls.entries()) {
          const out = join(tmp, `${f}.${i}.pcapng`);
          await exportCallsToPcapng(findCallsToExport(store, [call.callId], [o.sourceId!]), out);
          const again = openIndex(':memory:');
          try {
            const r = await importFile(again, out);
            expect(r.error).toBeNull();
            const back = again.listCalls({ limit: 10 });
            expect(back.map((c) => c.callId)).toEqual([call.callId]);
            const pick = (c: typeof call) => ({
              bucket: c.bucket, cause: c.cause, sipMessages: c.sipMessages, sipRetransmissions: c.sipRetransmissions,
              streamCount: c.streamCount, answered: c.answered, finalStatus: c.finalStatus, endMethod: c.endMethod,
              endedBy: c.endedBy, durationMs: c.durationMs, startUs: c.startUs,
            });
            expect(pick(back[0]), `${call.callId}`).toEqual(pick(call));
            const streams = (id: number, s: typeof store) => s.getCall(id)!.streams.map((x) => ({ ssrc: x.ssrc, src: x.src, dst: x.dst, packets: x.packets, lost: x.lost, maxJitterMs: x.maxJitterMs }));
            expect(streams(back[0].id, again)).toEqual(streams(call.id, store));
          } finally {
            again.close();
          }
        }
      } finally {
        store.close();
      }
    });
  }
});
