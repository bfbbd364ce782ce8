// The legs of an end-to-end call merged into one ladder and one timeline: time order, the
// opened call's message indexes kept (its verdict's evidence points at them), unique indexes
// that say their leg, one column per host across the legs, streams labelled by leg.

import { describe, expect, it } from 'vitest';
import { layoutLadder } from '../../../shared/layout/ladder_layout.ts';
import { indexBaseFor, legColor, legOf, legOfIndex, mergeLegs, ownStreams, LEG_COLORS } from '../../../renderer/features/call/leg_merge.ts';
import { A, B, detail, msg, stream, T0 } from './call_fixture.ts';

const PBX = '10.0.0.9:5060';

// Leg 1: A → PBX (in), leg 2: PBX → B (out), relayed a few ms later.
const inbound = detail({
  row: { ...detail().row, id: 11, callId: 'in@pbx', callerAddr: A, calleeAddr: PBX },
  messages: [msg(0, 0, A, PBX, 'INVITE'), msg(1, 60, PBX, A, '180 Ringing'), msg(2, 910, PBX, A, '200 OK'), msg(3, 912, A, PBX, 'ACK')],
  streams: [stream({ src: '10.0.0.1', dst: '10.0.0.9' })],
  capture: { firstUs: T0 - 1_000_000, lastUs: T0 + 3_000_000, coverage: null },
});
const outbound = detail({
  row: { ...detail().row, id: 12, callId: 'out@pbx', callerAddr: PBX, calleeAddr: B },
  messages: [msg(0, 5, PBX, B, 'INVITE'), msg(1, 55, B, PBX, '180 Ringing'), msg(2, 900, B, PBX, '200 OK'), msg(3, 905, PBX, B, 'ACK')],
  // The first stream is the same as the inbound leg's (direct media, announced by both legs).
  streams: [stream({ src: '10.0.0.1', dst: '10.0.0.9' }), stream({ ssrc: 7, src: '10.0.0.9', dst: '10.0.0.2' })],
  capture: { firstUs: T0 - 2_000_000, lastUs: T0 + 2_000_000, coverage: null },
});

describe('mergeLegs', () => {
  it('puts every leg\'s messages in time order, tagged by leg, and keeps the opened call\'s indexes', () => {
    const m = mergeLegs(12, [inbound, outbound]);
    expect(m.detail.messages.map((x) => `${x.label}@${legOf(x)}`)).toEqual([
      'INVITE@0', 'INVITE@1', '180 Ringing@1', '180 Ringing@0', '200 OK@1', 'ACK@1', '200 OK@0', 'ACK@0',
    ]);
    // The opened call (the outbound leg) keeps 0…3; the other leg is numbered from the base.
    const out = m.detail.messages.filter((x) => legOf(x) === 1).map((x) => x.index);
    const inn = m.detail.messages.filter((x) => legOf(x) === 0).map((x) => x.index);
    expect(out).toEqual([0, 1, 2, 3]);
    expect(inn).toEqual([1000, 1001, 1002, 1003]);
    expect(new Set(m.detail.messages.map((x) => x.index)).size).toBe(8);
    expect(legOfIndex(m, 2)).toBe(1);
    expect(legOfIndex(m, 1002)).toBe(0);
    // The opened call's own row and verdict stay.
    expect(m.detail.row.callId).toBe('out@pbx');
    expect(m.legs.map((l) => [l.callId, l.color])).toEqual([['in@pbx', LEG_COLORS[0]], ['out@pbx', LEG_COLORS[1]]]);
  });

  it('shows a stream announced on both legs once, every other stream with its leg, and the widest capture window', () => {
    const m = mergeLegs(11, [inbound, outbound]);
    expect(m.detail.streams.map((s) => [s.ssrc, legOf(s)])).toEqual([[0xca110000, 0], [7, 1]]);
    expect(m.detail.capture).toMatchObject({ firstUs: T0 - 2_000_000, lastUs: T0 + 3_000_000 });
  });

  it('draws a stream announced on both legs as the opened call\'s own, and answers its SDP expectation with its own streams only', () => {
    const m = mergeLegs(12, [inbound, outbound]);
    expect(m.detail.streams.map((s) => [s.ssrc, legOf(s)])).toEqual([[0xca110000, 1], [7, 1]]);
    // The inbound leg's stream (had it not been shared) is not the outbound call's media.
    const onlyIn = mergeLegs(11, [inbound, { ...outbound, streams: [stream({ ssrc: 7, src: '10.0.0.9', dst: '10.0.0.2' })] }]);
    expect(ownStreams(onlyIn.detail, onlyIn.detail.streams).map((s) => s.ssrc)).toEqual([0xca110000]);
    expect(ownStreams(inbound, inbound.streams)).toEqual(inbound.streams);
  });

  it('draws one column per host across the legs, each arrow with its leg', () => {
    const m = mergeLegs(11, [inbound, outbound]);
    const layout = layoutLadder(m.detail.messages, m.detail.streams, { mergePorts: true });
    expect(layout.columns.map((c) => c.key)).toEqual(['10.0.0.1', '10.0.0.9', '10.0.0.2']);
    expect(layout.arrows.map((a) => a.leg)).toEqual([0, 1, 1, 0, 1, 1, 0, 0]);
    // A single call has no leg on its arrows.
    expect(layoutLadder(inbound.messages, [], {}).arrows.every((a) => a.leg === undefined)).toBe(true);
  });

  it('returns a call of one leg as it is, and refuses an opened call that is not among the legs', () => {
    expect(mergeLegs(11, [inbound]).detail).toBe(inbound);
    expect(() => mergeLegs(99, [inbound, outbound])).toThrow(/not among its legs/);
  });

  it('numbers other legs above any leg\'s message count, and cycles the colours', () => {
    expect(indexBaseFor([4, 999])).toBe(1000);
    expect(indexBaseFor([1000, 3])).toBe(10_000);
    expect(legColor(LEG_COLORS.length)).toBe(LEG_COLORS[0]);
  });
});
