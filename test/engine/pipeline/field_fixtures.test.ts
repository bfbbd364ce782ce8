// The field-shaped fixtures (test/fixtures/field, issue 9 "Truth on captures from the field"):
// each rebuilds a situation where a capture from outside gave figures different from tshark's.
//  (a) the committed files are what make_field.ts builds, byte for byte;
//  (b) through the CLI path (importCapture → index → buildAnalyzeDocument), our RTP streams
//      and per-Call-ID SIP counts equal tshark's on each file, run here;
//  (c) the facts a file exists for: the wrapped G.722 stream is measured, the duplicates
//      are counted, and SIP quoted in ICMP errors is counted, marked and changes nothing else.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildAnalyzeDocument, type AnalyzeDocument, type StreamDoc } from '../../../electron/node/cli/call_document.ts';
import { importCapture } from '../../../electron/node/ingest/import_capture.ts';
import { openIndex } from '../../../electron/node/store/index_store.ts';
import { CaptureAnalyzer, type AnalyzedCall } from '../../../shared/engine/capture_analyzer.ts';
import { PacketDecoder } from '../../../shared/engine/net/packet_decoder.ts';
import { concat, ethernet, ipv4, udp } from '../../../shared/engine/capture/packet_builder.ts';
import type { CallFacts } from '../../../shared/model/call.ts';
import { Stats } from '../../../shared/model/stats.ts';
import {
  FIELD_DIR, FIELD_FILES, G722_FIRST_TS, ICMP4_BYE_AT_MS, ICMP4_CALL_ID, ICMP4_OPTIONS_CALL_ID, ICMP6_CALL_ID, ICMP6_INVITE_AT_MS,
  SPAN_CALLER_PACKETS, SPAN_DUPLICATES, SPAN_FIRST_SEQ, SPIRAL_BOUNCED, SPIRAL_CALL_ID, VXLAN_COPIES, buildAll,
} from '../../fixtures/field/make_field.ts';
import { parseOracleStreams, type OracleStream } from '../../support/oracle.ts';

const built = buildAll();
const HAS_TSHARK = spawnSync('tshark', ['-v'], { encoding: 'utf8' }).status === 0;
if (!HAS_TSHARK) {
  console.error('\n!!!!!!!! tshark NOT FOUND: the field fixtures are NOT compared with tshark (those tests are SKIPPED, not passed) !!!!!!!!\n');
}

function tshark(args: string[]): string {
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`tshark ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

const path = (file: string): string => join(FIELD_DIR, file);
const tsharkStreams = (file: string): OracleStream[] => parseOracleStreams(tshark(['-r', path(file), '-q', '-o', 'rtp.heuristic_rtp:TRUE', '-z', 'rtp,streams']));

/** tshark's SIP messages per Call-ID (what the corpus oracle records); a frame with several lists them comma-joined. */
function tsharkSipCounts(file: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of tshark(['-r', path(file), '-Y', 'sip', '-T', 'fields', '-e', 'sip.Call-ID']).split('\n')) {
    if (line === '') continue;
    for (const id of line.split(',')) counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}

/** `-z sip,stat`: "Number of SIP messages: N" (its tap leaves SIP inside ICMP errors out). */
function tsharkSipStatTotal(file: string): number {
  const m = /Number of SIP messages: (\d+)/.exec(tshark(['-r', path(file), '-q', '-z', 'sip,stat']));
  return m ? Number(m[1]) : NaN;
}

interface Analyzed {
  doc: AnalyzeDocument;
  facts: Map<string, CallFacts>;
  stats: Map<string, number>;
}

/** The CLI path: file → engine → SQLite index → the analyze document, plus each call's stored facts. */
async function analyzeFile(file: string): Promise<Analyzed> {
  const store = openIndex(':memory:');
  try {
    const out = await importCapture(store, path(file));
    expect(out.status, out.error ?? '').toBe('ok');
    const doc = buildAnalyzeDocument(store, [out.sourceId!]);
    const facts = new Map<string, CallFacts>();
    for (const c of doc.calls) facts.set(c.callId, store.getCall(store.findCallsByCallId(c.callId)[0].id)!.facts);
    const stats = new Map(store.sourceStats(out.sourceId!).map((s) => [s.key, s.count]));
    return { doc, facts, stats };
  } finally {
    store.close();
  }
}

/** The engine alone on bytes built in memory (the ICMP fixtures without their ICMP errors). */
function engineFacts(bytes: Uint8Array): Map<string, CallFacts> {
  const calls: AnalyzedCall[] = [];
  const a = new CaptureAnalyzer({ call: (c) => calls.push(c), unassociatedStream: () => {}, unassociatedRtcp: () => {} });
  a.push(bytes);
  a.end();
  return new Map(calls.map((c) => [c.facts.callId, c.facts]));
}

const allStreams = (doc: AnalyzeDocument): StreamDoc[] => [...doc.calls.flatMap((c) => c.streams), ...doc.unassociatedStreams];

function findStream(doc: AnalyzeDocument, s: OracleStream): StreamDoc | undefined {
  return allStreams(doc).find((x) => x.src === `${s.src}:${s.srcPort}` && x.dst === `${s.dst}:${s.dstPort}` && parseInt(x.ssrc, 16) === s.ssrc);
}

/** Every stream tshark lists is ours too: packets and lost equal, delta and jitter within 0.01 ms (the corpus test's bar). */
function expectStreamsAgree(doc: AnalyzeDocument, theirs: OracleStream[]): void {
  expect(theirs.length).toBeGreaterThan(0);
  expect(allStreams(doc)).toHaveLength(theirs.length);
  for (const s of theirs) {
    const name = `${s.src}:${s.srcPort} → ${s.dst}:${s.dstPort} SSRC 0x${s.ssrc.toString(16)} (${s.payload})`;
    const m = findStream(doc, s);
    expect(m, `stream ${name} missing`).toBeDefined();
    expect({ name, packets: m!.packets, lost: m!.lost }).toEqual({ name, packets: s.packets, lost: s.lost });
    for (const [ours, tsharks, what] of [
      [m!.maxDeltaMs, s.maxDelta, 'max delta'], [m!.meanDeltaMs, s.meanDelta, 'mean delta'],
      [m!.maxJitterMs, s.maxJitter, 'max jitter'], [m!.meanJitterMs, s.meanJitter, 'mean jitter'],
    ] as const) {
      expect(Math.abs(ours - tsharks), `${name} ${what}: ours ${ours}, tshark ${tsharks}`).toBeLessThanOrEqual(0.01);
    }
  }
}

/** The facts with the ICMP-quoted messages taken out: what a capture without the ICMP errors gives. */
function withoutQuotes(f: CallFacts): Omit<CallFacts, 'messages' | 'sipMessages' | 'icmpErrors'> & { messages: CallFacts['messages'] } {
  const { messages, sipMessages: _n, icmpErrors: _e, ...rest } = f;
  return { ...rest, messages: messages.filter((m) => !m.quoted) };
}

describe('field fixtures: make_field.ts is the source of truth', () => {
  it('the directory holds exactly the generated captures', () => {
    const onDisk = readdirSync(FIELD_DIR).filter((f) => /\.(pcap|pcapng)$/.test(f)).sort();
    expect(onDisk).toEqual([...built.keys()].sort());
  });

  it.each([...built.keys()])('%s regenerates byte for byte', (file) => {
    const disk = new Uint8Array(readFileSync(path(file)));
    const mem = built.get(file)!;
    expect(disk.length).toBe(mem.length);
    const firstDiff = disk.findIndex((b, i) => b !== mem[i]);
    expect(firstDiff, `first differing byte at offset ${firstDiff}`).toBe(-1);
  });
});

describe.runIf(HAS_TSHARK)('field fixtures: our figures against tshark', () => {
  it('g722_two_interfaces.pcapng: a stream whose RTP timestamp wraps, and one on a second interface with ns units and a negative if_tsoffset, both measured as tshark measures them', async () => {
    const file = 'g722_two_interfaces.pcapng';
    const { doc, facts } = await analyzeFile(file);
    const theirs = tsharkStreams(file);
    expectStreamsAgree(doc, theirs);
    expect(Object.fromEntries([...facts].map(([id, f]) => [id, f.sipMessages]))).toEqual(tsharkSipCounts(file));

    // The symptom from the field: this stream came out with max delta 0 and jitter 0 (every
    // packet after the wrap was "wrong timestamp"). Its first timestamp is one packet short of 2^32.
    expect(G722_FIRST_TS + 160).toBe(2 ** 32);
    const wrapped = allStreams(doc).find((s) => s.payloadType === 9)!;
    expect(wrapped.maxDeltaMs).toBeGreaterThan(50);
    expect(wrapped.maxJitterMs).toBeGreaterThan(5);
    // The other one moved interfaces: its times, in two units and offsets, are one clock.
    const second = allStreams(doc).find((s) => s.payloadType === 109)!;
    expect(second.maxDeltaMs).toBeLessThan(30);
    // G.722's RTP clock: 8000 Hz for PT 9 whatever the SDP says (RFC 3551 §4.5.2, Wireshark's
    // clock_map); a dynamic PT takes the rtpmap's rate, here the common-but-wrong 16000.
    const call = [...facts.values()][0];
    expect(call.streams.map((s) => [s.payloadType, s.clockRate]).sort()).toEqual([[109, 16000], [9, 8000]]);
  });

  it('rtp_span_duplicates.pcapng: six packets seen twice by a SPAN session are all counted (lost −6), as tshark counts them', async () => {
    const file = 'rtp_span_duplicates.pcapng';
    const { doc } = await analyzeFile(file);
    const theirs = tsharkStreams(file);
    expectStreamsAgree(doc, theirs);
    expect(Object.fromEntries(doc.calls.map((c) => [c.callId, c.sipMessages]))).toEqual(tsharkSipCounts(file));
    const dup = allStreams(doc).find((s) => s.packets > SPAN_CALLER_PACKETS)!;
    expect(dup.packets).toBe(SPAN_CALLER_PACKETS + SPAN_DUPLICATES.length);
    expect(dup.lost).toBe(-SPAN_DUPLICATES.length);
    // Each duplicate is one sequence error (seq ≠ previous + 1), the one across 65535 → 0 too;
    // tshark prints no count, only its "Problems?" X, which it sets for this stream alone.
    expect(SPAN_FIRST_SEQ + SPAN_DUPLICATES.find((d) => d.how.includes('65535'))!.index).toBe(65535);
    expect(dup.sequenceErrors).toBe(SPAN_DUPLICATES.length);
    expect(theirs.map((s) => s.problem).sort()).toEqual([false, true]);
    expect(allStreams(doc).filter((s) => s !== dup).map((s) => s.sequenceErrors)).toEqual([0]);
  });

  it('rtp_mirror_vxlan.pcap: copies that arrive VXLAN-encapsulated (cloud traffic mirroring) count like tshark once VXLAN is decoded', async () => {
    const file = 'rtp_mirror_vxlan.pcap';
    const { doc } = await analyzeFile(file);
    const theirs = tsharkStreams(file);
    expect(theirs).toHaveLength(1);
    expect(theirs[0]).toMatchObject({ packets: 100 + VXLAN_COPIES.length, lost: -VXLAN_COPIES.length });
    if (decodesVxlan()) {
      expectStreamsAgree(doc, theirs);
    } else {
      // This build has no VXLAN decoder (it comes with the link-layer work on the `links`
      // branch): the tunnelled copies are exactly what we miss — the "6 fewer packets than
      // tshark" of the field report. Once VXLAN is decoded the branch above applies.
      console.warn(`\n*** ${file}: VXLAN is not decoded in this build; tshark counts ${VXLAN_COPIES.length} more packets (the tunnelled copies) ***\n`);
      const ours = allStreams(doc);
      expect(ours).toHaveLength(1);
      expect(ours[0]).toMatchObject({ packets: theirs[0].packets - VXLAN_COPIES.length, lost: 0 });
    }
  });

  it('sip_spiral_483.pcap: a Call-ID looping through two proxies to 483, its bounced responses counted as tshark counts them', async () => {
    const file = 'sip_spiral_483.pcap';
    const { doc, facts } = await analyzeFile(file);
    const counts = tsharkSipCounts(file);
    expect(Object.fromEntries(doc.calls.map((c) => [c.callId, c.sipMessages]))).toEqual(counts);
    const f = facts.get(SPIRAL_CALL_ID)!;
    // Nothing is dropped as a duplicate: each pass through a proxy is a new hop (new Via branch,
    // Max-Forwards one lower), not a retransmission. The real ones: the UAC's INVITE once, PA's
    // 100 to it once, PA's 483 to it twice.
    expect(f.sipRetransmissions).toBe(4);
    expect(f.messages.filter((m) => m.retransmission).map((m) => m.label)).toEqual(['INVITE', '100 Trying', '483 Too Many Hops', '483 Too Many Hops']);
    expect(f.messages.filter((m) => m.label === 'INVITE' && !m.quoted)).toHaveLength(10);
    // What the old count missed: the five responses the UAC's host bounced, quoted in ICMP
    // port unreachables. tshark's per-Call-ID count has them; its -z sip,stat total leaves
    // SIP inside ICMP errors out, and so equals the messages seen on the wire.
    expect(f.icmpErrors.map((e) => [e.quotedLabel, e.portUnreachable, e.from])).toEqual(SPIRAL_BOUNCED.map((l) => [l, true, '10.40.0.10']));
    expect(doc.calls[0].sipQuoted).toBe(SPIRAL_BOUNCED.length);
    expect(tsharkSipStatTotal(file)).toBe(f.sipMessages - SPIRAL_BOUNCED.length);
    expect([f.finalStatus, f.answered, f.endMethod]).toEqual([483, false, 'final_error']);
    // The quoted copies change nothing else.
    const bare = engineFacts(FIELD_FILES.find((x) => x.file === file)!.build(false)).get(SPIRAL_CALL_ID)!;
    expect(withoutQuotes(f)).toEqual(withoutQuotes(bare));
    expect(bare.icmpErrors).toEqual([]);
  });

  it('icmp_port_unreachable.pcap: each bounced BYE is counted on its call, quoted, and changes no transmission count; quoted RTP is not media', async () => {
    const file = 'icmp_port_unreachable.pcap';
    const { doc, facts, stats } = await analyzeFile(file);
    const counts = tsharkSipCounts(file);
    // The one documented difference: the router quoted the OPTIONS only up to the middle of its
    // Call-ID. tshark counts that quote on the half Call-ID 'options-p'; we attribute a quote
    // to no call when its Call-ID line is cut (sip.icmp_quoted_no_call_id).
    const half = Object.keys(counts).filter((id) => id !== ICMP4_OPTIONS_CALL_ID && ICMP4_OPTIONS_CALL_ID.startsWith(id));
    expect(half).toEqual(['options-p']);
    expect(stats.get('sip.icmp_quoted_no_call_id')).toBe(1);
    delete counts[half[0]];
    expect(Object.fromEntries(doc.calls.map((c) => [c.callId, c.sipMessages]))).toEqual(counts);
    expectStreamsAgree(doc, tsharkStreams(file));

    const f = facts.get(ICMP4_CALL_ID)!;
    const byes = ICMP4_BYE_AT_MS.length;
    expect(f.icmpErrors).toHaveLength(byes);
    for (const e of f.icmpErrors) {
      expect(e).toMatchObject({ from: '10.50.0.20', type: 3, code: 3, portUnreachable: true, quotedLabel: 'BYE', quotedCseq: 102, quotedCseqMethod: 'BYE' });
      expect(f.messages[e.messageIndex]).toMatchObject({ label: 'BYE', quoted: true, retransmission: false, src: '10.50.0.10:5060', dst: '10.50.0.20:5060', frame: e.frame, tsUs: e.tsUs });
      // Each error follows its BYE by 180 µs.
      expect(f.messages[e.messageIndex - 1]).toMatchObject({ label: 'BYE', tsUs: e.tsUs - 180 });
      expect(f.messages[e.messageIndex - 1].quoted).toBeUndefined();
    }
    expect([f.endMethod, f.endedBy, f.endTransmissions, f.endAnswered, f.sipRetransmissions]).toEqual(['BYE', 'caller', byes, false, byes - 1]);
    expect(doc.calls.find((c) => c.callId === ICMP4_CALL_ID)!.sipQuoted).toBe(byes);
    expect(facts.get(ICMP4_OPTIONS_CALL_ID)!.icmpErrors).toEqual([]);
    const bare = engineFacts(FIELD_FILES.find((x) => x.file === file)!.build(false));
    expect(withoutQuotes(f)).toEqual(withoutQuotes(bare.get(ICMP4_CALL_ID)!));
  });

  it('icmp6_port_unreachable.pcapng: an INVITE bounced by ICMPv6 four times is still an unanswered INVITE sent four times', async () => {
    const file = 'icmp6_port_unreachable.pcapng';
    const { doc, facts } = await analyzeFile(file);
    expect(Object.fromEntries(doc.calls.map((c) => [c.callId, c.sipMessages]))).toEqual(tsharkSipCounts(file));
    const f = facts.get(ICMP6_CALL_ID)!;
    const n = ICMP6_INVITE_AT_MS.length;
    expect(f.sipMessages).toBe(2 * n);
    expect(f.icmpErrors.map((e) => [e.type, e.code, e.portUnreachable, e.from, e.quotedLabel])).toEqual(new Array(n).fill([1, 4, true, '2001:db8:60::20', 'INVITE']));
    expect(f.messages.filter((m) => m.quoted).map((m) => [m.src, m.dst])).toEqual(new Array(n).fill(['[2001:db8:60::10]:5060', '[2001:db8:60::20]:5060']));
    expect([f.inviteTransmissions, f.inviteUnanswered, f.answered, f.finalStatus, f.sipRetransmissions]).toEqual([n, true, false, null, n - 1]);
    expect(tsharkSipStatTotal(file)).toBe(n);
    const bare = engineFacts(FIELD_FILES.find((x) => x.file === file)!.build(false));
    expect(withoutQuotes(f)).toEqual(withoutQuotes(bare.get(ICMP6_CALL_ID)!));
  });
});

if (!HAS_TSHARK) {
  describe('SKIPPED: tshark is not installed — the field fixtures are NOT compared with tshark', () => {
    it.skip('needs tshark on the PATH', () => {});
  });
}

/** Whether this build's decoder opens VXLAN (UDP 4789): a probe, so the test above follows the decoder. */
function decodesVxlan(): boolean {
  const inner = ethernet({ type: 0x0800 }, ipv4({ src: '192.0.2.1', dst: '192.0.2.2', proto: 17 }, udp(1000, 2000, new Uint8Array(4))));
  const frame = ethernet({ type: 0x0800 }, ipv4({ src: '198.51.100.1', dst: '198.51.100.2', proto: 17 }, udp(50000, 4789, concat(Uint8Array.of(8, 0, 0, 0, 0, 0, 1, 0), inner))));
  let inside = false;
  new PacketDecoder(new Stats()).decode({ frame: 1, tsUs: 0, linkType: 1, buf: frame, off: 0, capLen: frame.length, origLen: frame.length, interfaceId: 0 }, (s) => {
    if (s.src === '192.0.2.1') inside = true;
  });
  return inside;
}
