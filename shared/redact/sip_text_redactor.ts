// Redacts SIP/SDP text, and any text the report takes from a capture, with the export's one
// Pseudonymiser: every replacement has the length of what it replaces, so a message keeps its
// Content-Length and its bytes on the wire keep their places (packet_redactor.ts).
//
// Text is handled as the engine stores it: latin1, one character per byte.
//
// Two passes over what the export contains:
// 1. learn(): reads every SIP message of the chosen calls (as the index stores them) and
//    collects what identifies someone: URI user parts (numbers, user names), display names,
//    host names (URIs, Via sent-by, Call-ID host, SDP o=/c=, realms), SDP o= user names. IP
//    literals are declared to the pseudonymiser (no token may equal one).
// 2. redact(): rewrites text line by line, by position where the syntax says what a field is
//    (a URI's user part is replaced whatever its length), then everywhere else in the line
//    every IPv4/IPv6 literal and every learned value (case-insensitive, whole words only:
//    never inside a longer word or number), longest first. That catches the same values in
//    Call-IDs, P-headers, XML bodies, warning texts and report sentences.
// Lines whose values are structure, not identity, are left alone — the status line, CSeq,
// Content-Length, Max-Forwards, Expires, SDP m=/a=rtpmap… — so a learned extension like "100"
// can never turn "CSeq: 100" or a payload type into something else. Credentials are
// overwritten with 'x': Authorization / Proxy-Authorization values, a URI's password, SDP k=,
// a=crypto keys, a=ice-pwd / ice-ufrag, a=key-mgmt.
//
// Limits (README, "Redaction"): binary bodies (SIP-I ISUP) are not decoded — their BCD
// numbers stay; a short value (1–2 characters, or a number of 1–3 digits outside header lines)
// is only replaced where the syntax names it, not everywhere.

import { parseIpv4, parseIpv6, shapedKey, type Pseudonymiser } from './pseudonymiser.ts';

/** 'keep': a part of the line nothing may replace (a request line's method and version). */
type Kind = 'id' | 'host' | 'cred' | 'ip4' | 'ip6' | 'keep';
interface Span { start: number; end: number; kind: Kind }

/** Headers whose values are numbers or vocabulary: never rewritten. */
const STRUCTURAL = new Set([
  'cseq', 'content-length', 'l', 'max-forwards', 'expires', 'min-expires', 'session-expires', 'x', 'min-se', 'rseq', 'rack',
  'content-type', 'c', 'allow', 'supported', 'k', 'require', 'proxy-require', 'unsupported', 'accept', 'accept-encoding',
  'accept-language', 'content-encoding', 'e', 'content-disposition', 'mime-version', 'privacy', 'allow-events', 'u', 'event', 'o',
  'timestamp', 'retry-after', 'subscription-state', 'content-language',
]);
/** Headers holding credentials: every parameter value is overwritten. */
const CREDENTIAL = new Set(['authorization', 'proxy-authorization']);
/**
 * Headers whose whole value is overwritten: an Identity header (STIR/SHAKEN) is a signed
 * token whose base64 claims carry the calling and called numbers; P-Access-Network-Info
 * carries the cell or line the user is on (a location).
 */
const OPAQUE = new Set(['identity', 'y', 'p-access-network-info']);
/** name-addr headers: their display names are names. */
const NAME_ADDR = new Set([
  'from', 'f', 'to', 't', 'contact', 'm', 'p-asserted-identity', 'p-preferred-identity', 'remote-party-id', 'diversion',
  'history-info', 'referred-by', 'b', 'refer-to', 'r', 'reply-to', 'p-called-party-id', 'route', 'record-route', 'path',
  'service-route', 'p-associated-uri', 'p-served-user', 'alert-info', 'call-info', 'error-info',
]);
/** SDP attributes whose value is a secret. */
const SDP_SECRET = /^a=(crypto:\S+\s+\S+\s+inline:|ice-pwd:|ice-ufrag:|key-mgmt:)/;
/** SDP lines that may hold free text (names, e-mail, phone). */
const SDP_FREE = /^(?:[siuep]=|a=(?:ssrc|cname|label|tool|x-)\b)/;

const IPV4_RE = /(?<![0-9A-Za-z.])(?:\d{1,3}\.){3}\d{1,3}(?![0-9A-Za-z]|\.\d)/g;
const IPV6_RE = /(?<![0-9A-Za-z:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![0-9A-Za-z:]|\.\d)/g;
// Parts are bounded: a hostile line ("sip:sip:sip:…" with no '@') must not cost quadratic time.
const SIP_URI_RE = /\b(sips?):(?:([^@\s;?>:"<,/]{1,256})(?::([^@\s;?>"<,/]{0,256}))?@)?(\[[0-9A-Fa-f:.]{1,64}\]|[A-Za-z0-9][A-Za-z0-9.-]{0,254})/dgi;
const TEL_URI_RE = /\btel:([+0-9A-Fa-f*#().-]{1,64})/dgi;

const isIp = (s: string): boolean => parseIpv4(s) !== null || parseIpv6(s.replace(/^\[|\]$/g, '')) !== null;
const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** What one line is, for redaction. */
type Mode = 'none' | 'full' | 'addr';

export interface RedactionCounts {
  ids: number;
  hosts: number;
  ipv4: number;
  ipv6: number;
  credentials: number;
}

export class SipTextRedactor {
  /** Learned values by key (shapedKey): 'id' (numbers, users, names) or 'host'. */
  private readonly dict = new Map<string, 'id' | 'host'>();
  private dictRe: RegExp | null = null;
  private dirty = false;
  /** IP literals seen in the calls' text and headers, to find them glued to other text too ("call14810.0.1.45", "…a41192.168.1.2"). */
  private readonly ips = new Set<string>();
  private ipRe: RegExp | null = null;
  private ipDirty = false;
  /** Whole texts replaced by a label in the report (capture file names and paths). */
  private readonly labels = new Map<string, string>();
  readonly counts: RedactionCounts = { ids: 0, hosts: 0, ipv4: 0, ipv6: 0, credentials: 0 };
  private readonly seen = { ids: new Set<string>(), hosts: new Set<string>(), ipv4: new Set<string>(), ipv6: new Set<string>() };

  constructor(readonly p: Pseudonymiser) {}

  /** Values learned so far (for tests: every one must be absent from the output). */
  learnedValues(): Array<{ value: string; kind: 'id' | 'host' }> {
    return [...this.dict].map(([value, kind]) => ({ value, kind }));
  }

  /** A text the report shows whole that must read as `label` (e.g. a capture's file name → "capture 1"). */
  setLabel(text: string, label: string): void {
    if (text !== '') this.labels.set(text, label);
  }

  /** Collects the identifying values of SIP text (any number of messages, or a fragment of one). */
  learn(text: string): void {
    for (const line of text.split('\n')) {
      const l = line.endsWith('\r') ? line.slice(0, -1) : line;
      const { spans } = this.fields(l);
      for (const s of spans) this.add(l.slice(s.start, s.end), s.kind);
      for (const m of l.matchAll(IPV4_RE)) if (parseIpv4(m[0])) this.addIp(m[0]);
      for (const m of l.matchAll(IPV6_RE)) if (parseIpv6(m[0])) this.addIp(m[0]);
    }
  }

  /** Declares an IP address of the calls (a header's, a stream's): no token equals it, and it is found even glued to other text. */
  addIp(text: string): void {
    if (this.ips.has(text)) return;
    this.p.avoid(text);
    // Only addresses long enough not to occur by chance inside other numbers.
    if (text.length >= 7 && text !== '0.0.0.0' && !/^[:0]*$/.test(text)) {
      this.ips.add(text);
      this.ipDirty = true;
    }
  }

  /** Adds a value found elsewhere (a CDR number, a call's From user). */
  add(value: string, kind: Kind): void {
    if (kind !== 'id' && kind !== 'host') return;
    if (value === '' || value === '-' || value === '*' || isIp(value)) return;
    const key = shapedKey(value);
    if (this.dict.has(key)) return;
    this.dict.set(key, kind);
    this.p.avoid(key);
    this.p.avoid(value);
    this.dirty = true;
  }

  /** SIP (or other capture) text → the same text redacted, of the same length. */
  redact(text: string): string {
    let out = '';
    let pos = 0;
    while (pos <= text.length) {
      let nl = text.indexOf('\n', pos);
      if (nl < 0) nl = text.length;
      const end = nl > pos && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      out += this.redactLine(text.slice(pos, end)) + text.slice(end, Math.min(nl + 1, text.length));
      pos = nl + 1;
    }
    if (out.length !== text.length) throw new Error('redaction changed the length of a text');
    return out;
  }

  /**
   * A text of the report: a capture's name or path → its label (also inside a sentence: a
   * reader's warning can name the file); a value learned whole → its token; else redact().
   * Unlike redact(), the length may change: the report is not a packet.
   */
  redactReportText(text: string): string {
    const label = this.labels.get(text);
    if (label !== undefined) return label;
    const kind = this.dict.get(shapedKey(text));
    if (kind !== undefined) return this.token(text, kind);
    let t = text;
    for (const [name, l] of [...this.labels].sort((a, b) => b[0].length - a[0].length)) if (t.includes(name)) t = t.split(name).join(l);
    return this.redact(t);
  }

  private token(text: string, kind: Kind): string {
    switch (kind) {
      case 'id':
        this.note('ids', shapedKey(text));
        return this.p.shaped('id', text);
      case 'host':
        this.note('hosts', text.toLowerCase());
        return this.p.host(text);
      case 'cred':
        this.counts.credentials++;
        return 'x'.repeat(text.length);
      case 'ip4':
        this.note('ipv4', text);
        return this.p.ipv4String(text);
      case 'keep':
        return text;
      case 'ip6': {
        const inner = text.replace(/^\[|\]$/g, '');
        this.note('ipv6', inner.toLowerCase());
        return text.replace(inner, this.p.ipv6String(inner));
      }
    }
  }

  private note(what: 'ids' | 'hosts' | 'ipv4' | 'ipv6', key: string): void {
    const set = this.seen[what];
    if (set.has(key)) return;
    set.add(key);
    this.counts[what] = set.size;
  }

  private redactLine(line: string): string {
    if (line === '') return line;
    const { spans, mode } = this.fields(line);
    if (mode !== 'none') {
      // Which characters a span already claims (a mask, not a scan of the spans: a line can hold thousands).
      const claimed = new Uint8Array(line.length);
      for (const x of spans) claimed.fill(1, x.start, x.end);
      const taken = (s: number, e: number): boolean => {
        for (let i = s; i < e; i++) if (claimed[i]) return true;
        return false;
      };
      const claim = (x: Span): void => {
        claimed.fill(1, x.start, x.end);
        spans.push(x);
      };
      for (const m of line.matchAll(IPV4_RE)) {
        const s = m.index;
        if (parseIpv4(m[0]) && !taken(s, s + m[0].length)) claim({ start: s, end: s + m[0].length, kind: 'ip4' });
      }
      for (const m of line.matchAll(IPV6_RE)) {
        const s = m.index;
        if (parseIpv6(m[0]) && !taken(s, s + m[0].length)) claim({ start: s, end: s + m[0].length, kind: 'ip6' });
      }
      const glued = this.gluedIps();
      if (glued) {
        for (const m of line.matchAll(glued)) {
          const s = m.index;
          if (!taken(s, s + m[0].length)) claim({ start: s, end: s + m[0].length, kind: m[0].includes(':') ? 'ip6' : 'ip4' });
        }
      }
      const re = this.dictionary();
      if (re) {
        const header = /^[A-Za-z][\w!%*+`'~.-]*[ \t]*:/.test(line);
        for (const m of line.matchAll(re)) {
          const s = m.index;
          const e = s + m[0].length;
          const kind = this.dict.get(shapedKey(m[0]));
          if (kind === undefined || taken(s, e)) continue;
          if (mode === 'addr' && kind !== 'host') continue;
          // A short number is only replaced where a header names it (never a duration or status in a sentence).
          if (/^\+?\d+$/.test(m[0]) && m[0].length < (header ? 3 : 4)) continue;
          claim({ start: s, end: e, kind });
        }
      }
    }
    if (spans.length === 0) return line;
    spans.sort((a, b) => a.start - b.start);
    let out = '';
    let at = 0;
    for (const s of spans) {
      if (s.start < at || s.end <= s.start) continue;
      out += line.slice(at, s.start) + this.token(line.slice(s.start, s.end), s.kind);
      at = s.end;
    }
    return out + line.slice(at);
  }

  private gluedIps(): RegExp | null {
    if (this.ipDirty) {
      const alt = (xs: string[]): string => xs.sort((a, b) => b.length - a.length).map(escapeRe).join('|');
      const v6 = [...this.ips].filter((x) => x.includes(':'));
      const v4 = [...this.ips].filter((x) => !x.includes(':'));
      const parts = [];
      if (v6.length > 0) parts.push(`(?:${alt(v6)})(?![0-9A-Fa-f]|:[0-9A-Fa-f])`);
      if (v4.length > 0) parts.push(`(?:${alt(v4)})(?![0-9]|\\.[0-9])`);
      this.ipRe = parts.length === 0 ? null : new RegExp(parts.join('|'), 'gi');
      this.ipDirty = false;
    }
    return this.ipRe;
  }

  private dictionary(): RegExp | null {
    if (this.dirty) {
      const keys = [...this.dict.keys()].filter((k) => k.length >= 3).sort((a, b) => b.length - a.length);
      this.dictRe = keys.length === 0 ? null : new RegExp(`(?<![0-9A-Za-z])(?:${keys.map(escapeRe).join('|')})(?![0-9A-Za-z])`, 'gi');
      this.dirty = false;
    }
    return this.dictRe;
  }

  /** Where the syntax of a line names a value: its spans, and how to treat the rest of the line. */
  private fields(line: string): { spans: Span[]; mode: Mode } {
    const spans: Span[] = [];
    const at = (start: number, value: string, kind: Kind): void => {
      if (value === '' || value === '-') return;
      if ((kind === 'host' || kind === 'id') && isIp(value)) return;
      spans.push({ start, end: start + value.length, kind });
    };
    // SDP.
    if (/^[a-z]=/.test(line)) {
      let m: RegExpExecArray | null;
      if ((m = /^o=(\S+) \S+ \S+ IN IP[46] ([^\s/]+)/d.exec(line))) {
        at(m.indices![1]![0], m[1], 'id');
        at(m.indices![2]![0], m[2], 'host');
      } else if ((m = /^c=IN IP[46] ([^\s/]+)/d.exec(line))) at(m.indices![1]![0], m[1], 'host');
      else if ((m = /^k=(.+)$/d.exec(line))) at(m.indices![1]![0], m[1], 'cred');
      else if ((m = SDP_SECRET.exec(line))) {
        const start = m[0].length;
        const rest = /^[^\s|]*/.exec(line.slice(start))![0];
        at(start, rest, 'cred');
      } else if ((m = /^[ep]=(.+)$/d.exec(line))) at(m.indices![1]![0], m[1], 'id');
      if (SDP_FREE.test(line)) {
        this.uris(line, spans);
        return { spans, mode: 'full' };
      }
      return { spans, mode: 'addr' };
    }
    // Request line: its URI (parameters can carry numbers: orig-user=…); status line: nothing.
    let m = /^([A-Za-z]+) (\S+) SIP\/2\.0$/d.exec(line);
    if (m) {
      this.uris(line, spans, m.indices![2]![0], m.indices![2]![1]);
      spans.push({ start: 0, end: m.indices![2]![0], kind: 'keep' }, { start: m.indices![2]![1], end: line.length, kind: 'keep' });
      return { spans, mode: 'full' };
    }
    if (/^SIP\/2\.0 \d{3}/.test(line)) return { spans, mode: 'none' };
    m = /^([A-Za-z][\w!%*+`'~.-]*)[ \t]*:[ \t]*/.exec(line);
    if (m) {
      const name = m[1].toLowerCase();
      const v = m[0].length;
      if (STRUCTURAL.has(name)) return { spans, mode: 'none' };
      if (OPAQUE.has(name)) {
        at(v, line.slice(v), 'cred');
        return { spans, mode: 'none' };
      }
      if (CREDENTIAL.has(name)) {
        // The scheme and the parameter names stay (the header still parses); every value goes,
        // username, realm and uri included, except the vocabulary of algorithm and qop.
        const scheme = /^\S+\s*/.exec(line.slice(v))?.[0] ?? '';
        const rest = v + scheme.length;
        if (/^digest\b/i.test(scheme)) {
          for (const d of line.slice(rest).matchAll(/([\w-]+)\s*=\s*(?:"([^"]*)"|([^\s,"]+))/dg)) {
            if (d[2] !== undefined) at(rest + d.indices![2]![0], d[2], 'cred');
            else if (!/^(algorithm|qop)$/i.test(d[1])) at(rest + d.indices![3]![0], d[3]!, 'cred');
          }
        } else at(rest, line.slice(rest), 'cred');
        return { spans, mode: 'none' };
      }
      this.uris(line, spans, v);
      if (NAME_ADDR.has(name)) {
        // Bounded: a hostile header of many commas and no '<' must not cost quadratic time.
        for (const d of line.slice(v).matchAll(/(?:^|,)\s*(?:"((?:[^"\\]|\\.){0,512})"|([^<>",;:]{0,512}[^<>",;:\s]))\s*</dg)) {
          const g = d[1] !== undefined ? 1 : 2;
          at(v + d.indices![g]![0], d[g]!, 'id');
        }
      }
      if (name === 'via' || name === 'v') {
        for (const d of line.slice(v).matchAll(/SIP\s*\/\s*2\.0\s*\/\s*[A-Za-z]+\s+([A-Za-z0-9][A-Za-z0-9.-]*)/dg)) at(v + d.indices![1]![0], d[1], 'host');
      }
      if (name === 'call-id' || name === 'i') {
        const d = /@([A-Za-z0-9][A-Za-z0-9.-]*)\s*$/d.exec(line.slice(v));
        if (d) at(v + d.indices![1]![0], d[1], 'host');
      }
      for (const d of line.slice(v).matchAll(/\b(?:realm|domain)\s*=\s*"([^"]*)"/dgi)) at(v + d.indices![1]![0], d[1], d[1].includes('.') ? 'host' : 'id');
      return { spans, mode: 'full' };
    }
    this.uris(line, spans);
    return { spans, mode: 'full' };
  }

  /** The user parts, passwords and host names of the sip:/sips:/tel: URIs in line[from, to). */
  private uris(line: string, spans: Span[], from = 0, to = line.length): void {
    const part = line.slice(from, to);
    const push = (s: number, value: string, kind: Kind): void => {
      if (value === '' || ((kind === 'host' || kind === 'id') && isIp(value))) return;
      spans.push({ start: from + s, end: from + s + value.length, kind });
    };
    for (const m of part.matchAll(SIP_URI_RE)) {
      if (m[2] !== undefined) push(m.indices![2]![0], m[2], 'id');
      if (m[3] !== undefined) push(m.indices![3]![0], m[3], 'cred');
      if (m[4] !== undefined && !m[4].startsWith('[')) push(m.indices![4]![0], m[4].replace(/\.$/, ''), 'host');
    }
    for (const m of part.matchAll(TEL_URI_RE)) push(m.indices![1]![0], m[1], 'id');
  }
}
