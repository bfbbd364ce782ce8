// Agreement with tshark 4.0 (the corpus oracle) on real captures: every SIP message we decode
// from UDP, SCTP, TCP (framer), WebSocket and HEP must carry the same Call-ID, CSeq and status
// as tshark's ladder for that frame, and we must find every message tshark found on the
// transports handled here. Packets come from a tiny test-only reader (corpus_packets.ts).
import fs from 'node:fs';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeHep } from '../../../shared/engine/sip/hep_decoder.ts';
import { looksLikeSip, parseSipMessage } from '../../../shared/engine/sip/sip_parser.ts';
import { SipStreamFramer } from '../../../shared/engine/sip/sip_stream_framer.ts';
import { WebSocketStreamDecoder } from '../../../shared/engine/sip/websocket_decoder.ts';
import type { SipMessage } from '../../../shared/model/sip.ts';
import {
  CORPUS_DIR,
  corpusAvailable,
  corpusFile,
  oracleLadder,
  readOracle,
  readPackets,
  tcpDirections,
  type OracleLadderRow,
  type TestPacket,
} from './corpus_packets.ts';

if (!corpusAvailable) {
  console.warn(`\n!!!!! SIP CORPUS TESTS SKIPPED: no corpus at ${CORPUS_DIR} — agreement with tshark is NOT being checked !!!!!\n`);
}

/** Suite titles carry the reason when skipped, so the skip is visible in every reporter. */
const SKIP_NOTE = corpusAvailable ? '' : ` [SKIPPED: corpus missing at ${CORPUS_DIR}]`;

function sipOf(p: TestPacket, bytes: Uint8Array = p.payload): SipMessage | null {
  return parseSipMessage(bytes, { frame: p.frame, tsUs: p.tsUs, transport: p.transport === 'tcp' ? 'tcp' : p.transport, src: p.src, srcPort: p.srcPort, dst: p.dst, dstPort: p.dstPort });
}

/** tshark prints non-UTF-8 bytes as U+FFFD and stops at NUL: compare only clean ASCII rows. */
function printable(s: string): boolean {
  return /^[\x21-\x7e]+$/.test(s);
}

function agrees(m: SipMessage, o: OracleLadderRow): boolean {
  return m.callId === o.callId && m.cseq === o.cseq && m.cseqMethod === o.cseqMethod && m.statusCode === o.status;
}

/** Every frame number in the oracle ladder, including rows our row parser cannot split. */
function oracleFrames(name: string): Set<number> {
  const text = readOracle(name);
  const at = text.indexOf('(message ladder)');
  const frames = new Set<number>();
  if (at < 0) return frames;
  for (const line of text.slice(text.indexOf('\n', at) + 1).split('\n')) {
    if (!/^\d+ /.test(line)) break;
    frames.add(Number(line.slice(0, line.indexOf(' '))));
  }
  return frames;
}

const files = corpusAvailable ? fs.readdirSync(`${CORPUS_DIR}/pcap`).filter((f) => /\.(pcap|pcapng|cap)$/.test(f)).sort() : [];

describe.skipIf(!corpusAvailable)('SIP over UDP/SCTP agrees with tshark' + SKIP_NOTE, () => {
  it('matches the oracle ladder frame by frame across the corpus', () => {
    let matched = 0;
    const disagreements: string[] = [];
    const falsePositives: string[] = [];
    const missed: string[] = [];
    for (const f of files) {
      if (f === 'ndpi_fuzzed_aaa.pcap') continue; // corrupted on purpose: checked below
      const packets = readPackets(corpusFile(f));
      const rows = new Map(oracleLadder(f).map((r) => [r.frame, r]));
      const allFrames = oracleFrames(f);
      for (const p of packets) {
        if (p.transport === 'tcp' || p.fragment) continue;
        const gate = looksLikeSip(p.payload);
        const m = gate ? sipOf(p) : null;
        const o = rows.get(p.frame);
        if (!m) {
          if (o) missed.push(`${f}#${p.frame}`);
          continue;
        }
        if (!allFrames.has(p.frame)) falsePositives.push(`${f}#${p.frame}`);
        else if (o && printable(o.callId)) {
          if (agrees(m, o)) matched++;
          else disagreements.push(`${f}#${p.frame}: ${m.callId} ${m.cseq} ${m.cseqMethod} ${m.statusCode} vs ${JSON.stringify(o)}`);
        }
      }
    }
    expect(disagreements).toEqual([]);
    expect(missed).toEqual([]);
    expect(falsePositives).toEqual([]);
    expect(matched).toBeGreaterThan(9700);
  });

  it('extracts the SDP from the SIP-I multipart INVITE over SCTP', () => {
    const invite = readPackets(corpusFile('heplify_sip_sctp_sll.pcap'))
      .map((p) => sipOf(p))
      .find((m) => m?.method === 'INVITE')!;
    expect(invite.contentType.startsWith('multipart/mixed')).toBe(true);
    expect(invite.sdp?.media[0]).toMatchObject({ media: 'audio', port: 38060, payloadTypes: [8, 13, 96], connection: '10.249.30.145' });
    const rejected = readPackets(corpusFile('heplify_sip_sctp_sll.pcap')).map((p) => sipOf(p)).find((m) => m?.statusCode === 403)!;
    expect(rejected.reasons).toEqual([{ protocol: 'Q.850', cause: 21, text: 'nocallee' }]);
  });

  it('keeps the REGISTER without Call-ID and rejects the 4-byte junk (zeek)', () => {
    const packets = readPackets(corpusFile('zeek_sip_junk_before_request.pcap'));
    expect(packets.length).toBe(2);
    expect(looksLikeSip(packets[0].payload)).toBe(false);
    const m = sipOf(packets[1])!;
    expect(m.method).toBe('REGISTER');
    expect(m.callId).toBe('');
    expect(m.problems).toContain('missing Call-ID');
  });

  it('decodes the PROTOS c07 oversized-token requests like tshark and survives the rest', () => {
    const packets = readPackets(corpusFile('protos_c07_sip_r2.cap'));
    const rows = new Map(oracleLadder('protos_c07_sip_r2.cap').map((r) => [r.frame, r]));
    const got = packets.map((p) => (looksLikeSip(p.payload) ? sipOf(p) : null)).filter((m): m is SipMessage => m !== null);
    expect(got.map((m) => m.frame)).toEqual([...rows.keys()]);
    for (const m of got) expect(agrees(m, rows.get(m.frame)!)).toBe(true);
    expect(Math.max(...got.map((m) => m.method.length))).toBeGreaterThan(4000);
  });

  it('survives the fuzzed capture and agrees on its clean rows', () => {
    const f = 'ndpi_fuzzed_aaa.pcap';
    const rows = new Map(oracleLadder(f).map((r) => [r.frame, r]));
    let clean = 0;
    for (const p of readPackets(corpusFile(f))) {
      if (p.transport !== 'udp') continue;
      const m = looksLikeSip(p.payload) ? sipOf(p) : null;
      const o = rows.get(p.frame);
      // tshark shows non-UTF-8 bytes as U+FFFD and cuts strings at NUL; compare clean rows only.
      if (m && o && printable(o.callId) && printable(m.callId) && Number.isFinite(o.cseq) && /^[A-Z]+$/.test(o.cseqMethod)) {
        expect(agrees(m, o), `frame ${p.frame}`).toBe(true);
        clean++;
      }
    }
    expect(clean).toBeGreaterThanOrEqual(15);
  });
});

describe.skipIf(!corpusAvailable)('SIP over TCP (stream framer) agrees with tshark' + SKIP_NOTE, () => {
  const tcpFiles = [
    'heplify_sip_tcp_segmented_port6060.pcap',
    'heplify_sip_tcp_call_rtp.pcap',
    'heplify_sip_tcp_retrans_sll.pcap',
    'suricata_sip_tcp_large_body_null.pcap',
    'suricata_sip_tcp_register.pcap',
    'pcpp_sip_resp_503_504.pcap',
    'sngrep_ipip.pcap',
  ];
  for (const f of tcpFiles) {
    it(`frames every SIP message of ${f} at tshark's frame`, () => {
      const packets = readPackets(corpusFile(f));
      const rows = new Map(oracleLadder(f).map((r) => [r.frame, r]));
      const tcpFrames = new Set(packets.filter((p) => p.transport === 'tcp').map((p) => p.frame));
      const allFrames = [...oracleFrames(f)].filter((fr) => tcpFrames.has(fr));
      const seen = new Set<number>();
      for (const segs of tcpDirections(packets).values()) {
        const framer = new SipStreamFramer();
        for (const s of segs) {
          for (const out of framer.push(s.data, s.frame, s.tsUs)) {
            const m = parseSipMessage(out.bytes, { frame: out.frame, tsUs: out.tsUs, transport: 'tcp', src: '', srcPort: 0, dst: '', dstPort: 0 })!;
            expect(m, `frame ${out.frame}`).not.toBeNull();
            const o = rows.get(out.frame);
            if (o) expect(agrees(m, o), `frame ${out.frame}`).toBe(true);
            expect(m.problems, `frame ${out.frame}`).toEqual([]);
            seen.add(out.frame);
          }
        }
      }
      expect([...seen].sort((a, b) => a - b)).toEqual(allFrames.sort((a, b) => a - b));
    });
  }

  it('finds no SIP in HTTP on port 5060 or in TLS', () => {
    for (const f of ['ndpi_http_on_sip_port.pcap', 'sngrep_sip_tls_5061.pcap']) {
      const packets = readPackets(corpusFile(f));
      expect(packets.some((p) => looksLikeSip(p.payload))).toBe(false);
      let garbage = 0;
      for (const segs of tcpDirections(packets).values()) {
        const framer = new SipStreamFramer();
        for (const s of segs) expect(framer.push(s.data, s.frame, s.tsUs)).toEqual([]);
        garbage += framer.stats.garbageBytes;
      }
      expect(garbage).toBeGreaterThan(1000);
    }
  });
});

describe.skipIf(!corpusAvailable)('SIP over WebSocket agrees with tshark' + SKIP_NOTE, () => {
  it('decodes the handshake and all 11 SIP messages of heplify_sip_websocket.pcap', () => {
    const f = 'heplify_sip_websocket.pcap';
    const packets = readPackets(corpusFile(f));
    const rows = new Map(oracleLadder(f).map((r) => [r.frame, r]));
    const got: number[] = [];
    for (const [key, segs] of tcpDirections(packets)) {
      const ws = new WebSocketStreamDecoder();
      for (const s of segs) {
        for (const msg of ws.push(s.data, s.frame, s.tsUs)) {
          expect(msg.text).toBe(true);
          const m = parseSipMessage(msg.payload, { frame: msg.frame, tsUs: msg.tsUs, transport: 'ws', src: '', srcPort: 0, dst: '', dstPort: 0 })!;
          expect(agrees(m, rows.get(msg.frame)!), `frame ${msg.frame}`).toBe(true);
          got.push(msg.frame);
        }
      }
      expect(ws.stats.handshakes, key).toBe(1);
      expect(ws.stats.protocolErrors, key).toBe(0);
    }
    expect(got.sort((a, b) => a - b)).toEqual([11, 13, 15, 18, 19, 24, 34, 46, 49, 52, 56]);
  });
});

describe.skipIf(!corpusAvailable)('HEP captures' + SKIP_NOTE, () => {
  it('decodes every HEPv3 packet of hep3_sip.pcap (tshark 4.0 cannot)', () => {
    const packets = readPackets(corpusFile('hep3_sip.pcap')).filter((p) => p.dstPort === 9060);
    expect(packets.length).toBe(8);
    const summary = packets.map((p) => {
      const h = decodeHep(p.payload)!;
      expect(h.version).toBe(3);
      expect(h.problems).toEqual([]);
      if (h.payloadType !== 1) return `type ${h.payloadType}`;
      const m = parseSipMessage(h.payload, { frame: p.frame, tsUs: h.tsUs, transport: 'hep', src: h.src, srcPort: h.srcPort, dst: h.dst, dstPort: h.dstPort })!;
      expect(m.callId).toBe('qgf3dm9rudi@127.0.0.1');
      return m.method || String(m.statusCode);
    });
    expect(summary.slice(0, 4)).toEqual(['INVITE', '100', '407', 'OPTIONS']);
    expect(summary).toContain('type 100'); // a HEP log record, not SIP
  });

  it('inflates every compressed payload of hep3_compressed_sll.pcapng with zlib', () => {
    const packets = readPackets(corpusFile('hep3_compressed_sll.pcapng'));
    expect(packets.length).toBe(21);
    const inflate = (b: Uint8Array) => new Uint8Array(inflateSync(b));
    const callIds = new Set<string>();
    for (const p of packets) {
      const h = decodeHep(p.payload, inflate)!;
      expect(h.compressed).toBe(true);
      expect(h.proto).toBe(6);
      expect(h.problems).toEqual([]);
      const m = parseSipMessage(h.payload, { frame: p.frame, tsUs: h.tsUs, transport: 'hep', src: h.src, srcPort: h.srcPort, dst: h.dst, dstPort: h.dstPort })!;
      expect(m.problems).toEqual([]);
      expect(m.cseqMethod).toBe('REGISTER');
      callIds.add(m.callId);
    }
    expect(callIds.size).toBeGreaterThan(0);
  });
});
