// Issue 10, defect 2: a packet timestamp outside JavaScript's date range (pcapng if_tsoffset
// of 9e12 s, if_tsresol of 1 s with a huge timestamp, a 64-bit µs value near 2^63) killed the
// whole `analyze` run with "calltrace: Invalid time value" (rc 1, no output, other files
// lost), and in `serve` made getSummary fail for the whole library. Such packets are now a
// named warning with a usable time, and no single bad value can make a date formatter throw.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureAnalyzer, type AnalyzedCall } from '../../shared/engine/capture_analyzer.ts';
import { summarize } from '../../shared/diagnosis/call_summary.ts';
import { clock } from '../../shared/diagnosis/evidence_text.ts';
import { MAX_TIME_US, isoFromUs } from '../../shared/model/time.ts';
import { iso } from '../../electron/node/cli/call_document.ts';
import { startBackend } from '../api/support.ts';
import { outOfRangeTimeCapture } from '../support/hostile_inputs.ts';
import { REPO_ROOT } from '../support/oracle.ts';

const tmp = mkdtempSync(join(tmpdir(), 'calltrace-badtime-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const KINDS = ['tsoffset', 'seconds', 'micros'] as const;

function analyze(bytes: Uint8Array) {
  const calls: AnalyzedCall[] = [];
  const a = new CaptureAnalyzer({ call: (c) => void calls.push(c), unassociatedStream: () => {}, unassociatedRtcp: () => {} });
  a.push(bytes);
  return { calls, summary: a.end() };
}

describe('timestamps outside the date range', () => {
  for (const kind of KINDS) {
    it(`${kind}: a named warning, a representable time, and both calls kept`, () => {
      const { calls, summary } = analyze(outOfRangeTimeCapture(kind));
      expect(summary.fatal).toBeNull();
      expect(summary.packets).toBe(10);
      const warn = summary.stats.list().find((s) => s.key === 'capture.bad_timestamp');
      expect(warn).toMatchObject({ severity: 'warning', count: 5 });
      expect(calls.map((c) => c.facts.callId).sort()).toEqual(['bad-time-call@test', 'good-call@test']);
      for (const c of calls) {
        for (const us of [c.facts.startUs, c.facts.endUs, ...c.facts.messages.map((m) => m.tsUs)]) expect(Math.abs(us)).toBeLessThanOrEqual(MAX_TIME_US);
        expect(c.facts.answered).toBe(true);
      }
      for (const us of [summary.firstUs!, summary.lastUs!]) expect(() => new Date(us / 1000).toISOString()).not.toThrow();
    });
  }

  it('date formatters never throw, whatever the value', () => {
    for (const us of [NaN, Infinity, -Infinity, 9e18, -9e18, 1.8e25, 2 ** 63]) {
      expect(() => iso(us)).not.toThrow();
      expect(() => isoFromUs(us)).not.toThrow();
      expect(() => clock(us)).not.toThrow();
      expect(() => summarize([{ startUs: us, bucket: 3, cause: 'agent_bye', q850Cause: null, finalStatus: 200, answered: true, durationMs: 1000, pddMs: null, peer: 'p' }])).not.toThrow();
    }
    expect(isoFromUs(Date.UTC(2026, 0, 15) * 1000)).toBe('2026-01-15T00:00:00.000Z');
    expect(isoFromUs(9e18)).toBe('invalid time');
  });

  it('analyze: the run goes on, every file is printed with its warning, exit 0', () => {
    const files = KINDS.map((k) => {
      const p = join(tmp, `${k}.pcapng`);
      writeFileSync(p, outOfRangeTimeCapture(k));
      return p;
    });
    const good = join(REPO_ROOT, 'test/fixtures/captures/sip_486.pcapng');
    const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/node/cli/main.ts'), ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
    const r = run('analyze', ...files, good, '--json');
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.sources.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([
      ['tsoffset.pcapng', 'ok'], ['seconds.pcapng', 'ok'], ['micros.pcapng', 'ok'], ['sip_486.pcapng', 'ok'],
    ]);
    for (const s of doc.sources.slice(0, 3)) expect(s.warnings.map((w: { key: string }) => w.key)).toContain('capture.bad_timestamp');
    expect(doc.calls.length).toBe(7);
    const table = run('analyze', ...files, good);
    expect(table.status, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/timestamp/);
    const report = run('report', ...files, good, '--json');
    expect(report.status, report.stderr).toBe(0);
    // The three damaged files are copies of one capture (the same two calls, same Call-IDs,
    // numbers and times): a call seen in several captures is one attempt, so 2 + sip_486's 1.
    expect(JSON.parse(report.stdout).summary.attempts).toBe(3);
  });

  it('serve: the library summary still answers after such an import', async () => {
    const t = await startBackend();
    try {
      await t.backend.handlers.importUpload({ name: 'micros.pcapng', data: outOfRangeTimeCapture('micros') });
      await t.backend.imports.idle();
      const sum = await t.backend.handlers.getSummary({});
      expect(sum.attempts).toBe(2);
      expect(sum.byHour.every((h) => !h.hour.includes('NaN'))).toBe(true);
    } finally {
      await t.cleanup();
    }
  });
});
