import { describe, expect, it } from 'vitest';
import { evidenceTarget, targetTime } from '../../../shared/layout/evidence_target.ts';
import { gapKey, streamKey } from '../../../shared/layout/stream_key.ts';
import { detail, stream, T0 } from './call_fixture.ts';

const gapStart = T0 + 2_000_000;
const trailStart = T0 + 4_000_000;
const s1 = stream({ gaps: [{ startUs: gapStart, durationMs: 800, trailing: false }], trailingGap: { startUs: trailStart, durationMs: 1500, trailing: true } });
// Same SSRC in the other direction: the key must tell them apart.
const s2 = stream({ src: '10.0.0.2', dst: '10.0.0.1', direction: 'callee' });
const d = detail({ streams: [s1, s2] });

describe('evidenceTarget', () => {
  it('points a sip ref at its arrow, falling back to the frame', () => {
    expect(evidenceTarget({ text: '', tsUs: null, ref: { kind: 'sip', frame: 6, messageIndex: 5 } }, d)).toEqual({ kind: 'arrow', index: 5, tsUs: T0 + 5_000_000 });
    expect(evidenceTarget({ text: '', tsUs: 7, ref: { kind: 'sip', frame: 4, messageIndex: 99 } }, d)).toEqual({ kind: 'arrow', index: 3, tsUs: 7 });
    expect(evidenceTarget({ text: '', tsUs: 7, ref: { kind: 'sip', frame: 999, messageIndex: 99 } }, d)).toEqual({ kind: 'time', tsUs: 7 });
  });
  it('finds the gap (trailing included) of the right stream', () => {
    const ref = { kind: 'gap' as const, ssrc: s1.ssrc, src: '10.0.0.1:6000', dst: '10.0.0.2:6000', startUs: trailStart + 1000, durationMs: 1500 };
    expect(evidenceTarget({ text: '', tsUs: null, ref }, d)).toEqual({ kind: 'gap', streamKey: streamKey(s1), gapKey: gapKey(streamKey(s1), trailStart), tsUs: trailStart });
    const inner = evidenceTarget({ text: '', tsUs: null, ref: { ...ref, startUs: gapStart } }, d);
    expect(inner).toMatchObject({ kind: 'gap', gapKey: gapKey(streamKey(s1), gapStart) });
  });
  it('falls back to the stream when the gap is gone, and tells directions apart', () => {
    const gone = evidenceTarget({ text: '', tsUs: null, ref: { kind: 'gap', ssrc: s1.ssrc, src: '10.0.0.1:6000', dst: '10.0.0.2:6000', startUs: T0, durationMs: 1 } }, d);
    expect(gone).toEqual({ kind: 'stream', streamKey: streamKey(s1), tsUs: T0 });
    const other = evidenceTarget({ text: '', tsUs: null, ref: { kind: 'stream', ssrc: s2.ssrc, src: '10.0.0.2:6000', dst: '10.0.0.1:6000' } }, d);
    expect(other).toEqual({ kind: 'stream', streamKey: streamKey(s2), tsUs: s2.firstUs });
  });
  it('resolves cdr, capture, event and missing refs', () => {
    expect(evidenceTarget({ text: '', tsUs: null, ref: { kind: 'cdr', source: 'Master.csv', line: 3 } }, d)).toEqual({ kind: 'cdr', source: 'Master.csv', line: 3, tsUs: null });
    expect(evidenceTarget({ text: '', tsUs: null, ref: { kind: 'capture', what: 'end' } }, d)).toEqual({ kind: 'time', tsUs: T0 + 6_000_000 });
    expect(evidenceTarget({ text: '', tsUs: 5, ref: { kind: 'event', source: 'e.jsonl', line: 1 } }, d)).toEqual({ kind: 'time', tsUs: 5 });
    const none = evidenceTarget({ text: '', tsUs: null, ref: null }, d);
    expect(none).toEqual({ kind: 'none' });
    expect(targetTime(none)).toBeNull();
  });
});
