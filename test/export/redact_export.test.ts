// `export --redact` (issue 11, "Redaction"), on real captures, checked against tshark:
// - every original number, user name, display name, host name, IP and MAC address that tshark
//   finds in the unredacted export is absent from the redacted pcapng and report (searched as
//   text, and IPs/MACs also as their 4/6/16 bytes);
// - tshark reads the redacted pcapng with no malformed packet and no bad checksum, and finds
//   the same SIP messages per (redacted) Call-ID and the same RTP stream figures;
// - the capture and the report use the same token for the same value, and different tokens
//   for different values; the report says what was redacted.
// The values searched for come from tshark reading the unredacted export, not from the
// redactor: a value the redactor failed to learn is still looked for.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { endpointKey } from '../../shared/model/packet.ts';
import { importFile } from '../../electron/node/ingest/import_file.ts';
import { openIndex } from '../../electron/node/store/index_store.ts';
import { findCallsToExport } from '../../electron/node/export/call_packets.ts';
import { callRowIds, runExportJob } from '../../electron/node/export/export_job.ts';
import { buildHtmlReport } from '../../electron/node/export/html_report.ts';
import { verdictText } from '../../electron/node/export/pcapng_export.ts';
import { createExportRedactor } from '../../electron/node/export/export_redaction.ts';
import { CORPUS_DIR, REPO_ROOT, corpusPresent, type OracleStream } from '../support/oracle.ts';
import { TSHARK, figures, rtpStreams, sipCounts, tshark, tsharkPresent } from '../support/tshark_export.ts';

if (!tsharkPresent) console.warn(`\n*** ${TSHARK} is absent: the redaction tests did NOT run. ***\n`);

const tmp = mkdtempSync(join(tmpdir(), 'calltrace-redact-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const KEY = new Uint8Array(32).fill(42);
const FIXED_DATE = new Date('2026-12-01T12:00:00Z');

/** Fields tshark names that identify someone (numbers, users, names, hosts, addresses). */
const SENSITIVE_FIELDS = [
  'sip.r-uri.user', 'sip.r-uri.host', 'sip.from.user', 'sip.from.host', 'sip.from.display.info', 'sip.to.user', 'sip.to.host', 'sip.to.display.info',
  'sip.contact.user', 'sip.contact.host', 'sip.contact.display.info', 'sip.pai.user', 'sip.pai.host', 'sip.pai.display.info', 'sip.ppi.user', 'sip.ppi.host',
  'sip.Via.sent-by.address', 'sip.Via.received', 'sip.auth.username', 'sip.auth.realm', 'sip.auth.uri', 'sip.auth.digest.response', 'sdp.owner.username', 'sdp.owner.address',
  'sdp.connection_info.address', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'eth.src', 'eth.dst', 'sll.src.eth', 'rtcp.sdes.text',
];

/** Values tshark finds in `file` under those fields (without quotes; short ones dropped: 1–3 characters occur by chance). */
function sensitiveValues(file: string, hint: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const rows = tshark(file, [...hint, '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=a', '-E', 'aggregator=\u0001', ...SENSITIVE_FIELDS.flatMap((f) => ['-e', f])]);
  for (const row of rows.split('\n')) {
    row.split('\t').forEach((cell, i) => {
      for (let v of cell.split('\u0001')) {
        v = v.replace(/^"|"$/g, '').trim();
        // A random 128-bit hex id in SDES (Microsoft's x-rtp-session-id, also in the SDP) names a session, not a person: not searched.
        if (SENSITIVE_FIELDS[i] === 'rtcp.sdes.text' && /^[0-9A-F]{32}$/i.test(v)) continue;
        if (v.length >= 4 && v !== '0.0.0.0' && v !== '::' && v !== 'ff:ff:ff:ff:ff:ff' && !/^00(:00){5}$/.test(v)) out.set(v, SENSITIVE_FIELDS[i]);
      }
    });
  }
  // What tshark does not dissect (SIP inside HEP, say) is still found by a plain scan of the bytes.
  const text = readFileSync(file).toString('latin1');
  for (const m of text.matchAll(/sips?:([A-Za-z0-9+_.!~*'()&=$,;?/%-]+)@([A-Za-z0-9.-]+)/g)) {
    if (m[1].length >= 4) out.set(m[1], 'scan: URI user');
    if (m[2].length >= 4 && /[A-Za-z]/.test(m[2])) out.set(m[2], 'scan: URI host');
  }
  // (not after a letter: "DeskPhone V4.2.0.0" is a version)
  for (const m of text.matchAll(/(?<![\w.])(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})(?![\d.]*\d)/g)) {
    if (m[1] !== '0.0.0.0' && m[1].split('.').every((x) => Number(x) <= 255 && (x === '0' || !x.startsWith('0')))) out.set(m[1], 'scan: IPv4 literal');
  }
  return out;
}

function ipBytes(v: string): Buffer | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(v);
  if (m) return Buffer.from(m.slice(1).map(Number));
  if (v.includes(':') && /^[0-9a-f:]+$/i.test(v) && !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(v)) {
    const [h, t = ''] = v.split('::');
    const hg = h ? h.split(':') : [];
    const tg = t ? t.split(':') : [];
    const groups = v.includes('::') ? [...hg, ...Array(8 - hg.length - tg.length).fill('0'), ...tg] : hg;
    return Buffer.from(groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
  }
  return null;
}

function macBytes(v: string): Buffer | null {
  return /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(v) ? Buffer.from(v.split(':').map((x) => parseInt(x, 16))) : null;
}


interface Case {
  file: string;
  callIds: string[];
  hint?: string[];
  /** Something the capture is here for (TCP, IPv6, ICMP, auth…), checked to be in the export. */
  expectFilter?: string;
  /** The export holds RTP (and RTCP SDES): their zeroing is then checked on real packets. */
  expectMedia?: 'rtp' | 'rtp+sdes';
}

async function redactAndCheck(c: Case): Promise<void> {
  const hint = c.hint ?? [];
  const store = openIndex(':memory:');
  try {
    const imported = await importFile(store, c.file);
    expect(imported.error, imported.error ?? '').toBeNull();
    const groups = findCallsToExport(store, c.callIds, [imported.sourceId!]);
    const stem = join(tmp, `${basename(c.file)}.${c.callIds.length}`);
    const plain = await runExportJob(store, groups, { pcap: `${stem}.plain.pcapng`, html: null, redact: false });
    const red = await runExportJob(store, groups, { pcap: `${stem}.red.pcapng`, html: `${stem}.red.html`, redact: true, redactionKey: KEY, generatedAt: FIXED_DATE });
    const pcap = readFileSync(red.pcap!.path);
    const html = readFileSync(red.html!.path);
    // The report's own words ("caller", "agent"…) are not capture text: a value is a leak in the
    // report only where it occurs more often than in the same report with every capture text
    // replaced by a placeholder (one per distinct text, so the layout is the same).
    const placeholders = new Map<string, string>();
    const placeholder = (t: string): string => {
      if (!placeholders.has(t)) placeholders.set(t, `ZQ${placeholders.size}QZ`);
      return placeholders.get(t)!;
    };
    // Test ids, the style sheet and the script are the report's own code, not data.
    const ownCode = (h: string): string => h.replace(/data-testid="[^"]*"/g, '').replace(/<style>[\s\S]*?<\/style>|<script>[\s\S]*?<\/script>/g, '');
    const vocabulary = ownCode(buildHtmlReport(store, callRowIds(groups), { generatedAt: FIXED_DATE, redaction: { redact: placeholder, applied: [] } }));
    const reportData = ownCode(html.toString('utf8'));
    const count = (hay: string, needle: string): number => hay.split(needle).length - 1;
    // Likewise the capture's comments name each call's verdict (twice: section header and first packet).
    const verdicts = groups.flatMap((g) => g.calls.map((call) => verdictText(call))).join('\n');
    const pcapLatin1 = pcap.toString('latin1');
    const htmlText = html.toString('utf8');
    expect(red.pcap!.packets, 'no packet left out').toBe(plain.pcap!.packets);

    // 1. None of the original values, as text or as bytes.
    const values = sensitiveValues(plain.pcap!.path, hint);
    expect(values.size, 'tshark finds values to hide').toBeGreaterThan(0);
    const leaks: string[] = [];
    for (const [v, field] of values) {
      if (count(pcapLatin1, v) > 2 * count(verdicts, v)) leaks.push(`${field} ${v} (pcapng text)`);
      if (count(reportData, v) > count(vocabulary, v)) leaks.push(`${field} ${v} (report)`);
      const bin = ipBytes(v) ?? macBytes(v);
      if (bin && pcap.includes(bin)) leaks.push(`${field} ${v} (pcapng bytes)`);
    }
    for (const name of [basename(c.file), c.file]) {
      if (pcap.includes(Buffer.from(name))) leaks.push(`file name ${name} (pcapng)`);
      if (htmlText.includes(name)) leaks.push(`file name ${name} (report)`);
    }
    expect(leaks.join('\n')).toBe('');

    // 2. tshark: no malformed packet, no bad checksum.
    const checks = ['-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'sctp.checksum:CRC-32C'];
    const badChecksums = tshark(red.pcap!.path, [...hint, ...checks, '-Y', 'ip.checksum.status == "Bad" || udp.checksum.status == "Bad" || tcp.checksum.status == "Bad" || icmp.checksum.status == "Bad" || icmpv6.checksum.status == "Bad" || sctp.checksum.status == "Bad"']);
    expect(badChecksums, 'no bad checksum').toBe('');
    const malformed = (f: string): string[] => tshark(f, [...hint, '-Y', '_ws.malformed']).split('\n').filter(Boolean);
    expect(malformed(red.pcap!.path).length, 'no more malformed packets than the unredacted export').toBeLessThanOrEqual(malformed(plain.pcap!.path).length);

    // The same SIP messages per Call-ID, the Call-ID redacted as the report shows it.
    const redactor = createExportRedactor(groups, { key: KEY });
    const want = new Map([...sipCounts(plain.pcap!.path, hint)].map(([id, n]) => [redactor.redactText(id), n]));
    expect(Object.fromEntries(sipCounts(red.pcap!.path, hint))).toEqual(Object.fromEntries(want));

    // The same RTP stream figures, under the pseudonymous addresses.
    const key = (s: OracleStream, map: (x: string) => string): string => `${map(endpointKey(s.src, s.srcPort))}>${map(endpointKey(s.dst, s.dstPort))}#${s.ssrc >>> 0}`;
    const before = Object.fromEntries(rtpStreams(plain.pcap!.path, hint).map((s) => [key(s, (x) => redactor.redactText(x)), figures(s)]));
    const after = Object.fromEntries(rtpStreams(red.pcap!.path, hint).map((s) => [key(s, (x) => x), figures(s)]));
    expect(after).toEqual(before);

    // Media content is gone: every RTP payload byte is zero, every RTCP SDES text (CNAMEs) is empty of anything but zeros.
    const payloads = tshark(red.pcap!.path, [...hint, '-o', 'rtp.heuristic_rtp:TRUE', '-Y', 'rtp.payload', '-T', 'fields', '-e', 'rtp.payload']).split('\n').filter(Boolean);
    for (const p of payloads) expect(/^[0:]*$/.test(p), `RTP payload ${p.slice(0, 40)}… is zeroed`).toBe(true);
    const sdes = tshark(red.pcap!.path, [...hint, '-Y', 'rtcp.sdes.text', '-T', 'fields', '-e', 'rtcp.sdes.text']).split('\n').filter(Boolean);
    for (const t of sdes) expect(/^[\s,]*$/.test(t), `SDES text '${t}' is blank`).toBe(true);
    if (c.expectMedia) {
      expect(payloads.length, 'the export holds RTP').toBeGreaterThan(0);
      if (c.expectMedia === 'rtp+sdes') expect(tshark(red.pcap!.path, [...hint, '-Y', 'rtcp.sdes.type == 1']).trim().length, 'the export holds SDES CNAMEs').toBeGreaterThan(0);
    }

    // 3. Consistency: each original value has one token, the same in the capture and the report, and tokens differ.
    const pcapText = pcapLatin1;
    const tokens = new Map<string, string>();
    for (const call of groups.flatMap((g) => g.calls)) {
      const id = redactor.redactText(call.callId);
      expect(pcapText).toContain(id);
      expect(htmlText).toContain(id.replace(/&/g, '&amp;'));
      for (const m of call.messages) {
        for (const ep of [m.src, m.dst]) {
          const t = redactor.redactText(ep);
          tokens.set(ep, t);
          expect(htmlText, `the report shows ${ep} as ${t}`).toContain(t);
        }
      }
    }
    for (const { value, kind } of redactor.text.learnedValues()) tokens.set(`${kind}:${value}`, kind === 'host' ? redactor.text.p.host(value) : redactor.text.p.shaped('id', value));
    const seen = new Map<string, string>();
    for (const [orig, tok] of tokens) {
      const host = (x: string): string => x.replace(/:\d+$/, '');
      const other = seen.get(host(tok));
      if (other !== undefined) expect(host(other), `${orig} and ${other} share the token ${tok}`).toBe(host(orig));
      seen.set(host(tok), orig);
    }

    // 4. The report says what was redacted.
    expect(htmlText).toContain('<strong>Redacted.</strong>');
    expect(htmlText).not.toContain('Not redacted.');
    expect(htmlText).toMatch(/IP addresses \(\d+ IPv4, \d+ IPv6\)/);
    if (c.expectFilter) expect(tshark(red.pcap!.path, [...hint, '-Y', c.expectFilter]).trim().length, `the export holds ${c.expectFilter}`).toBeGreaterThan(0);
  } finally {
    store.close();
  }
}

const FIX = join(REPO_ROOT, 'test/fixtures');

describe.runIf(tsharkPresent)('export --redact on project fixtures', () => {
  const cases: Case[] = [
    { file: `${FIX}/captures/mixed_outcomes.pcapng`, callIds: ['1-mixed-sip_486@127.0.30.3', '1-mixed-rtp_timeout_oneway@127.0.30.9'], expectMedia: 'rtp' },
    { file: `${FIX}/captures/tcp_caller_hangup_short.pcapng`, callIds: ['1-tcp_caller_hangup_short@127.0.27.1'], expectFilter: 'tcp.len > 0' },
    { file: `${FIX}/captures/ipv6_agent_bye.pcapng`, callIds: ['1-ipv6_agent_bye@::1'], expectFilter: 'ipv6' },
    { file: `${FIX}/captures/auth_401_then_answered.pcapng`, callIds: [], expectFilter: 'sip.Authorization || sip.Proxy-Authorization' },
    { file: `${FIX}/synthetic/ipv4_frag_out_of_order.pcap`, callIds: ['ipv4-frag-out-of-order-1012@calltrace.test'], expectFilter: 'ip.flags.mf == 1' },
    { file: `${FIX}/synthetic/sip_tcp.pcap`, callIds: ['sip-tcp-1019@calltrace.test'], expectFilter: 'tcp.len > 0' },
    { file: `${FIX}/synthetic/sip_sctp.pcap`, callIds: ['sip-sctp-1024@calltrace.test'], expectFilter: 'sctp' },
    { file: `${FIX}/synthetic/sip_websocket.pcap`, callIds: ['sip-websocket-1020@calltrace.test'], expectFilter: 'websocket' },
    { file: `${FIX}/field/icmp_port_unreachable.pcap`, callIds: ['bye-bounce-1@10.50.0.10'], expectFilter: 'icmp.type == 3' },
  ];
  for (const c of cases) it(`${basename(c.file)}: ${c.callIds.join(' + ') || 'its first call'}`, async () => redactAndCheck(await withFirstCall(c)));
});

describe.runIf(tsharkPresent && corpusPresent)(`export --redact on corpus captures (${CORPUS_DIR})`, () => {
  const P = join(CORPUS_DIR, 'pcap');
  const cases: Case[] = [
    // Digest credentials, RTCP with SDES CNAMEs, two answered calls.
    { file: `${P}/isa_real_sip_call.pcap`, callIds: [], expectFilter: 'rtp', expectMedia: 'rtp' },
    { file: `${P}/heplify_sip_tcp_call_rtp.pcap`, callIds: [], expectFilter: 'tcp.len > 0' },
    { file: `${P}/gprshome_sip_ipfrag_refer_rtcp.pcap`, callIds: ['ZTU2MDY4NTY4YjgwOTQ0ZTExMDZiNjdkZjlmZDYxMzg.'], expectFilter: 'ip.flags.mf == 1', expectMedia: 'rtp+sdes' },
    { file: `${P}/heplify_sip_tcp_segmented_port6060.pcap`, callIds: ['17c0b3b3-dfd2-42ac-9018-6156179021c0'], hint: ['-d', 'tcp.port==6060,sip'], expectFilter: 'tcp.segments' },
    { file: `${P}/heplify_sip_ipv6_udp.pcap`, callIds: [], expectFilter: 'ipv6' },
    // IPv6 fragments on Linux cooked capture: the UDP checksum of the first covers the whole redacted datagram.
    { file: `${P}/sngrep_ipv6frag_sll.pcap`, callIds: ['71846-1647924829-397430@fd17:625c:f037:2:a00:27ff:feb9:1521'], expectFilter: 'ipv6.fragment' },
    { file: `${P}/heplify_sip_sctp_sll.pcap`, callIds: ['717B2539AD2002C9152DC497@0870ffffffff'], expectFilter: 'sctp' },
    // SIP mirrored through GRE (bridged Ethernet inside: inner MACs and IPs), and over PPPoE.
    { file: `${P}/heplify_erspan_sip_udp.pcapng`, callIds: [], expectFilter: 'gre && eth.type == 0x0800' },
    { file: `${P}/pcpp_sip_reqs_pppoe.pcap`, callIds: ['2091060b-146f-e011-809a-0019cb53db77@admind-desktop'], expectFilter: 'pppoes' },
    // An address glued to other text (Call-ID "14810.0.1.45"), and an ICMP error quoting the INVITE.
    { file: `${P}/metasploit_sip_invite_spoof.pcap`, callIds: ['14810.0.1.45'] },
    // SIP inside HEPv3 (UDP 9060): the original addresses are binary chunks of the HEP header.
    { file: `${P}/hep3_sip.pcap`, callIds: [], expectFilter: 'udp.port == 9060' },
  ];
  for (const c of cases) it(`${basename(c.file)}: ${c.callIds.join(' + ') || 'its first call'}`, async () => redactAndCheck(await withFirstCall(c)));
});

describe('export --redact with a CDR row joined to the call', () => {
  it('hides the CDR row\'s numbers, trunk and file name in the report, as it hides the SIP values', async () => {
    const dir = mkdtempSync(join(tmp, 'cdr-'));
    const csv = join(dir, 'acme_customer_calls.csv');
    const callId = '1-mixed-agent_bye@127.0.30.7';
    // The mapped-CSV layout of test/fixtures/cdr/acme_pbx_calls.csv, one row joined by Call-ID.
    writeFileSync(csv, 'Call Ref;Caller;Callee;Began;Connected;Finished;Talk (s);Result;Q.850;SIP;Hung Up By;Trunk;SIP Call-ID\n'
      + `ACME-0001;+4930123456;+4940987654;2026-11-21T00:46:27Z;;2026-11-21T00:46:40Z;13;answered;16;200;calling party;trunk-acme-berlin;${callId}\n`);
    const mapping = JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/cdr/acme_pbx_calls.mapping.json'), 'utf8'));
    const store = openIndex(':memory:');
    try {
      const cap = await importFile(store, join(FIX, 'captures/mixed_outcomes.pcapng'));
      const cdr = await importFile(store, csv, { mapping });
      expect(cdr.error, cdr.error ?? '').toBeNull();
      const groups = findCallsToExport(store, [callId], [cap.sourceId!]);
      const plain = await runExportJob(store, groups, { pcap: null, html: join(dir, 'plain.html'), redact: false, generatedAt: FIXED_DATE });
      const red = await runExportJob(store, groups, { pcap: null, html: join(dir, 'red.html'), redact: true, redactionKey: KEY, generatedAt: FIXED_DATE });
      const before = readFileSync(plain.html!.path, 'utf8');
      const after = readFileSync(red.html!.path, 'utf8');
      // The report names the joined row by its file (so the check below can fail)…
      expect(before).toContain('acme_customer_calls.csv line 2');
      // …the redacted one as a CDR file.
      expect(after).not.toContain('acme_customer_calls');
      expect(after).toContain('CDR file 1 line 2');
      // The row's numbers and trunk are learned, so wherever they occur (raw columns, SIP) they are replaced.
      const rows = store.inputs.cdrRecordsOfCall(groups[0].calls[0].id).map((r) => ({ sourceName: 'acme_customer_calls.csv', sourcePath: csv, peer: r.peer, raw: r.raw }));
      const r = createExportRedactor(groups, { key: KEY, cdr: rows });
      for (const v of ['+4930123456', '+4940987654', 'trunk-acme-berlin']) {
        const t = r.redactText(`row: ${v};`);
        expect(t, v).not.toContain(v);
        expect(t.length).toBe(v.length + 6);
      }
    } finally {
      store.close();
    }
  });
});

/** A case without Call-IDs takes the capture's first INVITE dialog. */
async function withFirstCall(c: Case): Promise<Case> {
  if (c.callIds.length > 0) return c;
  const store = openIndex(':memory:');
  try {
    const o = await importFile(store, c.file);
    const first = store.listCalls({ sourceId: o.sourceId! }).find((x) => x.kind === 'call');
    expect(first).toBeDefined();
    return { ...c, callIds: [first!.callId] };
  } finally {
    store.close();
  }
}
