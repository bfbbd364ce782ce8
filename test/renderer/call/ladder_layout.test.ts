import { describe, expect, it } from 'vitest';
import { arrowTone, carriesSdp, FULL_RENDER_LIMIT, hostOf, layoutLadder, portOf, relativeTime, stepSelection, timeAtY, visibleArrows, yForTime } from '../../../shared/layout/ladder_layout.ts';
import { A, B, basicMessages, msg, stream, T0 } from './call_fixture.ts';

describe('endpoints', () => {
  it('splits IPv4 and bracketed IPv6 endpoints', () => {
    expect(hostOf('10.0.0.1:5060')).toBe('10.0.0.1');
    expect(portOf('10.0.0.1:5060')).toBe('5060');
    expect(hostOf('[2001:db8::1]:5060')).toBe('2001:db8::1');
    expect(portOf('[2001:db8::1]:5060')).toBe('5060');
    // A bare IPv6 address has no port to strip.
    expect(hostOf('2001:db8::1')).toBe('2001:db8::1');
  });
});

describe('layoutLadder', () => {
  it('has one arrow per message, in message order, with columns in order of appearance', () => {
    const l = layoutLadder(basicMessages(), [], {}, { caller: A, callee: B });
    expect(l.arrows.map((a) => a.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(l.columns.map((c) => c.key)).toEqual([A, B]);
    expect(l.columns.map((c) => c.role)).toEqual(['caller', 'callee']);
    const [inv, trying] = l.arrows;
    expect(inv.x1).toBeLessThan(inv.x2);
    expect(trying.x1).toBeGreaterThan(trying.x2);
    // Rows go top to bottom.
    for (let i = 1; i < l.arrows.length; i++) expect(l.arrows[i].y).toBeGreaterThan(l.arrows[i - 1].y);
  });

  it('labels times relative to the first message and marks retransmissions and SDP', () => {
    const l = layoutLadder(basicMessages(), []);
    expect(l.arrows[0].time).toBe('+0.000');
    expect(l.arrows[3].time).toBe('+0.900');
    expect(l.arrows[6].retransmission).toBe(true);
    expect(l.arrows.filter((a) => a.retransmission)).toHaveLength(1);
    expect(l.arrows[0].hasSdp).toBe(true);
    expect(l.arrows[1].hasSdp).toBe(false);
    expect(l.arrows.map((a) => a.tone).slice(0, 4)).toEqual(['request', 'provisional', 'provisional', 'success']);
  });

  it('folds RTP endpoints into the column of their host, and merges ports on request', () => {
    const s = stream();
    const split = layoutLadder(basicMessages(), [s]);
    expect(split.columns).toHaveLength(2);
    expect(split.streams).toHaveLength(1);
    expect(split.streams[0].x1).toBe(split.columns[0].x);
    expect(split.streams[0].x2).toBe(split.columns[1].x);

    // Two ports of one host: two columns, or one when merged (then the arrow is a loop).
    const msgs = [msg(0, 0, A, '10.0.0.1:5080', 'OPTIONS'), msg(1, 1, '10.0.0.1:5080', B, 'INVITE')];
    expect(layoutLadder(msgs, []).columns.map((c) => c.key)).toEqual([A, '10.0.0.1:5080', B]);
    const merged = layoutLadder(msgs, [s], { mergePorts: true });
    expect(merged.columns.map((c) => c.key)).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(merged.columns[0].members).toEqual([A, '10.0.0.1:5080', '10.0.0.1:6000']);
    expect(merged.columns[0].role).toContain('ports 5060, 5080, 6000');
    expect(merged.arrows[0].self).toBe(true);
  });

  it('gives a media-only host its own column', () => {
    const s = stream({ src: '192.0.2.9', srcPort: 40000 });
    const l = layoutLadder(basicMessages(), [s]);
    expect(l.columns.map((c) => c.key)).toEqual([A, B, '192.0.2.9:40000']);
    expect(l.columns[2].role).toBe('media');
  });

  it('splits a stream bar at its gaps and places it between first and last packet', () => {
    const s = stream({ gaps: [{ startUs: T0 + 2_000_000, durationMs: 1000, trailing: false }] });
    const l = layoutLadder(basicMessages(), [s]);
    const bar = l.streams[0];
    expect(bar.segments).toHaveLength(2);
    expect(bar.y1).toBeCloseTo(yForTime(l, s.firstUs));
    expect(bar.y2).toBeCloseTo(yForTime(l, s.lastUs));
    expect(bar.segments[0].y2).toBeLessThanOrEqual(bar.segments[1].y1);
    expect(bar.label).toBe('PCMA · 150 pkts');
  });

  it('extends below the last message when media outlives signalling', () => {
    const s = stream({ lastUs: T0 + 20_000_000 });
    const l = layoutLadder(basicMessages(), [s]);
    const lastArrow = l.arrows[l.arrows.length - 1];
    expect(yForTime(l, s.lastUs)).toBeGreaterThan(lastArrow.y);
    expect(l.height).toBeGreaterThan(yForTime(l, s.lastUs));
  });
});

describe('time ↔ y', () => {
  const l = layoutLadder(basicMessages(), []);
  it('puts a message time on its row and interpolates between rows', () => {
    expect(yForTime(l, T0 + 900_000)).toBeCloseTo(l.arrows[3].y);
    const mid = yForTime(l, T0 + 2_950_000);
    expect(mid).toBeGreaterThan(l.arrows[4].y);
    expect(mid).toBeLessThan(l.arrows[5].y);
  });
  it('inverts', () => {
    for (const t of [T0, T0 + 25_000, T0 + 3_000_000, T0 + 5_600_000]) expect(timeAtY(l, yForTime(l, t))).toBeCloseTo(t, 0);
  });
  it('clamps outside the rows and stays monotonic with out-of-order capture times', () => {
    expect(yForTime(l, T0 - 10_000_000)).toBe(l.arrows[0].y);
    const shuffled = [msg(0, 10, A, B, 'INVITE'), msg(1, 5, B, A, '100 Trying'), msg(2, 20, B, A, '200 OK')];
    const ls = layoutLadder(shuffled, []);
    for (let i = 1; i < ls.anchors.length; i++) expect(ls.anchors[i].t).toBeGreaterThanOrEqual(ls.anchors[i - 1].t);
  });
});

describe('big calls', () => {
  it('lays out 2 000 messages and renders only a window of them', () => {
    const many = Array.from({ length: 2000 }, (_, i) => msg(i, i * 10, i % 2 ? B : A, i % 2 ? A : B, i % 2 ? '200 OK' : 'INFO'));
    const l = layoutLadder(many, [stream()]);
    expect(l.arrows).toHaveLength(2000);
    const r = visibleArrows(l, 0, 600);
    expect(r.start).toBe(0);
    expect(r.end).toBeLessThan(100);
    const far = visibleArrows(l, l.options.headerHeight + 1000 * l.options.rowHeight, 600);
    expect(far.start).toBeGreaterThan(950);
    expect(far.end).toBeLessThan(1060);
  });
  it('renders every arrow up to the full-render limit', () => {
    const some = Array.from({ length: FULL_RENDER_LIMIT }, (_, i) => msg(i, i, A, B, 'INFO'));
    expect(visibleArrows(layoutLadder(some, []), 0, 100)).toEqual({ start: 0, end: FULL_RENDER_LIMIT });
  });
});

describe('small helpers', () => {
  it('formats relative times and tones', () => {
    expect(relativeTime(T0 + 1_234_567, T0)).toBe('+1.235');
    expect(relativeTime(T0 - 500_000, T0)).toBe('−0.500');
    expect(arrowTone('486 Busy Here')).toBe('failure');
    expect(arrowTone('302 Moved')).toBe('redirect');
  });
  it('detects SDP bodies', () => {
    expect(carriesSdp(null)).toBe(false);
    expect(carriesSdp('SIP/2.0 200 OK\r\nc: application/sdp\r\n\r\nv=0\r\n')).toBe(true);
    expect(carriesSdp('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n')).toBe(false);
  });
  it('steps the selection and clamps at the ends', () => {
    expect(stepSelection(null, 1, 5)).toBe(0);
    expect(stepSelection(null, -1, 5)).toBe(4);
    expect(stepSelection(4, 1, 5)).toBe(4);
    expect(stepSelection(0, -1, 5)).toBe(0);
    expect(stepSelection(2, 1, 5)).toBe(3);
    expect(stepSelection(null, 1, 0)).toBeNull();
  });
});
