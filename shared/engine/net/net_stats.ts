// The named statistics of the network decoders (Perfetto-style: count, never throw).
// One table so the keys, severities and wording stay consistent and the UI can list them.
import type { Severity, Stats } from '../../model/stats.ts';

export interface NetStat {
  readonly key: string;
  readonly severity: Severity;
  readonly description: string;
}

function s(key: string, severity: Severity, description: string): NetStat {
  return { key, severity, description };
}

export const NET = {
  unknownLinktype: s('net.unknown_linktype', 'error', 'Link type not supported by the decoder; packet skipped'),
  truncatedLink: s('net.truncated_link', 'warning', 'Link-layer header (Ethernet/VLAN/SLL/NULL/PPPoE) cut short; packet skipped'),
  nonIp: s('net.non_ip', 'info', 'Non-IP link-layer payload (ARP, LLDP, PPPoE discovery, 802.3/LLC …); skipped'),
  unknownLoopFamily: s('net.unknown_loopback_family', 'warning', 'NULL/LOOP address family is neither AF_INET nor AF_INET6; skipped'),
  pppoeNonIp: s('net.pppoe_non_ip', 'info', 'PPPoE session frame carrying a non-IP PPP protocol (LCP, IPCP …); skipped'),
  truncatedIpv4: s('net.truncated_ipv4', 'warning', 'IPv4 header or datagram shorter than its length fields; packet skipped'),
  badIpv4: s('net.bad_ipv4', 'warning', 'IPv4 header invalid (IHL < 5 or total length < header); packet skipped'),
  ipv4TsoLength: s('net.ipv4_tso_length', 'info', 'IPv4 total length 0 (segmentation offload on the capturing host); captured length used'),
  ipv6ZeroLength: s('net.ipv6_zero_length', 'info', 'IPv6 Payload Length 0 (jumbogram or offload on the capturing host); captured length used'),
  truncatedIpv6: s('net.truncated_ipv6', 'warning', 'IPv6 header, extension header or payload shorter than its length fields; packet skipped'),
  badIpVersion: s('net.bad_ip_version', 'warning', 'IP version nibble is neither 4 nor 6; packet skipped'),
  ipEsp: s('net.ip_esp', 'info', 'IPsec ESP: payload encrypted, not decodable; skipped'),
  ipOtherProto: s('net.ip_other_proto', 'info', 'IP payload is not UDP/TCP/SCTP/tunnel (ICMP, OSPF …); skipped'),
  tooDeep: s('net.too_many_layers', 'warning', 'More than the allowed number of nested encapsulations; packet skipped'),
  fragOverlap: s('net.ip_fragment_overlap', 'warning', 'IP fragments overlap (first copy of each byte kept)'),
  fragDuplicate: s('net.ip_fragment_duplicate', 'info', 'IP fragment seen twice (same offset and length); copy ignored'),
  fragTimeout: s('net.ip_fragment_timeout', 'warning', 'IP datagram never completed within the reassembly timeout; fragments dropped'),
  fragIncomplete: s('net.ip_fragment_incomplete', 'warning', 'IP datagram still incomplete at the end of the capture; fragments dropped'),
  fragEvicted: s('net.ip_fragment_evicted', 'warning', 'IP reassembly memory cap reached; oldest incomplete datagram dropped'),
  fragTooBig: s('net.ip_fragment_too_big', 'warning', 'IP fragment would extend the datagram beyond 65535 bytes; dropped'),
  fragBad: s('net.ip_fragment_bad', 'warning', 'IP fragment inconsistent (payload not a multiple of 8 before the last, or past the end); dropped'),
  reassembled: s('net.ip_reassembled', 'info', 'IP datagrams reassembled from fragments'),
  truncatedGre: s('net.truncated_gre', 'warning', 'GRE or ERSPAN header cut short; packet skipped'),
  greUnsupported: s('net.gre_unsupported', 'info', 'GRE version/routing or payload type not supported (PPTP, MPLS …); skipped'),
  erspanUnsupported: s('net.erspan_unsupported', 'info', 'ERSPAN version or frame type not supported; skipped'),
  truncatedGtpu: s('net.truncated_gtpu', 'warning', 'GTP-U header, optional fields or extension header chain cut short or inconsistent; packet skipped'),
  gtpuNotGpdu: s('net.gtpu_not_gpdu', 'info', 'GTP-U message other than a G-PDU (echo, error indication, end marker …): no user packet; skipped'),
  truncatedVxlan: s('net.truncated_vxlan', 'warning', 'VXLAN header cut short; packet skipped'),
  truncatedErf: s('net.truncated_erf', 'warning', 'ERF record header, extension headers or Ethernet pad cut short, or record length invalid; packet skipped'),
  erfUnsupported: s('net.erf_unsupported', 'info', 'ERF record type carrying neither Ethernet nor IP (ATM, HDLC, meta, padding …); skipped'),
  truncatedNflog: s('net.truncated_nflog', 'warning', 'NFLOG header or TLV cut short or inconsistent (version not 0, TLV length < 4); packet skipped'),
  nflogNoPayload: s('net.nflog_no_payload', 'info', 'NFLOG record without a payload TLV (NFULA_PAYLOAD); skipped'),
  truncatedUdp: s('net.truncated_udp', 'warning', 'UDP header or datagram shorter than its length field; packet skipped'),
  truncatedTcp: s('net.truncated_tcp', 'warning', 'TCP header cut short or data offset invalid; packet skipped'),
  truncatedSctp: s('net.truncated_sctp', 'warning', 'SCTP common header or chunk cut short; rest of packet skipped'),
  sctpFragment: s('net.sctp_idata_fragment', 'warning', 'SCTP I-DATA fragment (RFC 8260): reassembly not supported, skipped'),
  sctpReassembled: s('net.sctp_reassembled', 'info', 'SCTP user messages reassembled from fragmented DATA chunks'),
  sctpDuplicate: s('net.sctp_duplicate_fragment', 'info', 'SCTP DATA fragment seen twice (same TSN); copy ignored'),
  sctpFragmentDropped: s('net.sctp_fragment_dropped', 'warning', 'SCTP DATA fragments never completed (timeout, memory cap or end of capture); dropped'),
  truncatedIcmp: s('net.truncated_icmp', 'info', 'ICMP/ICMPv6 message shorter than its 8-byte header; skipped'),
  icmpOther: s('net.icmp_other', 'info', 'ICMP/ICMPv6 message that quotes no UDP datagram (echo, neighbour discovery, an error about TCP or a later fragment …); skipped'),
  icmpQuoteBad: s('net.icmp_quote_bad', 'info', 'ICMP/ICMPv6 error whose quoted IP header is unreadable; skipped'),
  icmpUdpQuote: s('net.icmp_udp_quote', 'info', 'ICMP/ICMPv6 errors quoting a UDP datagram: SIP in the quote is counted on its call, marked as quoted (never as a transmission); quoted RTP is not counted'),
  snaplenCut: s('net.snaplen_cut', 'warning', 'Packet cut by the capture snap length before the end of its IP datagram; skipped'),
} as const;

export function count(stats: Stats, st: NetStat, frame?: number, n = 1): void {
  stats.add(st.key, st.severity, st.description, frame, n);
}
