// Does a recorded capture filter (pcapng if_filter, libpcap syntax: pcap-filter(7)) leave
// RTP out? diagnosis.md §1: a capture whose filter excludes the media ports is
// signalling-only, and its calls' missing RTP is no evidence of a media problem.
//
// The filter is evaluated against "some RTP packet": UDP between unknown hosts on unknown
// ports ≥ 1024 outside the SIP range. Each primitive answers yes, no or maybe (a `host` or
// `net` may match the media's host; `port 10000` may be one of its ports) and the answers
// combine in three-valued logic. Only a definite "no" makes the capture signalling-only, so
// a filter we cannot read (odd syntax, BPF bytecode) never hides a real media problem.

type Tri = 'yes' | 'no' | 'maybe';

const and = (a: Tri, b: Tri): Tri => (a === 'no' || b === 'no' ? 'no' : a === 'yes' && b === 'yes' ? 'yes' : 'maybe');
const or = (a: Tri, b: Tri): Tri => (a === 'yes' || b === 'yes' ? 'yes' : a === 'no' && b === 'no' ? 'no' : 'maybe');
const not = (a: Tri): Tri => (a === 'yes' ? 'no' : a === 'no' ? 'yes' : 'maybe');

/** Ports RTP does not use: well-known ports and the SIP range (5060–5099 covers 5060/5061, 5070, 5080/5081…). */
function signallingPort(p: number): boolean {
  return p < 1024 || (p >= 5060 && p <= 5099);
}

/** Transport keywords: media is UDP; TCP, SCTP, ICMP, ARP and friends never carry it. */
const NEVER_MEDIA = new Set(['tcp', 'sctp', 'icmp', 'icmp6', 'igmp', 'arp', 'rarp', 'decnet', 'stp', 'ipx', 'netbeui']);
const ALWAYS_MEDIA = new Set(['udp']);
/** Keywords that take a value (host, net, port…), possibly after src/dst and a protocol. */
const VALUE_KINDS = new Set(['host', 'net', 'port', 'portrange', 'gateway', 'proto', 'vlan', 'mpls', 'less', 'greater', 'len', 'broadcast', 'multicast']);
const DIRECTIONS = new Set(['src', 'dst', 'inbound', 'outbound']);

function tokenize(s: string): string[] {
  const out: string[] = [];
  const re = /\s*(\(|\)|&&|\|\||!=|!|[^\s()!&|]+)/y;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) out.push(m[1].toLowerCase());
  return out;
}

/** A value for `port` / `portrange`: a number, a range, or a service name (sip = 5060). */
function portValue(kind: string, v: string): Tri {
  const named: Record<string, number> = { sip: 5060, 'sip-tls': 5061, sips: 5061, domain: 53, http: 80, https: 443 };
  const one = (x: string): number | null => (/^\d+$/.test(x) ? Number(x) : named[x] ?? null);
  if (kind === 'portrange' || v.includes('-')) {
    const [a, b] = v.split('-').map(one);
    if (a === null || b === null || a === undefined || b === undefined) return 'maybe';
    for (let p = Math.min(a, b); p <= Math.max(a, b); p++) if (!signallingPort(p)) return 'maybe';
    return 'no';
  }
  const p = one(v);
  return p === null ? 'maybe' : signallingPort(p) ? 'no' : 'maybe';
}

class Parser {
  private i = 0;
  /** pcap-filter lets `port 5060 or 5061` repeat the previous qualifier for a bare value. */
  private lastKind = 'host';

  constructor(private readonly t: string[]) {}

  parse(): Tri {
    const v = this.expr();
    if (this.i < this.t.length) throw new Error(`unexpected ${this.t[this.i]}`);
    return v;
  }

  private peek(): string | undefined {
    return this.t[this.i];
  }

  private expr(): Tri {
    let v = this.term();
    while (this.peek() === 'or' || this.peek() === '||') {
      this.i++;
      v = or(v, this.term());
    }
    return v;
  }

  private term(): Tri {
    let v = this.factor();
    while (true) {
      const p = this.peek();
      if (p === 'and' || p === '&&') {
        this.i++;
        v = and(v, this.factor());
      } else break;
    }
    return v;
  }

  private factor(): Tri {
    const p = this.peek();
    if (p === undefined) throw new Error('unexpected end');
    if (p === 'not' || p === '!') {
      this.i++;
      return not(this.factor());
    }
    if (p === '(') {
      this.i++;
      const v = this.expr();
      if (this.peek() !== ')') throw new Error('missing )');
      this.i++;
      return v;
    }
    return this.primitive();
  }

  /** `[proto] [src|dst [or|and src|dst]] [host|net|port|portrange] value`, or a bare protocol. */
  private primitive(): Tri {
    let v: Tri = 'yes';
    const first = this.peek()!;
    // A protocol qualifier ("udp port 5060" = udp and port 5060; "ip host x"; "ether host x").
    if (NEVER_MEDIA.has(first) || ALWAYS_MEDIA.has(first) || ['ip', 'ip6', 'ether', 'link', 'fddi', 'tr', 'wlan'].includes(first)) {
      this.i++;
      v = NEVER_MEDIA.has(first) ? 'no' : ALWAYS_MEDIA.has(first) ? 'yes' : 'maybe';
      const next = this.peek();
      if (next === undefined || !(DIRECTIONS.has(next) || VALUE_KINDS.has(next))) return v;
    }
    while (DIRECTIONS.has(this.peek() ?? '')) {
      this.i++;
      // "src or dst port 5060": the direction pair is one qualifier.
      const n = this.peek();
      if ((n === 'or' || n === 'and') && DIRECTIONS.has(this.t[this.i + 1] ?? '')) this.i += 2;
    }
    const tok = this.peek() ?? '';
    let kind: string;
    if (VALUE_KINDS.has(tok)) {
      kind = tok;
      this.i++;
    } else if (tok !== '' && tok !== ')' && !['and', 'or', '&&', '||'].includes(tok)) {
      kind = this.lastKind; // a bare value repeats the previous qualifier
    } else {
      return v;
    }
    this.lastKind = kind;
    if (kind === 'broadcast' || kind === 'multicast') return and(v, 'maybe');
    // `vlan [id]`, `mpls [label]`: the value is optional.
    if ((kind === 'vlan' || kind === 'mpls') && !/^\d+$/.test(this.peek() ?? '')) return and(v, 'maybe');
    const value = this.t[this.i++];
    if (value === undefined) throw new Error(`missing value after ${kind}`);
    if (kind === 'port' || kind === 'portrange') return and(v, portValue(kind, value));
    if (kind === 'proto') return and(v, value === 'udp' || value === '17' ? 'yes' : /^\d+$/.test(value) || NEVER_MEDIA.has(value) ? 'no' : 'maybe');
    if (kind === 'len' || kind === 'less' || kind === 'greater') {
      // `len >= 100`: skip the comparison operator and its operand.
      if (kind === 'len') this.i++;
      return and(v, 'maybe');
    }
    return and(v, 'maybe');
  }
}

/**
 * True when the filter certainly keeps RTP out (e.g. `port 5060`, `udp port 5060 or tcp
 * port 5061`, `host 10.0.0.1 and port sip`); false when media may pass or the filter
 * cannot be read.
 */
export function filterExcludesMedia(filter: string): boolean {
  const tokens = tokenize(filter.trim());
  if (tokens.length === 0) return false;
  try {
    return new Parser(tokens).parse() === 'no';
  } catch {
    return false;
  }
}
