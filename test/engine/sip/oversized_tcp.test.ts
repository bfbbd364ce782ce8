// Issue 10, defect 4: an oversized SIP message over TCP — a 290 KB INVITE, or one announcing
// `Content-Length: 4294967295` — vanished without a word, and the lying length swallowed the
// rest of its direction: the call showed "unanswered, in progress" although its 200 OK was
// in the capture. Now the message is kept without its body past the limit, counted in a
// named per-source warning, and the framer resynchronises on the next SIP start line.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureAnalyzer, type AnalyzedCall } from '../../../shared/engine/capture_analyzer.ts';
import { SipStreamFramer } from '../../../shared/engine/sip/sip_stream_framer.ts';
import { CaptureReader } from '../../../shared/engine/capture/capture_reader.ts';
import { PcapWriter } from '../../../shared/engine/capture/capture_writer.ts';
import { concat } from '../../../shared/engine/capture/packet_builder.ts';
import { Stats } from '../../../shared/model/stats.ts';
import { oversizedTcpInviteCapture } from '../../support/hostile_inputs.ts';
import { REPO_ROOT } from '../../support/oracle.ts';

const tmp = mkdtempSync(join(tmpdir(), 'calltrace-oversized-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const dec = (b: Uint8Array): string => Array.from(b, (x) => String.fromCharCode(x)).join('');
const msg = (id: string, body = ''): string => `OPTIONS sip:h SIP/2.0\r\nCall-ID: ${id}\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

function analyze(bytes: Uint8Array) {
  const calls: AnalyzedCall[] = [];
  const a = new CaptureAnalyzer({ call: (c) => void calls.push(c), unassociatedStream: () => {}, unassociatedRtcp: () => {} });
  a.push(bytes);
  return { calls, summary: a.end() };
}

const CASES = [
  { name: 'a 290 KB INVITE', spec: { callId: 'big-invite@test', bodyBytes: 290_000 } },
  { name: 'an INVITE announcing Content-Length: 4294967295', spec: { callId: 'huge-cl@test', contentLength: '4294967295' } },
] as const;

describe('oversized SIP over TCP', () => {
  for (const c of CASES) {
    it(`${c.name}: kept without its body, counted, and the rest of the stream read`, () => {
      const { calls, summary } = analyze(oversizedTcpInviteCapture(c.spec));
      expect(summary.fatal).toBeNull();
      const w = summary.stats.list().find((s) => s.key === 'sip.tcp_oversized');
      expect(w).toMatchObject({ severity: 'warning', count: 1 });
      expect(calls.length).toBe(1);
      const f = calls[0].facts;
      expect(f.callId).toBe(c.spec.callId);
      expect(f.messages.map((m) => m.label)).toEqual(['INVITE', '100 Trying', '200 OK', 'ACK', 'BYE', '200 OK']);
      expect(f).toMatchObject({ answered: true, finalStatus: 200, endMethod: 'BYE', endedBy: 'caller' });
      // What is kept of the INVITE is bounded by the framer's limit (256 KiB).
      expect(calls[0].rawMessages[0].length).toBeLessThanOrEqual(256 * 1024);
    });
  }

  it('the framer resynchronises on the next start line after a lying Content-Length', () => {
    const f = new SipStreamFramer({ maxMessageBytes: 4096 });
    const liar = 'MESSAGE sip:h SIP/2.0\r\nCall-ID: liar\r\nContent-Length: 4294967295\r\n\r\nshort body\r\n';
    const out = [...f.push(enc(liar), 1, 1), ...f.push(enc(msg('after-1') + msg('after-2', 'x=1\r\n')), 2, 2)];
    expect(out.map((m) => dec(m.bytes).split('\r\n')[1])).toEqual(['Call-ID: liar', 'Call-ID: after-1', 'Call-ID: after-2']);
    expect(out[0].oversized).toBe(true);
    expect(f.stats.oversized).toBe(1);
    expect(f.pendingBytes).toBe(0);
  });

  it('a capture that ends inside a SIP message over TCP says so (the framer is ended, not dropped)', () => {
    // A 5 kB INVITE goes out in four segments; the capture keeps the handshake and the first one.
    const whole = oversizedTcpInviteCapture({ callId: 'cut-invite@test', bodyBytes: 5000 });
    const w = new PcapWriter({ linkType: 1 });
    const kept: Uint8Array[] = [w.header()];
    const reader = new CaptureReader(new Stats(), (p) => {
      if (p.frame <= 4) kept.push(w.packet(p.tsUs, p.buf.slice(p.off, p.off + p.capLen)));
    });
    reader.push(whole);
    reader.end();
    const { calls, summary } = analyze(concat(...kept));
    expect(calls).toEqual([]);
    expect(summary.stats.list().find((s) => s.key === 'sip.tcp_cut_message')).toMatchObject({
      severity: 'warning', count: 1, description: expect.stringMatching(/never completed \(the capture ended inside it\)/),
    });
    // The whole capture has no cut message.
    expect(analyze(whole).summary.stats.list().map((s) => s.key)).not.toContain('sip.tcp_cut_message');
  });

  it('analyze: the call is answered and the source carries the warning', () => {
    const file = join(tmp, 'huge_cl.pcap');
    writeFileSync(file, oversizedTcpInviteCapture({ callId: 'cli-huge-cl@test', contentLength: '4294967295' }));
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/node/cli/main.ts'), 'analyze', file, '--json'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.sources[0].warnings.map((w: { key: string }) => w.key)).toContain('sip.tcp_oversized');
    expect(doc.calls[0]).toMatchObject({ callId: 'cli-huge-cl@test', answered: true, finalStatus: 200, sipMessages: 6 });
    expect(doc.calls[0].diagnosis.cause).not.toBe('in_progress');
  });
});
