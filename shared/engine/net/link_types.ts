// Numbers that select the next decoder: LINKTYPE_* (tcpdump.org/linktypes.html),
// EtherTypes (IEEE registry) and IP protocol numbers (IANA).

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
/** DLT_RAW as some platforms numbered it in old files (12 most places, 14 on OpenBSD). */
export const DLT_RAW_12 = 12;
export const DLT_RAW_14 = 14;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
/** Endace Extensible Record Format: each packet is a whole ERF record (erf.ts). */
export const LINKTYPE_ERF = 197;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
/** Linux netfilter NFLOG (`tcpdump -i nflog`): TLVs around the IP packet (nflog.ts). */
export const LINKTYPE_NFLOG = 239;
export const LINKTYPE_LINUX_SLL2 = 276;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_VLAN = 0x8100; // 802.1Q
export const ETHERTYPE_QINQ = 0x88a8; // 802.1ad service tag
export const ETHERTYPE_QINQ_OLD = 0x9100; // pre-standard QinQ
export const ETHERTYPE_PPPOE_SESSION = 0x8864; // RFC 2516 §5
export const ETHERTYPE_MPLS = 0x8847;
export const ETHERTYPE_MPLS_MC = 0x8848;
export const ETHERTYPE_TEB = 0x6558; // transparent Ethernet bridging (GRE payload)
export const ETHERTYPE_ERSPAN2 = 0x88be; // ERSPAN type I/II (GRE payload)
export const ETHERTYPE_ERSPAN3 = 0x22eb; // ERSPAN type III

/** UDP ports of the tunnels opened by the decoder (IANA): GTP-U (3GPP TS 29.281), VXLAN (RFC 7348). */
export const UDP_PORT_GTPU = 2152;
export const UDP_PORT_VXLAN = 4789;

export const IPPROTO_HOPOPTS = 0;
export const IPPROTO_IPIP = 4;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_ROUTING = 43;
export const IPPROTO_FRAGMENT = 44;
export const IPPROTO_GRE = 47;
export const IPPROTO_ESP = 50;
export const IPPROTO_AH = 51;
export const IPPROTO_NONE = 59;
export const IPPROTO_DSTOPTS = 60;
export const IPPROTO_MOBILITY = 135;
export const IPPROTO_HIP = 139;
export const IPPROTO_SHIM6 = 140;
export const IPPROTO_SCTP = 132;

/** Reused result of a header parser: what comes next, and where. */
export interface LayerOut {
  /** EtherType, IP protocol or GRE protocol type, depending on the layer. */
  next: number;
  /** Offset of the next layer in the buffer. */
  off: number;
  /** End (exclusive) of the next layer: shrinks when a length field bounds it (padding). */
  end: number;
}
