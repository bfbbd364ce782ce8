import { describe, expect, it } from 'vitest';
import { densitySeries, formatGapDuration, gapBoxes, laneOrder, missingDirections, sipEvents, stackLabels, timeDomain, timeScale, timeTicks, windowMos } from '../../../shared/layout/timeline_geometry.ts';
import { A, B, basicMessages, detail, msg, stream, T0 } from './call_fixture.ts';

describe('timeDomain', () => {
  it('spans first message → last activity and includes a nearby capture end', () => {
    const d = timeDomain(detail())!;
    expect(d.startUs).toBeLessThan(T0);
    expect(d.endUs).toBeGreaterThanOrEqual(T0 + 6_000_000);
    expect(d.captureEnd).toEqual({ us: T0 + 6_000_000, inDomain: true });
  });
  it('includes trailing gaps', () => {
    const s = stream({ trailingGap: { startUs: T0 + 4_000_000, durationMs: 9000, trailing: true } });
    const d = timeDomain(detail({ streams: [s], capture: { firstUs: null, lastUs: null, coverage: null } }))!;
    expect(d.endUs).toBeGreaterThanOrEqual(T0 + 13_000_000);
    expect(d.captureEnd).toBeNull();
  });
  it('keeps a capture end hours later off-scale instead of squashing the call', () => {
    const d = timeDomain(detail({ capture: { firstUs: T0, lastUs: T0 + 3_600_000_000, coverage: null } }))!;
    expect(d.captureEnd).toEqual({ us: T0 + 3_600_000_000, inDomain: false });
    expect(d.endUs).toBeLessThan(T0 + 10_000_000);
  });
  it('is null with nothing to draw', () => {
    expect(timeDomain(detail({ messages: [], streams: [] }))).toBeNull();
  });
});

describe('scale and ticks', () => {
  it('maps and inverts', () => {
    const s = timeScale({ startUs: T0, endUs: T0 + 10_000_000 }, 0, 1000);
    expect(s.x(T0 + 5_000_000)).toBe(500);
    expect(s.t(250)).toBe(T0 + 2_500_000);
  });
  it('picks a step that keeps ticks apart, labelled from the origin', () => {
    const ticks = timeTicks({ startUs: T0 - 100_000, endUs: T0 + 10_000_000 }, 800, T0);
    expect(ticks.length).toBeLessThanOrEqual(10);
    expect(ticks[0].label).toBe('+0 s');
    expect(ticks[1].label).toBe('+2 s');
    const fine = timeTicks({ startUs: T0, endUs: T0 + 50_000 }, 800, T0);
    expect(fine[1].label).toBe('+0.005 s');
  });
});

describe('gaps', () => {
  it('formats durations', () => {
    expect(formatGapDuration(320.4)).toBe('320 ms');
    expect(formatGapDuration(6513.5)).toBe('6.51 s');
    expect(formatGapDuration(32_100)).toBe('32.1 s');
    expect(formatGapDuration(125_000)).toBe('2 min 05 s');
  });
  it('boxes gaps and the trailing silence on the scale, at least 2 px wide', () => {
    const s = stream({
      gaps: [{ startUs: T0 + 2_000_000, durationMs: 1000, trailing: false }, { startUs: T0 + 3_000_000, durationMs: 0.5, trailing: false }],
      trailingGap: { startUs: T0 + 4_000_000, durationMs: 2000, trailing: true },
    });
    const scale = timeScale({ startUs: T0, endUs: T0 + 10_000_000 }, 0, 1000);
    const boxes = gapBoxes(s, scale);
    expect(boxes).toHaveLength(3);
    expect(boxes[0]).toMatchObject({ x: 200, width: 100, trailing: false, label: '1.00 s' });
    expect(boxes[1].width).toBe(2);
    expect(boxes[2]).toMatchObject({ x: 400, width: 200, trailing: true });
    expect(boxes[2].title).toContain('end of the call');
    expect(new Set(boxes.map((b) => b.key)).size).toBe(3);
  });
});

describe('densitySeries', () => {
  it('corrects the partial first and last seconds', () => {
    const s = stream({
      firstUs: T0 + 500_000,
      lastUs: T0 + 2_250_000,
      bins: [
        { second: T0 / 1e6, packets: 25, lost: 0, maxJitterMs: 0.1, maxDeltaMs: 20 },
        { second: T0 / 1e6 + 1, packets: 50, lost: 2, maxJitterMs: 0.4, maxDeltaMs: 20 },
        { second: T0 / 1e6 + 2, packets: 12, lost: -1, maxJitterMs: 0.2, maxDeltaMs: 20 },
      ],
    });
    const d = densitySeries(s);
    expect(d[0].rate).toBeCloseTo(50);
    expect(d[1].rate).toBeCloseTo(50);
    expect(d[2].rate).toBeCloseTo(48);
    expect(d.map((p) => p.lost)).toEqual([0, 2, 0]);
  });
});

describe('sipEvents', () => {
  it('marks INVITE, 18x, 200, BYE; skips 100 Trying, ACK and retransmissions', () => {
    expect(sipEvents(basicMessages()).map((e) => [e.label, e.kind])).toEqual([
      ['INVITE', 'invite'],
      ['180 Ringing', 'provisional'],
      ['200 OK', 'answer'],
      ['BYE', 'bye'],
    ]);
  });
  it('names a re-INVITE after the answer, failures and CANCEL', () => {
    const ev = sipEvents([
      msg(0, 0, A, B, 'INVITE'),
      msg(1, 10, B, A, '407 Proxy Authentication Required'),
      msg(2, 20, A, B, 'INVITE'),
      msg(3, 30, B, A, '200 OK'),
      msg(4, 900, A, B, 'INVITE'),
      msg(5, 910, B, A, '200 OK'),
      msg(6, 990, A, B, 'CANCEL'),
    ]);
    expect(ev.map((e) => e.label)).toEqual(['INVITE', '407 Proxy Authentication Required', 'INVITE', '200 OK', 're-INVITE', '200 (re-INVITE)', 'CANCEL']);
  });
});

describe('stackLabels', () => {
  it('stacks overlapping labels into rows and gives up past the last row', () => {
    const rows = stackLabels([{ x: 0, width: 50 }, { x: 10, width: 50 }, { x: 20, width: 50 }, { x: 30, width: 50 }, { x: 200, width: 50 }], 3);
    expect(rows).toEqual([0, 1, 2, -1, 0]);
  });
});

describe('windowMos', () => {
  const sec = T0 / 1e6;
  const bins = Array.from({ length: 10 }, (_, i) => ({ second: sec + i, packets: i === 5 ? 40 : 50, lost: i === 5 ? 10 : 0, maxJitterMs: 0.2, maxDeltaMs: 20 }));
  it('estimates MOS per second over a 5 s window from the loss', () => {
    const m = windowMos(stream({ bins }))!;
    expect(m).toHaveLength(10);
    expect(m[0].mos).toBeCloseTo(4.41, 1);
    // The lossy second drags the next five windows down, then it slides out.
    expect(m[5].mos).toBeLessThan(m[4].mos);
    expect(m[9].mos).toBeLessThan(m[0].mos);
    expect(m[9].lossPct).toBeCloseTo((100 * 10) / 250);
    expect(windowMos(stream({ bins: [...bins, { second: sec + 11, packets: 50, lost: 0, maxJitterMs: 0, maxDeltaMs: 20 }] }))![10].lossPct).toBe(0);
  });
  it('is null for codecs without impairment values', () => {
    expect(windowMos(stream({ encoding: 'AMR-WB', bins }))).toBeNull();
  });
});

describe('laneOrder', () => {
  it('puts the caller first', () => {
    const a = stream({ direction: 'callee', firstUs: 1 });
    const b = stream({ direction: 'caller', firstUs: 2 });
    expect(laneOrder([a, b])).toEqual([b, a]);
  });
});

describe('missingDirections', () => {
  const both = { callerSends: true, calleeSends: true, holdSeen: false, onHoldAtEnd: false };
  it('names the expected direction that never carried RTP (one-way audio)', () => {
    expect(missingDirections(both, [{ direction: 'caller' }])).toEqual(['callee']);
    expect(missingDirections(both, [{ direction: 'callee' }])).toEqual(['caller']);
    expect(missingDirections(both, [{ direction: 'caller' }, { direction: 'callee' }])).toEqual([]);
  });
  it('says nothing when the SDP did not expect it, on hold, with no media at all, or for a CDR-only call', () => {
    expect(missingDirections({ ...both, calleeSends: false }, [{ direction: 'caller' }])).toEqual([]);
    expect(missingDirections({ ...both, onHoldAtEnd: true }, [{ direction: 'caller' }])).toEqual([]);
    expect(missingDirections(both, [])).toEqual([]);
    expect(missingDirections(null, [])).toEqual([]);
  });
});
