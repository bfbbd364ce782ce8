import { describe, expect, it } from 'vitest';
import { exportFileName, pngScale, resolveCssVars, standaloneSvg } from '../../../renderer/features/call/export_svg_text.ts';
import { nothingToDraw } from '../../../renderer/features/call/empty_states.ts';
import { detail } from './call_fixture.ts';

describe('SVG export text', () => {
  const vars: Record<string, string> = { '--fg': ' #111 ', '--font-mono': "ui-monospace, 'DejaVu Sans Mono'" };
  const lookup = (n: string): string => vars[n] ?? '';
  it('resolves theme variables, with fallbacks, and keeps attributes quotable', () => {
    expect(resolveCssVars('<text style="fill: var(--fg); font-family: var(--font-mono)">', lookup)).toBe(`<text style="fill: #111; font-family: ui-monospace, 'DejaVu Sans Mono'">`);
    expect(resolveCssVars('stroke: var(--nope, red)', lookup)).toBe('stroke: red');
    expect(resolveCssVars('stroke: var(--nope, var(--fg))', lookup)).toBe('stroke: #111');
  });
  it('makes a standalone document with size and background', () => {
    const s = standaloneSvg('<svg viewBox="0 0 10 20" width="30" height="60"><g/></svg>', 10, 20, '#fff');
    expect(s).toMatch(/^<\?xml/);
    expect(s).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(s).toContain('width="10" height="20"');
    expect(s).not.toContain('width="30"');
    expect(s).toContain('<rect x="0" y="0" width="100%" height="100%" fill="#fff"/>');
    expect(() => standaloneSvg('<div/>', 1, 1, '#fff')).toThrow();
  });
  it('scales PNGs down for tall ladders and names files safely', () => {
    expect(pngScale(800, 600)).toBe(2);
    expect(800 * pngScale(800, 60_000)).toBeLessThanOrEqual(32_000);
    expect(60_000 * pngScale(800, 60_000)).toBeLessThanOrEqual(32_000);
    expect(exportFileName('1-agent bye@127.0.3.1/x', 'png')).toBe('ladder-1-agent_bye@127.0.3.1_x.png');
  });
});

describe('empty states', () => {
  it('says a CDR-only call has nothing to draw, naming the file and line', () => {
    const d = detail({ messages: [], streams: [], cdr: [{ source: 'Master.csv', line: 12, format: 'asterisk_master', join: 'cdr_only', joinDeltaMs: null, disposition: 'ANSWERED', q850Cause: null, sipCode: null, endedBy: null, durationS: null, billsecS: null, peer: '', raw: {} }] });
    d.row.origin = 'cdr';
    expect(nothingToDraw(d)).toContain('known from a CDR row only (Master.csv line 12): no SIP or RTP to draw');
  });
});
