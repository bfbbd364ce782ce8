import { describe, expect, it } from 'vitest';
import {
  CODEC_IMPAIRMENT, codecForEncoding, delayImpairment, eModel, effectiveEquipmentImpairment, mosFromR,
} from '../../../shared/engine/rtp/mos.ts';

// Expected values computed by hand (calculator) from the formulas in docs/metrics.md.
describe('E-model (G.107 reduced as in metrics.md)', () => {
  it('MOS from R: endpoints and the cubic', () => {
    expect(mosFromR(-5)).toBe(1);
    expect(mosFromR(0)).toBe(1);
    expect(mosFromR(100)).toBe(4.5);
    expect(mosFromR(120)).toBe(4.5);
    // 1 + 0.035·93.2 + 93.2·33.2·6.8·7e-6 = 1 + 3.262 + 0.147285824
    expect(mosFromR(93.2)).toBeCloseTo(4.409285824, 9);
    expect(mosFromR(50)).toBeCloseTo(1 + 1.75 + 50 * -10 * 50 * 7e-6, 12); // 2.5750
  });

  it('G.711 + PLC without loss or delay: R = 93.2, MOS 4.41', () => {
    const r = eModel({ codec: 'G711', lossPercent: 0 });
    expect(r.r).toBeCloseTo(93.2, 12);
    expect(r.mos).toBeCloseTo(4.409285824, 9);
  });

  it('G.711 + PLC at 2 % random loss: Ie,eff = 95·2/(2 + 25.1) = 7.0111', () => {
    const r = eModel({ codec: 'G711', lossPercent: 2 });
    expect(r.ieEff).toBeCloseTo(7.011070111, 8);
    expect(r.r).toBeCloseTo(86.188929889, 8);
    expect(r.mos).toBeCloseTo(4.234832576, 8);
  });

  it('G.729A: Ie 11 → R 82.2, MOS 4.104; at 5 % Ie,eff = 11 + 84·5/24 = 28.5', () => {
    expect(eModel({ codec: 'G729A', lossPercent: 0 }).mos).toBeCloseTo(4.104375064, 9);
    const r = eModel({ codec: 'G729A', lossPercent: 5 });
    expect(r.ieEff).toBeCloseTo(28.5, 12);
    expect(r.mos).toBeCloseTo(3.339640639, 8);
  });

  it('delay impairment: 0.024·Ta below 177.3 ms, plus 0.11·(Ta − 177.3) above', () => {
    expect(delayImpairment(0)).toBe(0);
    expect(delayImpairment(100)).toBeCloseTo(2.4, 12);
    expect(delayImpairment(200)).toBeCloseTo(7.297, 12);
    expect(eModel({ codec: 'G711', lossPercent: 0, oneWayDelayMs: 200 }).mos).toBeCloseTo(4.226180124, 8);
  });

  it('burst ratio and clamping', () => {
    expect(effectiveEquipmentImpairment(0, 25.1, 10, 2)).toBeCloseTo(31.561461794, 8); // 950/30.1
    expect(effectiveEquipmentImpairment(0, 25.1, -3)).toBe(0); // duplicates: no negative loss
    expect(effectiveEquipmentImpairment(0, 25.1, 100)).toBeCloseTo((95 * 100) / 125.1, 12);
  });

  it('codec classes', () => {
    expect(codecForEncoding('PCMA')).toBe('G711');
    expect(codecForEncoding('pcmu')).toBe('G711');
    expect(codecForEncoding('G729')).toBe('G729A');
    expect(codecForEncoding('G722')).toBe('G722');
    expect(codecForEncoding('opus')).toBe('Opus');
    expect(codecForEncoding('telephone-event')).toBeNull();
    expect(codecForEncoding('H263')).toBeNull();
    expect(CODEC_IMPAIRMENT['G711-noPLC'].bpl).toBe(4.3);
  });
});
