// The real command line, as a user runs it: `npm run -s calltrace -- analyze …`.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/oracle.ts';

const FIX = join(REPO_ROOT, 'test/fixtures/captures');
const tmp = mkdtempSync(join(tmpdir(), 'calltrace-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function calltrace(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/node/cli/main.ts'), ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('calltrace analyze', () => {
  it('prints one JSON document with calls, unassociated streams and sources', () => {
    const r = calltrace('analyze', join(FIX, 'agent_bye.pcapng'), '--json');
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    expect(Object.keys(doc).sort()).toEqual(['calls', 'sources', 'unassociatedStreams']);
    const call = doc.calls.find((c: { kind: string }) => c.kind === 'call');
    for (const k of ['callId', 'from', 'to', 'startTime', 'answered', 'durationMs', 'finalStatus', 'endMethod', 'endedBy', 'q850Cause', 'sipMessages', 'streams']) {
      expect(call, k).toHaveProperty(k);
    }
    expect(call.startTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(call).toMatchObject({ answered: true, finalStatus: 200, endMethod: 'BYE', endedBy: 'callee' });
    expect(call.streams.length).toBe(2);
    for (const s of call.streams) {
      expect(s.ssrc).toMatch(/^0x[0-9A-F]{8}$/);
      expect(s.src).toMatch(/^127\.0\.\d+\.\d+:\d+$/);
      for (const k of ['dst', 'payloadType', 'packets', 'lost', 'maxDeltaMs', 'maxJitterMs', 'meanJitterMs', 'gaps']) expect(s, k).toHaveProperty(k);
    }
    expect(doc.sources[0]).toMatchObject({ name: 'agent_bye.pcapng', status: 'ok', format: 'pcapng' });
  });

  it('prints a readable table by default', () => {
    const r = calltrace('analyze', join(FIX, 'sip_486.pcapng'));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/== sip_486\.pcapng {2}pcapng, \d+ packets, 1 call\(s\)/);
    expect(r.out).toMatch(/486 rejected/);
  });

  it('reports each bad file in one line, keeps the good ones, and exits 0 when something was read', () => {
    const bad = join(tmp, 'notes.txt');
    writeFileSync(bad, 'hello, this is not a capture\n');
    const r = calltrace('analyze', bad, join(FIX, 'sip_486.pcapng'), '--json');
    expect(r.code).toBe(0);
    expect(r.err.trim()).toBe(`calltrace: ${bad}: not a capture file (pcap, pcapng or Network Monitor) — first bytes 68 65 6c 6c`);
    expect(JSON.parse(r.out).calls.length).toBeGreaterThan(0);
  });

  it('exits non-zero when nothing could be read', () => {
    const r = calltrace('analyze', join(tmp, 'missing.pcap'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/missing\.pcap: cannot read the file \(ENOENT\)/);
  });

  it('keeps the index in --db and shows indexed calls on a re-run without re-reading', () => {
    const db = join(tmp, 'lib.db');
    const a = calltrace('analyze', join(FIX, 'cancel_487.pcapng'), '--db', db, '--json');
    const b = calltrace('analyze', join(FIX, 'cancel_487.pcapng'), '--db', db, '--json');
    expect(a.code).toBe(0);
    expect(b.err).toMatch(/already indexed/);
    expect(JSON.parse(b.out).calls).toEqual(JSON.parse(a.out).calls);
  });

  it('rejects an unknown option with the usage', () => {
    const r = calltrace('analyze', '--frobnicate');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown option --frobnicate/);
    expect(r.err).toMatch(/usage: calltrace analyze/);
  });
});
