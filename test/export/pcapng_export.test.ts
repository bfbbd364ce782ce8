// Per-call pcapng export, checked by tshark: for the exported calls the export must show
// the same SIP messages per Call-ID and the same RTP stream figures as the original capture,
// nothing of another call, the original timestamps, and a comment naming call, verdict and
// source. Real captures (project fixtures and the public corpus), real index, real tshark.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bucketName } from '../../shared/diagnosis/buckets.ts';
import type { Bucket } from '../../shared/model/verdict.ts';
import { endpointKey } from '../../shared/model/packet.ts';
import { importFile } from '../../electron/node/ingest/import_file.ts';
import { openIndex } from '../../electron/node/store/index_store.ts';
import { findCallsToExport } from '../../electron/node/export/call_packets.ts';
import { exportCallsToPcapng } from '../../electron/node/export/pcapng_export.ts';
import { CORPUS_DIR, REPO_ROOT, corpusPresent } from '../support/oracle.ts';
import { TSHARK, figures, rtpStreams, sipCounts, tshark, tsharkPresent } from '../support/tshark_export.ts';

if (!tsharkPresent) console.warn(`\n*** ${TSHARK} is absent: the export tests that need tshark did NOT run. ***\n`);
if (!corpusPresent) console.warn(`\n*** ${CORPUS_DIR} is absent: the corpus export tests did NOT run (reported as skipped). ***\n`);

const tmp = mkdtempSync(join(tmpdir(), 'calltrace-export-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const streamKey = (s: { src: string; srcPort: number; dst: string; dstPort: number; ssrc: number }): string =>
  `${endpointKey(s.src, s.srcPort)}>${endpointKey(s.dst, s.dstPort)}#${s.ssrc >>> 0}`;

/** The figures the issue asks to keep, per stream. */

/** (epoch time, length) of every frame, as tshark prints it (nanosecond digits). */
function frameTimes(file: string): string[] {
  return tshark(file, ['-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.len', '-e', 'frame.cap_len']).split('\n').filter(Boolean);
}

interface Case {
  file: string;
  callIds: string[];
  /** tshark decode hints (e.g. SIP on a non-standard TCP port). */
  hint?: string[];
  /** Something this capture is here for: fragments, TCP segments, RTCP, ICMP, nanoseconds. */
  expectFilter?: string;
}

async function exportAndCheck(c: Case): Promise<void> {
  const hint = c.hint ?? [];
  const store = openIndex(':memory:');
  try {
    const imported = await importFile(store, c.file);
    expect(imported.error, imported.error ?? '').toBeNull();
    const groups = findCallsToExport(store, c.callIds, [imported.sourceId!]);
    const calls = groups.flatMap((g) => g.calls);
    expect(calls.length).toBeGreaterThanOrEqual(c.callIds.length);
    const out = join(tmp, `${basename(c.file)}.${c.callIds.length}.pcapng`);
    const res = await exportCallsToPcapng(groups, out);

    // SIP: the same count per exported Call-ID, and no other Call-ID.
    const orig = sipCounts(c.file, hint);
    const exp = sipCounts(out, hint);
    const want = new Map(c.callIds.map((id) => [id, orig.get(id) ?? 0]));
    expect([...want.values()].every((n) => n > 0), 'tshark sees the calls in the original').toBe(true);
    expect(Object.fromEntries(exp)).toEqual(Object.fromEntries(want));

    // RTP: every stream of the calls with the original's figures; no stream of another call.
    const ours = new Set(calls.flatMap((x) => x.streams.map(streamKey)));
    const origStreams = new Map(rtpStreams(c.file, hint).filter((s) => ours.has(streamKey(s))).map((s) => [streamKey(s), figures(s)]));
    const expStreams = rtpStreams(out, hint);
    for (const s of expStreams) expect(ours.has(streamKey(s)), `stream ${streamKey(s)} belongs to the exported calls`).toBe(true);
    expect(Object.fromEntries(expStreams.map((s) => [streamKey(s), figures(s)]))).toEqual(Object.fromEntries(origStreams));

    // Original timestamps (to the nanosecond digit tshark prints) and lengths.
    const origTimes = new Map<string, number>();
    for (const t of frameTimes(c.file)) origTimes.set(t, (origTimes.get(t) ?? 0) + 1);
    const expTimes = frameTimes(out);
    expect(expTimes.length).toBe(res.packets);
    for (const t of expTimes) {
      const n = origTimes.get(t) ?? 0;
      expect(n, `exported frame ${t} is an original frame`).toBeGreaterThan(0);
      origTimes.set(t, n - 1);
    }

    // The comments name call, verdict and source: on the first packet of each call and in the section header.
    const comments = tshark(out, ['-T', 'fields', '-e', 'frame.comment']).split('\n').filter(Boolean).join('\n');
    const capinfos = spawnSync('capinfos', [out], { encoding: 'utf8' }).stdout;
    for (const call of calls) {
      const verdict = call.bucket === null ? bucketName(null) : bucketName(call.bucket as Bucket);
      for (const text of [comments, capinfos]) {
        expect(text).toContain(call.callId);
        expect(text).toContain(verdict);
        if (call.cause) expect(text).toContain(call.cause);
        expect(text).toContain(basename(c.file));
      }
    }
    if (c.expectFilter) expect(tshark(out, [...hint, '-Y', c.expectFilter]).trim().length, `the export holds ${c.expectFilter}`).toBeGreaterThan(0);
  } finally {
    store.close();
  }
}

const FIX = join(REPO_ROOT, 'test/fixtures');

describe.runIf(tsharkPresent)('export --pcap on project fixtures, checked by tshark', () => {
  const cases: Case[] = [
    { file: `${FIX}/captures/mixed_outcomes.pcapng`, callIds: ['1-mixed-agent_bye@127.0.30.7'] },
    { file: `${FIX}/captures/mixed_outcomes.pcapng`, callIds: ['1-mixed-sip_486@127.0.30.3', '1-mixed-rtp_timeout_oneway@127.0.30.9'] },
    { file: `${FIX}/captures/tcp_caller_hangup_short.pcapng`, callIds: ['1-tcp_caller_hangup_short@127.0.27.1'], expectFilter: 'tcp.len > 0' },
    { file: `${FIX}/captures/ipv6_agent_bye.pcapng`, callIds: ['1-ipv6_agent_bye@::1'], expectFilter: 'ipv6' },
    { file: `${FIX}/captures/agent_bye_classic.pcap`, callIds: ['1-agent_bye_classic@127.0.29.1'] },
    { file: `${FIX}/captures/agent_bye_classic.pcap.gz`, callIds: ['1-agent_bye_classic@127.0.29.1'] },
    { file: `${FIX}/synthetic/ipv4_frag_out_of_order.pcap`, callIds: ['ipv4-frag-out-of-order-1012@calltrace.test'], expectFilter: 'ip.flags.mf == 1' },
    { file: `${FIX}/synthetic/ipv6_frag_in_order.pcap`, callIds: ['ipv6-frag-in-order-1013@calltrace.test'], expectFilter: 'ipv6.fragment' },
    { file: `${FIX}/synthetic/pcap_nanosecond.pcap`, callIds: ['pcap-nanosecond-1026@calltrace.test'] },
    { file: `${FIX}/synthetic/pcapng_two_links.pcapng`, callIds: ['pcapng-two-links-1028@calltrace.test'] },
    { file: `${FIX}/synthetic/sip_tcp.pcap`, callIds: ['sip-tcp-1019@calltrace.test'], expectFilter: 'tcp.len > 0' },
    // An INVITE in two SCTP DATA chunks of two packets.
    { file: `${FIX}/synthetic/sip_sctp.pcap`, callIds: ['sip-sctp-1024@calltrace.test'], expectFilter: 'sctp' },
    // SIP over WebSocket: the Upgrade handshake goes too, or tshark reads no WebSocket.
    { file: `${FIX}/synthetic/sip_websocket.pcap`, callIds: ['sip-websocket-1020@calltrace.test'], expectFilter: 'websocket' },
    { file: `${FIX}/field/g722_two_interfaces.pcapng`, callIds: ['g722-wrap-4711@10.20.0.10'] },
    { file: `${FIX}/field/icmp_port_unreachable.pcap`, callIds: ['bye-bounce-1@10.50.0.10'], expectFilter: 'icmp.type == 3' },
  ];
  for (const c of cases) {
    it(`${basename(c.file)}: ${c.callIds.join(' + ')}`, async () => {
      await exportAndCheck(c);
    });
  }
});

describe.runIf(tsharkPresent && corpusPresent)(`export --pcap on corpus captures (${CORPUS_DIR}), checked by tshark`, () => {
  const P = join(CORPUS_DIR, 'pcap');
  const cases: Case[] = [
    // IPv4 fragments carrying SIP, and RTCP.
    { file: `${P}/gprshome_sip_ipfrag_refer_rtcp.pcap`, callIds: ['ZTU2MDY4NTY4YjgwOTQ0ZTExMDZiNjdkZjlmZDYxMzg.'], expectFilter: 'rtcp' },
    // IPv6 fragments on Linux cooked capture.
    { file: `${P}/sngrep_ipv6frag_sll.pcap`, callIds: ['71846-1647924829-397430@fd17:625c:f037:2:a00:27ff:feb9:1521'], expectFilter: 'ipv6.fragment' },
    // SIP messages segmented over TCP (port 6060, so tshark needs the hint).
    { file: `${P}/heplify_sip_tcp_segmented_port6060.pcap`, callIds: ['17c0b3b3-dfd2-42ac-9018-6156179021c0'], hint: ['-d', 'tcp.port==6060,sip'], expectFilter: 'tcp.segments' },
    { file: `${P}/heplify_sip_websocket.pcap`, callIds: ['kovfhoptshgn59q712sr'], expectFilter: 'websocket' },
    { file: `${P}/heplify_sip_sctp_sll.pcap`, callIds: ['717B2539AD2002C9152DC497@0870ffffffff'], expectFilter: 'sctp' },
    { file: `${P}/ws_sip_rtp_g711.pcap`, callIds: [] },
  ];
  for (const c of cases) {
    it(`${basename(c.file)}: ${c.callIds.join(' + ') || 'its first call'}`, async () => {
      if (c.callIds.length === 0) {
        // The call of the capture, whatever its Call-ID: the first INVITE dialog the index holds.
        const store = openIndex(':memory:');
        const o = await importFile(store, c.file);
        const first = store.listCalls({ sourceId: o.sourceId! }).find((x) => x.kind === 'call');
        store.close();
        expect(first).toBeDefined();
        c.callIds = [first!.callId];
      }
      await exportAndCheck(c);
    });
  }
});
