// The redaction of one export (issue 11, "Redaction"): one keyed mapping, built once in
// export_job.ts and handed to both outputs, so the pcapng and the report use the same tokens.
//
// The key is 32 random bytes per export (node:crypto), never stored: the tokens of two
// exports of the same call cannot be joined. Tests pass a fixed key to get stable bytes.
//
// Before anything is written, every SIP message of the chosen calls (as the index holds it)
// is read once to learn the values to hide (shared/redact/sip_text_redactor.ts): a value seen
// anywhere in the calls is then replaced everywhere, in the packets and in the report. The
// capture files' names and paths (which can name a customer) become "capture 1", "capture 2"….

import { createHmac, randomBytes } from 'node:crypto';
import { PacketRedactor, type ReassembledText } from '../../../shared/redact/packet_redactor.ts';
import { Pseudonymiser } from '../../../shared/redact/pseudonymiser.ts';
import { SipTextRedactor } from '../../../shared/redact/sip_text_redactor.ts';
import type { PacketTransform } from '../../../shared/engine/export/selected_packet_writer.ts';
import type { SourceCalls } from './call_packets.ts';

export interface ExportRedactor {
  /** Any text taken from the calls (SIP, addresses, names, file names) → its redacted form. */
  redactText(text: string): string;
  /** The pcapng transform (one per export: the TCP stream texts are per capture, see below). */
  transform: PacketTransform;
  /** Set before a capture's packets are written: its SIP split over TCP segments or IP fragments, redacted whole (reassembled_text.ts). */
  setReassembled(whole: ReassembledText | null): void;
  /** "capture 1"… for the i-th capture (0-based) of the export. */
  sourceLabel(i: number): string;
  /** What was replaced, one line per kind (the report's "Redacted" block, the command's output). */
  applied(): string[];
  readonly text: SipTextRedactor;
  readonly packets: PacketRedactor;
}

/** A CDR row joined to an exported call: the report shows its file name and its columns. */
export interface JoinedCdr {
  sourceName: string;
  sourcePath: string;
  peer: string;
  raw: Record<string, string>;
}

/** CDR columns that name a party, a number, a place or a route (the rest are times, durations, dispositions). */
const CDR_IDENTITY = /caller|callee|calling|called|from|\bto\b|src|dst|clid|\bcli\b|\bani\b|dnis|number|\bnum|e164|name|agent|user|peer|trunk|gateway|channel|account|extension|\bext\b|phone|\bip\b|ip$|host|address|uri|sid/i;

export function createExportRedactor(groups: readonly SourceCalls[], opts: { key?: Uint8Array; cdr?: readonly JoinedCdr[] } = {}): ExportRedactor {
  const key = opts.key ?? randomBytes(32);
  const p = new Pseudonymiser((s) => createHmac('sha256', key).update(s, 'latin1').digest());
  const text = new SipTextRedactor(p);
  groups.forEach((g, i) => {
    text.setLabel(g.source.name, `capture ${i + 1}`);
    text.setLabel(g.source.path, `capture ${i + 1}`);
  });
  for (const g of groups) {
    for (const c of g.calls) {
      for (const m of c.messages) {
        if (m.raw) text.learn(m.raw);
        text.learn(`${m.src} ${m.dst}`);
      }
      const f = c.facts;
      for (const uri of [f.fromUri, f.toUri]) if (uri) text.learn(uri);
      for (const v of [f.from, f.to]) if (v && !/[:@<\s]/.test(v)) text.add(v, 'id');
      for (const s of c.streams) {
        text.addIp(s.src);
        text.addIp(s.dst);
      }
    }
  }
  // CDR rows joined to the calls: their numbers and names are learned too, their files labelled.
  const cdrFiles = new Map<string, string>();
  for (const r of opts.cdr ?? []) {
    if (!cdrFiles.has(r.sourcePath)) cdrFiles.set(r.sourcePath, `CDR file ${cdrFiles.size + 1}`);
    text.setLabel(r.sourceName, cdrFiles.get(r.sourcePath)!);
    text.setLabel(r.sourcePath, cdrFiles.get(r.sourcePath)!);
    learnCdrValue(text, r.peer);
    for (const [k, v] of Object.entries(r.raw)) if (CDR_IDENTITY.test(k)) learnCdrValue(text, v);
  }
  let whole: ReassembledText | null = null;
  const packets = new PacketRedactor(text, {
    tcp: (flow, seq, length) => whole?.tcp(flow, seq, length) ?? null,
    udpDatagram: (frame) => whole?.udpDatagram(frame) ?? null,
  });
  return {
    text,
    packets,
    redactText: (s) => text.redactReportText(s),
    transform: (pkt) => packets.redact(pkt),
    setReassembled: (w) => {
      whole = w;
    },
    sourceLabel: (i) => `capture ${i + 1}`,
    applied: () => appliedLines(text, packets),
  };
}

/** One CDR cell: a name-addr ("Alice" <1000>), a host, an address, or a number / name as a whole. */
function learnCdrValue(text: SipTextRedactor, v: string): void {
  const value = v.trim();
  // A one- or two-character cell (a flag, a small count) would rewrite every such report text.
  if (value.length < 3) return;
  if (/[<]|sips?:|tel:/i.test(value)) {
    text.learn(`From: ${value}`);
    for (const m of value.matchAll(/<([^<>:@;]+)>/g)) text.add(m[1], 'id');
    return;
  }
  text.learn(value);
  if (/^(?=.*[A-Za-z])[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/.test(value)) text.add(value, 'host');
  else text.add(value, 'id');
}

function appliedLines(text: SipTextRedactor, packets: PacketRedactor): string[] {
  const c = text.counts;
  const n = (k: number, one: string, many = `${one}s`): string => (k === 0 ? `none found` : `${k} ${k === 1 ? one : many}`);
  const lines = [
    `Phone numbers, user names and display names (${n(c.ids, 'value')}): replaced by tokens of the same length and shape (digits by digits, letters by letters, a leading + kept); the same value always gives the same token in this export`,
    `Host names (${n(c.hosts, 'name')}): every label replaced by letters of the same length (the top-level domain kept)`,
    `IP addresses (${c.ipv4 + c.ipv6 === 0 ? 'none found' : `${c.ipv4} IPv4, ${c.ipv6} IPv6`}): replaced by addresses of the same text length (10.x.y.z, 100.64/10, fdXX:… unique-local), the same in the IP headers, the SIP text and SDP o=/c=; ports kept; 0.0.0.0 and :: kept`,
    `Credentials (${n(c.credentials, 'value')}): Authorization / Proxy-Authorization values, URI passwords, SDP k=, a=crypto keys, ICE passwords overwritten with x`,
    'Capture file names and paths: replaced by "capture 1", "capture 2"… (CDR files joined to the calls: "CDR file 1"…)',
  ];
  if (packets.stats.packets > 0) {
    lines.push(`MAC addresses (${n(packets.stats.macs, 'address', 'addresses')}): replaced by locally administered addresses`);
    lines.push(`RTP payloads (${n(packets.stats.rtp, 'packet')}): zeroed, headers kept (sequence numbers, timestamps, SSRC: the stream metrics are unchanged); RTCP (${n(packets.stats.rtcp, 'packet')}): SDES texts, BYE reasons and APP data zeroed, reports kept`);
    lines.push('Checksums (IPv4 header, UDP, TCP, ICMP, SCTP) recomputed; lengths unchanged');
  }
  if (packets.stats.dropped > 0) {
    const why = [...packets.stats.droppedWhy].map(([k, v]) => `${k}: ${v}`).join(', ');
    lines.push(`Left out of the capture: ${n(packets.stats.dropped, 'packet')} the redaction could not take apart (${why})`);
  }
  return lines;
}
