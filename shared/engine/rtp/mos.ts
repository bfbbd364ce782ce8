// Estimated MOS from the ITU-T G.107 E-model, reduced the way docs/metrics.md specifies:
//   R = 93.2 − Id − Ie,eff          (every other G.107 input at its default value)
//   Ie,eff = Ie + (95 − Ie) · Ppl / (Ppl / BurstR + Bpl)          (G.107, effective equipment impairment)
//   Id ≈ 0.024·Ta + 0.11·(Ta − 177.3)·H(Ta − 177.3)               (Cole & Rosenbluth's fit
//        of G.107's Idd/Idte/Idle for default echo settings; H = unit step)
//   MOS = 1 + 0.035·R + R·(R − 60)·(100 − R)·7·10⁻⁶ for 0 < R < 100  (G.107 Annex B, B-4)
// Label results "estimated MOS (E-model)" and show the inputs next to them.

/** Codec classes we have impairment values for. */
export type MosCodec = 'G711' | 'G711-noPLC' | 'G729A' | 'G722' | 'Opus';

export interface CodecImpairment {
  /** Equipment impairment factor Ie (narrowband R scale). */
  ie: number;
  /** Packet-loss robustness factor Bpl. */
  bpl: number;
  /** Where the numbers come from. */
  source: string;
}

export const CODEC_IMPAIRMENT: Readonly<Record<MosCodec, CodecImpairment>> = {
  // ITU-T G.113 Appendix I, Tables I.1 / I.3 (G.711 with Appendix I PLC, random loss).
  G711: { ie: 0, bpl: 25.1, source: 'ITU-T G.113 App. I (G.711 + PLC)' },
  // G.113 App. I: G.711 without packet-loss concealment.
  'G711-noPLC': { ie: 0, bpl: 4.3, source: 'ITU-T G.113 App. I (G.711, no PLC)' },
  // G.113 App. I: G.729A + VAD, 8 kbit/s.
  G729A: { ie: 11, bpl: 19.0, source: 'ITU-T G.113 App. I (G.729A)' },
  // Our choice: G.113 rates G.722 only on the wideband scale (Ie,wb), which this narrowband
  // formula cannot use. Heard through a narrowband model G.722 is at least as clean as
  // G.711 and has comparable concealment (G.722 App. III/IV), so it gets G.711+PLC values.
  G722: { ie: 0, bpl: 25.1, source: 'chosen: treated as G.711 + PLC (no narrowband G.113 value)' },
  // Our choice: G.113 lists no Opus values. At VoIP bitrates (≥ 16 kbit/s) Opus is
  // transparent on the narrowband scale (Ie 0); its PLC/FEC differs by mode, so Bpl 20 sits
  // between G.729A (19) and G.711+PLC (25.1): a little pessimistic rather than flattering.
  Opus: { ie: 0, bpl: 20, source: 'chosen: Ie 0, Bpl 20 (no G.113 value)' },
};

/** Codec class for an encoding name (SDP a=rtpmap or static table), null when we have none. */
export function codecForEncoding(encoding: string): MosCodec | null {
  const e = encoding.toUpperCase();
  if (e === 'PCMU' || e === 'PCMA' || e === 'G711' || e === 'G711U' || e === 'G711A') return 'G711';
  if (e.startsWith('G729')) return 'G729A';
  if (e === 'G722') return 'G722';
  if (e === 'OPUS') return 'Opus';
  return null;
}

/** Delay impairment Id for one-way mouth-to-ear delay Ta in ms (0 for Ta ≤ 0 / unknown). */
export function delayImpairment(taMs: number): number {
  if (!(taMs > 0)) return 0;
  return 0.024 * taMs + (taMs > 177.3 ? 0.11 * (taMs - 177.3) : 0);
}

/** Ie,eff for packet-loss percentage ppl (0..100); burstR = 1 for random loss. */
export function effectiveEquipmentImpairment(ie: number, bpl: number, ppl: number, burstR = 1): number {
  const p = ppl > 0 ? Math.min(ppl, 100) : 0;
  const b = burstR > 0 ? burstR : 1;
  return ie + ((95 - ie) * p) / (p / b + bpl);
}

/** MOS-CQE from R (G.107 Annex B). */
export function mosFromR(r: number): number {
  if (!(r > 0)) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}

export interface EModelInput {
  codec: MosCodec;
  /** Packet loss, percent (0..100). Negative (duplicates) counts as 0. */
  lossPercent: number;
  /** One-way delay Ta in ms when known (RTCP RTT / 2 + jitter-buffer allowance); else 0. */
  oneWayDelayMs?: number;
  /** Burst ratio; 1 = random loss (default). */
  burstR?: number;
}

export interface EModelResult {
  r: number;
  mos: number;
  id: number;
  ieEff: number;
}

/** R and MOS for one set of inputs. */
export function eModel(input: EModelInput): EModelResult {
  const c = CODEC_IMPAIRMENT[input.codec];
  const id = delayImpairment(input.oneWayDelayMs ?? 0);
  const ieEff = effectiveEquipmentImpairment(c.ie, c.bpl, input.lossPercent, input.burstR ?? 1);
  const r = 93.2 - id - ieEff;
  return { r, mos: mosFromR(r), id, ieEff };
}
