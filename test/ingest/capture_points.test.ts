// A call captured at two points, merged (issue 12): one ladder on the reference's clock, one
// measurement per stream saying where it was measured, and the verdict on those. Fixtures
// are written with the project's capture writer from one call (test/support): the caller's
// side sees everything but the 100 Trying; the callee's side, its clock 2.5 s ahead and
// 1.5 ms further along the path, misses the 180 Ringing and — in the lossy variant — every
// tenth RTP packet from the caller. tshark, when present, counts each file's streams.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { callDetailOf } from '../../electron/node/api/call_detail.ts';
import { buildAnalyzeDocument } from '../../electron/node/cli/call_document.ts';
import { formatCallTable } from '../../electron/node/cli/call_table.ts';
import { buildHtmlReport } from '../../electron/node/export/html_report.ts';
import type { IndexStore } from '../../electron/node/store/index_store.ts';
import { mergeCapturePoints } from '../../shared/merge/capture_points.ts';
import type { CallStream } from '../../shared/model/call.ts';
import type { Verdict } from '../../shared/model/verdict.ts';
import { buildCallCapture } from '../support/call_capture.ts';
import { stream } from '../renderer/call/call_fixture.ts';
import { framesFrom, importCapturePoints, secondCapturePoint, withoutFrames } from '../support/second_capture_point.ts';
import { rtpStreams, tsharkPresent } from '../support/tshark_export.ts';

const tmp = mkdtempSync(join(tmpdir(), 'calltrace-points-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const T0 = Date.UTC(2026, 10, 3, 9, 0, 0) * 1000;
const OFFSET_US = 2_500_000;
const TRANSIT_US = 1_500;
const CALLER = '10.1.0.1';
const CALLEE = '10.2.0.1';

const full = buildCallCapture({ callId: 'points@10.1.0.1', from: '5551234', to: '6001', startUs: T0, talkS: 2 });
const callerRtp = framesFrom(full, CALLER, 20000);
const calleeRtp = framesFrom(full, CALLEE, 30000);
/** Frames 2 and 3 of the capture: the 100 Trying and the 180 Ringing. */
const TRYING = 2;
const RINGING = 3;
const lostAtCallee = new Set(callerRtp.filter((_, i) => i % 10 === 5));

function points(lossy: boolean) {
  const callerSide = withoutFrames(full, new Set([TRYING]));
  const calleeSide = secondCapturePoint(full, {
    offsetUs: OFFSET_US, transitUs: TRANSIT_US, jitterUs: 100, towardsSecond: CALLER,
    lost: new Set([RINGING, ...(lossy ? lostAtCallee : [])]),
  });
  return { callerSide, calleeSide };
}

async function load(files: Array<[string, Uint8Array]>): Promise<{ store: IndexStore; ids: number[]; rows: number[] }> {
  const { store, ids } = await importCapturePoints(tmp, files);
  const rows = ids.map((id) => {
    const calls = store.listCalls({ sourceId: id, limit: 10 });
    expect(calls).toHaveLength(1);
    return calls[0].id;
  });
  return { store, ids, rows };
}

const verdictKey = (v: Verdict | null) => (v ? { bucket: v.bucket, cause: v.cause, problem: v.problem } : null);

describe('a call captured at two points', () => {
  it('is one ladder on the reference clock: the interleave is the true order, each message names its points', async () => {
    const { callerSide, calleeSide } = points(false);
    const { store, rows } = await load([['caller_side.pcap', callerSide], ['callee_side.pcap', calleeSide]]);
    try {
      const d = callDetailOf(store, rows[0])!;
      expect(d.capturePoints!.reference).toBe('caller_side.pcap');
      const [ref, other] = d.capturePoints!.points;
      expect(ref).toMatchObject({ source: 'caller_side.pcap', offsetUs: 0, matchedMessages: 0, method: null });
      expect(other.source).toBe('callee_side.pcap');
      expect(Math.abs(other.offsetUs - OFFSET_US)).toBeLessThan(1000);
      // INVITE, ACK, BYE, 200 OK (BYE) and 200 OK (INVITE) both saw; 100 and 180 one each.
      expect(other.matchedMessages).toBe(5);
      expect(d.capturePoints!.unaligned).toEqual([]);

      // The truth: the capture both were cut from, each message at the first point that saw it.
      const truth = [
        ['INVITE', ['caller_side.pcap', 'callee_side.pcap'], 0],
        ['100 Trying', ['callee_side.pcap'], 10_000 - TRANSIT_US],
        ['180 Ringing', ['caller_side.pcap'], 200_000],
        ['200 OK', ['caller_side.pcap', 'callee_side.pcap'], 1_000_000 - TRANSIT_US],
        ['ACK', ['caller_side.pcap', 'callee_side.pcap'], 1_010_000],
        ['BYE', ['caller_side.pcap', 'callee_side.pcap'], 3_010_000],
        ['200 OK', ['caller_side.pcap', 'callee_side.pcap'], 3_015_000 - TRANSIT_US],
      ] as const;
      expect(d.messages.map((m) => [m.label, m.seenAt!.map((s) => s.point)])).toEqual(truth.map(([l, p]) => [l, p]));
      d.messages.forEach((m, i) => expect(Math.abs(m.tsUs - (T0 + truth[i][2])), m.label).toBeLessThan(1000));
      // Each sighting keeps its own clock: the callee side's times are 2.5 s ahead.
      const invite = d.messages[0].seenAt!;
      expect(invite[1].tsUs - invite[0].tsUs).toBeCloseTo(OFFSET_US + TRANSIT_US, -3);
      // Indexes are unique, the reference's own messages keep theirs (verdict evidence points at them).
      expect(new Set(d.messages.map((m) => m.index)).size).toBe(7);
      const refOwn = store.getCall(rows[0])!.messages;
      for (const m of d.messages) if (m.seenAt![0].point === 'caller_side.pcap') expect(refOwn[m.index].label).toBe(m.label);

      // Opening the other capture's row shows the same merged call.
      const fromOther = callDetailOf(store, rows[1])!;
      expect(fromOther.capturePoints!.reference).toBe('caller_side.pcap');
      expect(fromOther.messages.map((m) => [m.label, m.tsUs])).toEqual(d.messages.map((m) => [m.label, m.tsUs]));
    } finally {
      store.close();
    }
  });

  it('counts each stream once, at the point nearer its receiver, with the other view beside it', async () => {
    const { callerSide, calleeSide } = points(true);
    const { store, rows } = await load([['caller_side.pcap', callerSide], ['callee_side.pcap', calleeSide]]);
    try {
      const d = callDetailOf(store, rows[0])!;
      expect(d.streams).toHaveLength(2);
      const fromCaller = d.streams.find((s) => s.direction === 'caller')!;
      const fromCallee = d.streams.find((s) => s.direction === 'callee')!;
      // The caller's RTP travels towards the callee side: that point hears what the callee hears.
      expect([fromCaller.measuredAt, fromCaller.measuredWhy]).toEqual(['callee_side.pcap', 'nearer_receiver']);
      expect([fromCallee.measuredAt, fromCallee.measuredWhy]).toEqual(['caller_side.pcap', 'nearer_receiver']);
      expect(fromCaller.packets).toBe(callerRtp.length - lostAtCallee.size);
      expect(fromCaller.lost).toBe(lostAtCallee.size);
      expect(fromCallee.packets).toBe(calleeRtp.length);
      // One point's count, not the two points' sum.
      expect(fromCaller.packets + fromCallee.packets).toBe(callerRtp.length - lostAtCallee.size + calleeRtp.length);
      expect(fromCaller.otherViews).toEqual([expect.objectContaining({ measuredAt: 'caller_side.pcap', packets: callerRtp.length, lost: 0 })]);
      expect(fromCallee.otherViews).toEqual([expect.objectContaining({ measuredAt: 'callee_side.pcap', packets: calleeRtp.length })]);
      // The kept measurement is on the reference clock: it starts with the reference's own view.
      expect(Math.abs(fromCaller.firstUs - fromCaller.otherViews![0].firstUs)).toBeLessThan(5_000);

      if (tsharkPresent) {
        // tshark's count of the same packets in each file agrees with the measurement kept.
        const at = (file: string, ssrc: number) => rtpStreams(join(tmp, file), []).find((s) => s.ssrc === ssrc)!;
        expect(at('callee_side.pcap', 0x1111).packets).toBe(fromCaller.packets);
        expect(at('caller_side.pcap', 0x2222).packets).toBe(fromCallee.packets);
      } else {
        console.warn('tshark is not installed: the stream counts are checked against the writer only');
      }

      // The verdict is on the measurements kept: the packets the callee side missed are missing
      // from its evidence, as in that capture's own verdict, and its times are on the reference clock.
      const own = store.getCall(rows[0])!.verdict as Verdict;
      const calleeOwn = store.getCall(rows[1])!.verdict as Verdict;
      const media = (v: Verdict | null) => v?.evidence.map((e) => e.text).find((t) => t.startsWith('Media flowed'))?.match(/^Media flowed until the end: (\d+) RTP packets from the caller/)?.[1];
      expect(media(d.verdict)).toBe(String(callerRtp.length - lostAtCallee.size));
      expect(media(calleeOwn)).toBe(media(d.verdict));
      expect(media(own)).toBe(String(callerRtp.length));
      expect(verdictKey(d.verdict)).toEqual(verdictKey(own));
      const bye = d.messages.find((m) => m.label === 'BYE')!;
      expect(d.verdict!.evidence.find((e) => e.text.startsWith('BYE'))!.tsUs).toBe(store.getCall(rows[0])!.messages.find((m) => m.label === 'BYE')!.tsUs);
      expect(bye.seenAt).toHaveLength(2);
    } finally {
      store.close();
    }
  });

  it('with every packet at both points, the verdict and the figures are those of one capture alone', async () => {
    const { callerSide, calleeSide } = points(false);
    const single = await load([['alone.pcap', full]]);
    const alone = callDetailOf(single.store, single.rows[0])!;
    single.store.close();
    expect(alone.capturePoints).toBeUndefined();
    expect(alone.streams.map((s) => s.measuredAt)).toEqual(['alone.pcap', 'alone.pcap']);

    const { store, rows } = await load([['caller_side.pcap', callerSide], ['callee_side.pcap', calleeSide]]);
    try {
      const d = callDetailOf(store, rows[0])!;
      expect(verdictKey(d.verdict)).toEqual(verdictKey(alone.verdict));
      const figures = (s: CallStream) => [s.direction, s.ssrc, s.packets, s.lost, s.expected];
      expect(d.streams.map(figures).sort()).toEqual(alone.streams.map(figures).sort());
    } finally {
      store.close();
    }
  });

  it('points too close to tell which is nearer the receiver: the one that saw more packets, else the reference', async () => {
    // No transit between the points: the messages give no direction, only the packet counts do.
    const calleeSide = secondCapturePoint(full, { offsetUs: OFFSET_US, transitUs: 0, towardsSecond: CALLER, lost: lostAtCallee });
    const { store, rows } = await load([['tap_a.pcap', full], ['tap_b.pcap', calleeSide]]);
    try {
      const d = callDetailOf(store, rows[1])!;
      expect(d.capturePoints!.reference).toBe('tap_a.pcap');
      expect(d.streams.map((s) => [s.direction, s.measuredAt, s.measuredWhy, s.packets])).toEqual([
        ['caller', 'tap_a.pcap', 'more_packets', callerRtp.length],
        ['callee', 'tap_a.pcap', 'reference', calleeRtp.length],
      ]);
      // Every message both saw: one arrow each, none tagged with a single point.
      expect(d.messages).toHaveLength(7);
      expect(d.messages.every((m) => m.seenAt!.length === 2)).toBe(true);
      expect(verdictKey(d.verdict)).toEqual(verdictKey(store.getCall(rows[0])!.verdict as Verdict));
    } finally {
      store.close();
    }
  });

  it('the HTML report shows the merged call: capture points, one row per stream with where it was measured, every sighting', async () => {
    const { callerSide, calleeSide } = points(true);
    const { store, rows } = await load([['caller_side.pcap', callerSide], ['callee_side.pcap', calleeSide]]);
    try {
      const page = buildHtmlReport(store, [rows[1]], { generatedAt: new Date(0) });
      expect(page).toMatch(/<th>Capture points<\/th><td>caller_side\.pcap \(its clock\), callee_side\.pcap \(\+2500\.\d ms\): one ladder, each stream measured once<\/td>/);
      const streamRows = [...page.matchAll(/<tr data-testid="stream-row" data-ssrc="([^"]+)">(.*?)<\/tr>/g)].map((m) => [m[1], [...m[2].matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((c) => c[1])]);
      expect(streamRows.map(([ssrc, cells]) => [ssrc, cells[8], cells.at(-1)])).toEqual([
        ['0x00001111', String(callerRtp.length - lostAtCallee.size), `callee_side.pcap (at caller_side.pcap: ${callerRtp.length} pkts, lost 0)`],
        ['0x00002222', String(calleeRtp.length), `caller_side.pcap (at callee_side.pcap: ${calleeRtp.length} pkts, lost 0)`],
      ]);
      // Start times count from the reference capture's first packet (the INVITE), as the streams are on its clock.
      expect(Number(streamRows[0][1][0])).toBeCloseTo(1.02, 2);
      expect(page).toContain('100 Trying · 10.2.0.1:5060 → 10.1.0.1:5060');
      expect(page).toMatch(/seen at callee_side\.pcap \(frame 2\)<\/summary>/);
      expect(page).toMatch(/INVITE · [^<]* seen at caller_side\.pcap \(frame 1\) and callee_side\.pcap \(frame 1\)<\/summary>/);
    } finally {
      store.close();
    }
  });

  it('a capture of the same call whose messages a hop rewrote is named, not merged', async () => {
    const rewritten = buildCallCapture({ callId: 'points@10.1.0.1', from: '5551234', to: '6001', startUs: T0 + 40_000, talkS: 2, caller: '192.0.2.10', callee: '192.0.2.20' });
    const { store, rows } = await load([['inside.pcap', full], ['outside.pcap', rewritten]]);
    try {
      const d = callDetailOf(store, rows[0])!;
      const own = store.getCall(rows[0])!;
      expect(d.capturePoints).toEqual({ reference: 'inside.pcap', points: [expect.objectContaining({ source: 'inside.pcap', offsetUs: 0 })], unaligned: [{ source: 'outside.pcap', callRowId: rows[1] }] });
      expect(d.messages.map((m) => [m.index, m.tsUs, m.seenAt!.map((x) => x.point)])).toEqual(own.messages.map((m, i) => [i, m.tsUs, ['inside.pcap']]));
      expect(d.streams.map((s) => [s.measuredAt, s.measuredWhy, s.packets])).toEqual([['inside.pcap', 'only_point', callerRtp.length], ['inside.pcap', 'only_point', calleeRtp.length]]);
      expect(d.verdict).toEqual(own.verdict);
    } finally {
      store.close();
    }
  });

  it('analyze --json: every stream says where it was measured, and both rows carry the merged call', async () => {
    const { callerSide, calleeSide } = points(true);
    const { store, ids } = await load([['caller_side.pcap', callerSide], ['callee_side.pcap', calleeSide]]);
    try {
      const doc = buildAnalyzeDocument(store, ids);
      expect(doc.calls).toHaveLength(2);
      for (const c of doc.calls) {
        expect(c.streams.map((s) => s.measuredAt)).toEqual([c.source, c.source]);
        const p = c.capturePoints!;
        expect(p.reference).toBe('caller_side.pcap');
        expect(p.points.map((x) => x.source)).toEqual(['caller_side.pcap', 'callee_side.pcap']);
        expect(p.points[1].offsetMs).toBeCloseTo(OFFSET_US / 1000, 0);
        expect(p.ladder.map((m) => `${m.label}@${m.seenAt.map((s) => s.source).join('+')}`)).toEqual([
          'INVITE@caller_side.pcap+callee_side.pcap', '100 Trying@callee_side.pcap', '180 Ringing@caller_side.pcap',
          '200 OK@caller_side.pcap+callee_side.pcap', 'ACK@caller_side.pcap+callee_side.pcap', 'BYE@caller_side.pcap+callee_side.pcap',
          '200 OK@caller_side.pcap+callee_side.pcap',
        ]);
        expect(p.streams.map((s) => [s.ssrc, s.measuredAt, s.measuredWhy, s.packets])).toEqual([
          ['0x00001111', 'callee_side.pcap', 'nearer_receiver', callerRtp.length - lostAtCallee.size],
          ['0x00002222', 'caller_side.pcap', 'nearer_receiver', calleeRtp.length],
        ]);
        expect(p.diagnosis).not.toBeNull();
      }
      expect(doc.calls[0].capturePoints).toEqual(doc.calls[1].capturePoints);
      expect(formatCallTable(doc)).toContain(
        "captured at 2 points, merged on caller_side.pcap's clock: + callee_side.pcap (+2500.0 ms); 7 SIP message(s); " +
          'streams: 0x00001111 at callee_side.pcap (nearer its receiver), 0x00002222 at caller_side.pcap (nearer its receiver)',
      );
      // Only the captures given are merged: analysing one file alone shows it alone.
      expect(buildAnalyzeDocument(store, [ids[0]]).calls[0].capturePoints).toBeUndefined();
    } finally {
      store.close();
    }
  });
});

describe('the cost of merging, in reads of the index', () => {
  /** Counts getCall and findCallsByCallId on this store (own properties shadow the class methods). */
  function counted(store: IndexStore) {
    const n = { getCall: 0, findCallsByCallId: 0 };
    const getCall = store.getCall.bind(store);
    const find = store.findCallsByCallId.bind(store);
    store.getCall = (id) => (n.getCall++, getCall(id));
    store.findCallsByCallId = (callId) => (n.findCallsByCallId++, find(callId));
    return n;
  }

  it('analyze of captures that share no call reads no call whole and looks for no other point', async () => {
    const other = buildCallCapture({ callId: 'another@10.1.0.1', from: '5551234', to: '6001', startUs: T0, talkS: 2 });
    const { store, ids } = await load([['one.pcap', full], ['two.pcap', other]]);
    try {
      const n = counted(store);
      const doc = buildAnalyzeDocument(store, ids);
      expect(doc.calls.every((c) => c.capturePoints === undefined)).toBe(true);
      // The document reads its calls a batch at a time (document_rows.ts), never one whole.
      expect(n).toEqual({ getCall: 0, findCallsByCallId: 0 });
    } finally {
      store.close();
    }
  });

  it('analyze of two points merges the call once for both rows', async () => {
    const { callerSide, calleeSide } = points(false);
    const { store, ids } = await load([['caller_side.pcap', callerSide], ['callee_side.pcap', calleeSide]]);
    try {
      const n = counted(store);
      buildAnalyzeDocument(store, ids);
      // The first row whole once to merge it and the other row once by the merge; the rest is
      // read a batch at a time (the document's calls, and the messages the clock table aligns).
      expect(n).toEqual({ getCall: 1 + 1, findCallsByCallId: 1 });
    } finally {
      store.close();
    }
  });
});

describe('mergeCapturePoints', () => {
  const msg = (raw: string, tsUs: number, frame: number, src = '10.1.0.1:5060', dst = '10.2.0.1:5060') => ({ raw, tsUs, frame, src, dst });

  it('pairs retransmitted copies with the nearest copy, not the first', () => {
    // The second point missed the first INVITE and saw the retransmission 500 ms later.
    const m = mergeCapturePoints(
      [
        { point: 'a', messages: [msg('INVITE', 0, 1), msg('INVITE', 500_000, 2), msg('ACK', 1_000_000, 3)], streams: [] },
        { point: 'b', messages: [msg('INVITE', 510_000, 1), msg('ACK', 1_010_000, 2)], streams: [] },
      ],
      '10.1.0.1:5060',
    );
    expect(m.clocks[1].offsetUs).toBe(10_000);
    expect(m.messages.map((e) => [e.tsUs, e.seenAt.map((s) => `${s.point}#${s.frame}`)])).toEqual([
      [0, ['a#1']],
      [500_000, ['a#2', 'b#1']],
      [1_000_000, ['a#3', 'b#2']],
    ]);
  });

  it('one SSRC on two ports (media moved by a re-INVITE) stays two streams, each measured once', () => {
    const messages = [msg('INVITE', 0, 1), msg('SIP/2.0 200 OK', 100_000, 2, '10.2.0.1:5060', '10.1.0.1:5060')];
    const early = stream({ ssrc: 0x1111, direction: 'caller', dstPort: 30000, firstUs: 1_000_000, lastUs: 5_000_000, packets: 200 });
    const late = stream({ ssrc: 0x1111, direction: 'caller', dstPort: 30002, firstUs: 6_000_000, lastUs: 9_000_000, packets: 150 });
    const m = mergeCapturePoints(
      [
        { point: 'a', messages, streams: [late, early] },
        // The second point's clock is 1 s ahead, it missed 10 packets of the early stream, and NAT changed the source.
        {
          point: 'b',
          messages: messages.map((x) => ({ ...x, tsUs: x.tsUs + 1e6 })),
          streams: [{ ...early, src: '192.0.2.1', firstUs: 2_000_000, lastUs: 6_000_000, packets: 190, lost: 10 }, { ...late, src: '192.0.2.1', firstUs: 7_000_000, lastUs: 10_000_000 }],
        },
      ],
      '10.1.0.1:5060',
    );
    expect(m.clocks[1].offsetUs).toBe(1e6);
    expect(m.streams.map((x) => [x.stream.dstPort, x.measuredAt, x.why, x.stream.packets, x.stream.firstUs, x.others.length])).toEqual([
      [30000, 'a', 'more_packets', 200, 1_000_000, 1],
      [30002, 'a', 'reference', 150, 6_000_000, 1],
    ]);
  });

  it('a point with no message in common is left out, named', () => {
    const m = mergeCapturePoints(
      [
        { point: 'a', messages: [msg('INVITE', 0, 1)], streams: [] },
        { point: 'b', messages: [msg('INVITE rewritten', 0, 1)], streams: [] },
      ],
      '10.1.0.1:5060',
    );
    expect(m.unaligned).toEqual(['b']);
    expect(m.messages).toHaveLength(1);
  });

  it('hostile input: one message repeated at one instant at both points stays bounded and loses nothing', () => {
    const n = 20_000;
    const same = (frame0: number) => Array.from({ length: n }, (_, i) => msg('OPTIONS', 1_000, frame0 + i));
    const m = mergeCapturePoints([{ point: 'a', messages: same(1), streams: [] }, { point: 'b', messages: same(1), streams: [] }], '10.1.0.1:5060');
    // Every copy of b is either paired with one of a or shown on its own: none dropped, none counted twice.
    const sightings = m.messages.reduce((k, e) => k + e.seenAt.length, 0);
    expect(sightings).toBe(2 * n);
    expect(m.messages.every((e) => e.seenAt.length <= 2)).toBe(true);
  });
});
