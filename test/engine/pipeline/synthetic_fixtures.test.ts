// The synthetic fixtures (test/fixtures/synthetic: one capture per link layer, tunnel, SIP
// transport and container) through the whole CLI path: importCapture into an in-memory
// index, then buildAnalyzeDocument, exactly what `calltrace analyze --json` prints.
//
// Three independent checks:
//  (a) the committed files are what make_synthetic.ts builds, byte for byte, so the script
//      stays the source of truth (a hand-edited or stale capture fails here);
//  (b) the engine finds exactly the calls and streams expected.json derives from the
//      construction (not from a previous run of the analyzer);
//  (c) tshark, a decoder we did not write, agrees with expected.json on the RTP streams of
//      every file and on the SIP messages per Call-ID wherever it decodes the SIP (all but
//      HEP and TLS), so a generator bug cannot hide behind a matching engine bug.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildAnalyzeDocument, type StreamDoc } from '../../../electron/node/cli/call_document.ts';
import { importCapture } from '../../../electron/node/ingest/import_capture.ts';
import { openIndex } from '../../../electron/node/store/index_store.ts';
import { SYNTHETIC_DIR, buildAll, type ExpectedFile, type ExpectedStream } from '../../fixtures/synthetic/make_synthetic.ts';

const built = buildAll();
const committed = JSON.parse(readFileSync(join(SYNTHETIC_DIR, 'expected.json'), 'utf8')) as { files: ExpectedFile[] };
const CAPTURE_RE = /\.(pcap|pcapng|pcap\.gz)$/;

const HAS_TSHARK = spawnSync('tshark', ['-v'], { encoding: 'utf8' }).status === 0;
if (!HAS_TSHARK) {
  console.error('\n!!!!!!!! tshark NOT FOUND: the synthetic fixtures are NOT cross-checked against tshark (part (c) SKIPPED) !!!!!!!!\n');
}

/** The fields expected.json pins down, from a stream of the CLI document. */
function streamFacts(s: StreamDoc): ExpectedStream {
  return {
    src: s.src,
    dst: s.dst,
    ssrc: s.ssrc,
    packets: s.packets,
    lost: s.lost,
    // Rounded: the nanosecond file puts sub-µs offsets on every packet; closeness is
    // checked separately below.
    gapsMs: s.gaps.filter((g) => !g.trailing).map((g) => Math.round(g.durationMs)),
  };
}

const bySsrc = (a: { ssrc: string }, b: { ssrc: string }): number => a.ssrc.localeCompare(b.ssrc);

describe('synthetic fixtures: make_synthetic.ts is the source of truth', () => {
  it('expected.json is exactly what the generator derives', () => {
    // CRLF-tolerant: a checkout with core.autocrlf may rewrite this text file, not its meaning.
    expect(readFileSync(join(SYNTHETIC_DIR, 'expected.json'), 'utf8').replace(/\r\n/g, '\n')).toBe(built.expectedJson);
  });

  it('the directory holds exactly the generated captures', () => {
    const onDisk = readdirSync(SYNTHETIC_DIR).filter((f) => CAPTURE_RE.test(f)).sort();
    expect(onDisk).toEqual([...built.files.keys()].sort());
  });

  it.each([...built.files.keys()])('%s regenerates byte for byte', (file) => {
    const disk = new Uint8Array(readFileSync(join(SYNTHETIC_DIR, file)));
    const mem = built.files.get(file)!;
    expect(disk.length).toBe(mem.length);
    // One comparison, not a 10 KB array diff; name the first differing byte if any.
    const firstDiff = disk.findIndex((b, i) => b !== mem[i]);
    expect(firstDiff, `first differing byte at offset ${firstDiff}`).toBe(-1);
  });
});

describe('synthetic fixtures: importCapture + buildAnalyzeDocument', () => {
  it.each(committed.files.map((e) => [e.file, e] as const))('%s', async (file, exp) => {
    const store = openIndex(':memory:');
    try {
      const out = await importCapture(store, join(SYNTHETIC_DIR, file));
      expect(out.status, out.error ?? '').toBe('ok');
      const src = store.getSource(out.sourceId!)!;
      expect(src.format).toBe(exp.format);
      expect([...src.linkTypes].sort((a, b) => a - b)).toEqual([...exp.linkTypes].sort((a, b) => a - b));
      expect(src.packets).toBe(exp.packets);

      const doc = buildAnalyzeDocument(store, [out.sourceId!]);
      const calls = doc.calls.map((c) => ({
        callId: c.callId,
        sipMessages: c.sipMessages,
        answered: c.answered,
        finalStatus: c.finalStatus,
        endMethod: c.endMethod,
        endedBy: c.endedBy,
        streams: c.streams.map(streamFacts).sort(bySsrc),
      }));
      expect(calls).toEqual(exp.calls.map(({ transport: _t, ...c }) => ({ ...c, streams: [...c.streams].sort(bySsrc) })));
      expect(doc.unassociatedStreams.map(streamFacts).sort(bySsrc)).toEqual([...exp.unassociatedStreams].sort(bySsrc));

      // Every SIP message reached the analyzer over the transport the file is about.
      for (const [i, c] of exp.calls.entries()) {
        const row = store.findCallsByCallId(c.callId);
        expect(row).toHaveLength(1);
        const detail = store.getCall(row[0].id)!;
        expect(detail.messages.map((m) => m.transport), `call ${i}`).toEqual(new Array(c.sipMessages).fill(c.transport));
      }

      // The deliberate anomalies, stated directly: lost = 3 on the lossy stream, one ~300 ms
      // gap on the other, no trailing silence (the BYE follows the last packet by 20 ms).
      const streams = [...doc.calls.flatMap((c) => c.streams), ...doc.unassociatedStreams];
      expect(streams).toHaveLength(2);
      const lossy = streams.find((s) => s.lost > 0)!;
      const gappy = streams.find((s) => s.gaps.length > 0)!;
      expect(lossy.lost).toBe(3);
      expect(lossy.gaps).toEqual([]);
      expect(gappy).not.toBe(lossy);
      expect(gappy.lost).toBe(0);
      expect(gappy.gaps).toHaveLength(1);
      expect(gappy.gaps[0].trailing).toBe(false);
      expect(gappy.gaps[0].durationMs).toBeGreaterThan(299);
      expect(gappy.gaps[0].durationMs).toBeLessThan(301);

      // Exactly the expected warnings (TLS: 'tls.encrypted'), and the statistics that prove
      // the file exercised its feature (a reassembly, a retransmission …).
      const stats = store.sourceStats(out.sourceId!);
      expect(doc.sources[0].warnings.map((w) => w.key).sort()).toEqual([...exp.warnings].sort());
      for (const [key, n] of Object.entries(exp.engineStats)) {
        expect(stats.find((s) => s.key === key)?.count ?? 0, key).toBe(n);
      }
    } finally {
      store.close();
    }
  });
});

interface TsharkStream { src: string; dst: string; ssrc: string; packets: number; lost: number }

/** Rows of `-z rtp,streams`: start end src sport dst dport ssrc payload pkts lost (pct) … */
const RTP_ROW = /^\s*[\d.]+\s+[\d.]+\s+(\S+)\s+(\d+)\s+(\S+)\s+(\d+)\s+(0x[0-9A-Fa-f]+)\s+(.+?)\s+(\d+)\s+(-?\d+)\s+\(/;

function tshark(args: string[]): string {
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`tshark ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

function tsharkStreams(path: string, options: string[]): TsharkStream[] {
  const out: TsharkStream[] = [];
  for (const line of tshark(['-r', path, ...options, '-q', '-o', 'rtp.heuristic_rtp:TRUE', '-z', 'rtp,streams']).split('\n')) {
    const m = RTP_ROW.exec(line);
    if (!m) continue;
    const ep = (ip: string, port: string): string => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
    out.push({ src: ep(m[1], m[2]), dst: ep(m[3], m[4]), ssrc: '0x' + m[5].slice(2).toUpperCase().padStart(8, '0'), packets: Number(m[7]), lost: Number(m[8]) });
  }
  return out.sort(bySsrc);
}

/** SIP messages per Call-ID; a frame with several messages lists their Call-IDs comma-joined. */
function tsharkSipCounts(path: string, options: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of tshark(['-r', path, ...options, '-Y', 'sip', '-T', 'fields', '-e', 'sip.Call-ID']).split('\n')) {
    if (line === '') continue;
    for (const id of line.split(',')) counts[id] = (counts[id] ?? 0) + 1;
  }
  return counts;
}

describe('synthetic fixtures: tshark agrees with expected.json', () => {
  if (!HAS_TSHARK) {
    it.skip('SKIPPED — tshark is not installed: synthetic fixtures NOT cross-checked against tshark', () => {});
    return;
  }

  it.each(committed.files.map((e) => [e.file, e] as const))('%s: RTP streams (packets, lost)', (file, exp) => {
    const want = [...exp.calls.flatMap((c) => c.streams), ...exp.unassociatedStreams]
      .map(({ src, dst, ssrc, packets, lost }) => ({ src, dst, ssrc, packets, lost }))
      .sort(bySsrc);
    expect(tsharkStreams(join(SYNTHETIC_DIR, file), exp.tshark.options)).toEqual(want);
  });

  const withSip = committed.files.filter((e) => e.tshark.sip);
  it.each(withSip.map((e) => [e.file, e] as const))('%s: SIP messages per Call-ID', (file, exp) => {
    const want = Object.fromEntries(exp.calls.map((c) => [c.callId, c.sipMessages]));
    expect(tsharkSipCounts(join(SYNTHETIC_DIR, file), exp.tshark.options)).toEqual(want);
  });

  it('only HEP and TLS are left out of the SIP cross-check', () => {
    expect(committed.files.filter((e) => !e.tshark.sip).map((e) => e.file).sort()).toEqual(['hep_v2.pcap', 'hep_v3.pcap', 'sip_tls.pcap']);
  });
});
