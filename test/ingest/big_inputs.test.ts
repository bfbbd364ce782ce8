// Issue 10, defect 3: inputs big or deep enough to overflow the stack, or to grow memory
// without bound, must be read whole (or summarised with a named warning), never lose the
// file. Before: one call of 150 005 SIP messages failed its whole source with 0 calls
// (`Math.min(...spread)`); 200 000 SSRCs in an 18 MB file took 2.3 GB and exited 1 with no
// output (3 KB of tables per stream, every stream kept, then `push(...spread)`); one agent
// event nested 10 000 deep lost the whole events file (JSON.stringify recursion).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAgentEvents } from '../../shared/cdr/agent_events.ts';
import { parseTwilioInsightsJson } from '../../shared/cdr/twilio_insights_json.ts';
import { reInviteStormCapture, ssrcFloodCapture } from '../support/hostile_inputs.ts';
import { REPO_ROOT } from '../support/oracle.ts';

const tmp = mkdtempSync(join(tmpdir(), 'calltrace-big-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs the CLI in a child process and reports its peak RSS (measured in the child, at exit). */
function calltrace(...args: string[]) {
  const probe = join(tmp, 'rss_probe.mjs');
  writeFileSync(probe, "process.on('exit', () => process.stderr.write(`maxrss_kb=${process.resourceUsage().maxRSS}\\n`));\n");
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', probe, join(REPO_ROOT, 'electron/node/cli/main.ts'), ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 300_000, maxBuffer: 1 << 30 });
  const rss = /maxrss_kb=(\d+)/.exec(r.stderr ?? '');
  return { code: r.status, out: r.stdout, err: r.stderr, error: r.error, maxRssMb: rss ? Number(rss[1]) / 1024 : NaN };
}

describe('big and deep inputs', () => {
  it('one call with 150 005 SIP messages (50 000 re-INVITEs) is indexed whole', () => {
    const file = join(tmp, 'reinvite_storm.pcap');
    writeFileSync(file, reInviteStormCapture('storm@test', 50_000));
    const r = calltrace('analyze', file, '--json');
    expect(r.error).toBeUndefined();
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.sources[0]).toMatchObject({ status: 'ok', error: null, calls: 1, packets: 150_005 });
    expect(doc.calls.length).toBe(1);
    expect(doc.calls[0]).toMatchObject({ callId: 'storm@test', sipMessages: 150_005, answered: true, finalStatus: 200, endMethod: 'BYE', endedBy: 'caller' });
  }, 320_000);

  it('200 000 SSRCs in one file: finished with output, streams summarised past a cap, memory bounded', () => {
    const file = join(tmp, 'ssrc_flood.pcap');
    writeFileSync(file, ssrcFloodCapture(200_000));
    const r = calltrace('analyze', file, '--json');
    expect(r.error).toBeUndefined();
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.sources[0]).toMatchObject({ status: 'ok', packets: 200_000 });
    // Rows are bounded: past the cap, streams are counted in a named warning, not kept one by one.
    expect(doc.unassociatedStreams.length).toBeGreaterThan(0);
    expect(doc.unassociatedStreams.length).toBeLessThanOrEqual(10_000);
    const w = doc.sources[0].warnings.find((x: { key: string }) => x.key === 'media.streams_capped');
    expect(w).toBeDefined();
    expect(w.count + doc.unassociatedStreams.length).toBe(200_000);
    // Before: 2.3 GB. A generous bound: the point is that it no longer grows per stream.
    expect(r.maxRssMb).toBeLessThan(900);
  }, 320_000);

  it('an agent-event line nested 10 000 deep is one problem with its line; the other lines are imported', () => {
    const good = readFileSync(join(REPO_ROOT, 'test/fixtures/cdr/agent_events.jsonl'), 'utf8').split('\n')[0];
    const deep = `{"call_id":"deep@test","initiator":"agent","sip_final_code":200,"nested":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const text = [good, deep, good.replace('"call_id":"', '"call_id":"other-')].join('\n') + '\n';
    const parsed = parseAgentEvents(text);
    expect(parsed.events.map((e) => e.line)).toEqual([1, 3]);
    expect(parsed.problems).toEqual([{ line: 2, message: expect.stringMatching(/nested more than \d+ levels deep/) }]);
    // The same as a JSON array: element 2 is the problem.
    const arr = parseAgentEvents(`[${good},\n${deep},\n${good}]`);
    expect([arr.events.length, arr.problems.map((p) => p.line)]).toEqual([2, [2]]);

    const file = join(tmp, 'events.jsonl');
    writeFileSync(file, text);
    const r = calltrace('analyze', file, '--json');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/events\.jsonl: 1 of 3 lines could not be used \(first: line 2, .*nested more than/);
    const doc = JSON.parse(r.out);
    expect(doc.sources[0]).toMatchObject({ kind: 'agent_events', status: 'partial', packets: 2 });
  });

  it('a Twilio Voice Insights summary nested 10 000 deep is one problem; the others are imported', () => {
    const one = (sid: string, extra = '') => `{"call_sid":"${sid}","start_time":"2026-01-15T10:00:00Z","call_state":"completed","duration":10${extra}}`;
    const text = [one('CA1'), one('CA2', `,"properties":{"x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`), one('CA3')].join('\n');
    const parsed = parseTwilioInsightsJson(text);
    expect(parsed.records.map((x) => x.vendorId)).toEqual(['CA1', 'CA3']);
    expect(parsed.problems).toEqual([{ line: 2, message: expect.stringMatching(/nested more than \d+ levels deep/) }]);
  });
});
