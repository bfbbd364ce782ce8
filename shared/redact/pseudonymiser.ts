// Keyed, deterministic, length-preserving pseudonyms for one redacted export (issue 11).
//
// Every token is drawn from a keyed hash of (kind, value): the same value always gives the
// same token within one export, so a ladder still reads and the capture and the report agree,
// while another export (another key) gives other tokens, so tokens cannot be joined across
// exports. The hash is injected (shared/ is pure: the Node side passes HMAC-SHA256 with 32
// random bytes per export, tests pass a fixed key).
//
// Tokens keep the length of what they replace, byte for byte: a SIP message rewritten this way
// keeps its Content-Length, its UDP length and its place in a TCP stream, so only checksums
// have to be recomputed. Addresses stay valid addresses of the same text length:
// - IPv4 is mapped on the 32-bit value (the IP header and the SIP text agree) to an address
//   whose dotted text is as long as the original's: 10.x.y.z for 8–14 characters,
//   100.100–127.x.y (RFC 6598 shared space) for 15, a single-digit a.b.c.d for 7 (no reserved
//   range has that form: those are ordinary addresses).
// - IPv6 is mapped on the 128-bit value: zero groups stay zero (so every '::' of the original
//   text is still valid), each other group gets a random value of the same hex width, and a
//   first group of 4 digits becomes fdXX (a unique-local address).
// Two different values never share a token (collisions are re-drawn), and a token is never
// one of the original values the caller declared (avoid()), so a search of the output for an
// original value cannot hit a token by chance.

/** A keyed hash of a string (≥ 16 bytes out), e.g. HMAC-SHA256(key, input). */
export type KeyedHash = (input: string) => Uint8Array;

const DIGITS = '0123456789';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';

/** Bytes drawn from the keyed hash of a seed, re-hashed with a counter when used up. */
class Draw {
  private buf: Uint8Array;
  private i = 0;
  private round = 0;
  constructor(private readonly hash: KeyedHash, private readonly seed: string) {
    this.buf = hash(seed);
  }
  byte(): number {
    if (this.i >= this.buf.length) {
      this.buf = this.hash(`${this.seed}\u0000${++this.round}`);
      this.i = 0;
    }
    return this.buf[this.i++];
  }
  /** Uniform enough in [0, n) for n ≤ 256 (the bias of 256 % n is irrelevant here). */
  below(n: number): number {
    return n <= 256 ? this.byte() % n : ((this.byte() << 8) | this.byte()) % n;
  }
  inRange(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1);
  }
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isUpper = (c: number): boolean => c >= 65 && c <= 90;
const isLower = (c: number): boolean => c >= 97 && c <= 122;

/** The lookup key of a shaped value: case folded; a phone number without its leading '+'. */
export function shapedKey(value: string): string {
  const v = value.toLowerCase();
  return /^\+\d+$/.test(v) ? v.slice(1) : v;
}

/** Dotted text of a 32-bit value. */
export function ipv4Text(b: Uint8Array, off = 0): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/** The 4 bytes of dotted IPv4 text, or null (leading zeros and out-of-range octets are not addresses here). */
export function parseIpv4(text: string): Uint8Array | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const s = m[i + 1];
    const n = Number(s);
    if (n > 255 || (s.length > 1 && s[0] === '0')) return null;
    out[i] = n;
  }
  return out;
}

/** IPv6 text as written: its groups (null at the '::'), or null when it is not an address. */
interface V6Text { head: string[]; tail: string[]; compressed: boolean }

function splitV6(text: string): V6Text | null {
  const parts = text.split('::');
  if (parts.length > 2) return null;
  const groups = (s: string): string[] | null => {
    if (s === '') return [];
    const g = s.split(':');
    return g.every((x) => /^[0-9A-Fa-f]{1,4}$/.test(x)) ? g : null;
  };
  const head = groups(parts[0]);
  const tail = parts.length === 2 ? groups(parts[1]) : [];
  if (!head || !tail) return null;
  const compressed = parts.length === 2;
  if (compressed ? head.length + tail.length > 7 : head.length !== 8) return null;
  return { head, tail, compressed };
}

/** The 16 bytes of IPv6 text (hex groups only; a dotted IPv4 tail is not read), or null. */
export function parseIpv6(text: string): Uint8Array | null {
  const t = splitV6(text);
  if (!t) return null;
  const g = new Array<number>(8).fill(0);
  t.head.forEach((x, i) => (g[i] = parseInt(x, 16)));
  t.tail.forEach((x, i) => (g[8 - t.tail.length + i] = parseInt(x, 16)));
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = g[i] >> 8;
    out[2 * i + 1] = g[i] & 0xff;
  }
  return out;
}

function v6Groups(b: Uint8Array, off = 0): number[] {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((b[off + 2 * i] << 8) | b[off + 2 * i + 1]);
  return g;
}

/** RFC 5952 text (the form the engine prints). */
export function ipv6Text(b: Uint8Array, off = 0): string {
  const g = v6Groups(b, off);
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(':');
  if (bestAt < 0) return hex(g);
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
}

export class Pseudonymiser {
  /** kind + key → token. */
  private readonly tokens = new Map<string, string>();
  /** Tokens handed out (lower case), so two values never share one. */
  private readonly taken = new Set<string>();
  /** Original values (lower case) no token may equal. */
  private readonly avoided = new Set<string>();
  private readonly v4 = new Map<number, Uint8Array>();
  private readonly v6 = new Map<string, Uint8Array>();
  private readonly macs = new Map<string, Uint8Array>();

  constructor(private readonly hash: KeyedHash) {}

  /** Declares an original value: no token will ever be equal to it. */
  avoid(value: string): void {
    this.avoided.add(value.toLowerCase());
  }

  private fresh(token: string): boolean {
    const t = token.toLowerCase();
    return !this.taken.has(t) && !this.avoided.has(t);
  }

  /** Draws tokens from (kind, key, attempt) until one is free; gives up after 64 (tiny spaces). */
  private draw(kind: string, key: string, make: (d: Draw) => string): string {
    const id = `${kind}\u0000${key}`;
    const known = this.tokens.get(id);
    if (known !== undefined) return known;
    let token = '';
    for (let attempt = 0; attempt < 64; attempt++) {
      token = make(new Draw(this.hash, `${id}\u0000${attempt}`));
      if (this.fresh(token)) break;
    }
    this.tokens.set(id, token);
    this.taken.add(token.toLowerCase());
    return token;
  }

  /**
   * A token of the same shape: digits stay digits, letters letters (case kept), any other
   * byte of 0x80 and above becomes a letter (a UTF-8 name keeps its byte length), and
   * punctuation, spaces and %-escapes stay where they were. The same value in another case,
   * or a number with or without its '+', gives the same token in that case.
   */
  shaped(kind: string, value: string): string {
    const key = shapedKey(value);
    const base = this.draw(kind, key, (d) => {
      let out = '';
      for (let i = 0; i < key.length; i++) {
        const c = key.charCodeAt(i);
        if (c === 37 && i + 2 < key.length && /^[0-9a-f]{2}$/.test(key.slice(i + 1, i + 3))) {
          out += key.slice(i, i + 3);
          i += 2;
        } else if (isDigit(c)) out += DIGITS[d.below(10)];
        else if (isLower(c) || c >= 0x80) out += LOWER[d.below(26)];
        else out += key[i];
      }
      return out;
    });
    // Back to the value's own form: its '+' and its letter case.
    const offset = value.length - base.length;
    let out = value.slice(0, offset);
    for (let i = 0; i < base.length; i++) out += isUpper(value.charCodeAt(i + offset)) ? base[i].toUpperCase() : base[i];
    return out;
  }

  /**
   * A host name: every label replaced by letters of its length, dots kept; the last label
   * (the top-level domain) is kept when there are several, as it says little and keeps the
   * name looking like one.
   */
  host(value: string): string {
    const labels = value.split('.');
    const keepLast = labels.length > 1 && /^[A-Za-z]{2,}$/.test(labels[labels.length - 1]);
    const head = keepLast ? labels.slice(0, -1).join('.') : value;
    const token = this.shaped('host', head);
    return keepLast ? `${token}.${labels[labels.length - 1]}` : token;
  }

  /** The pseudonym of an IPv4 address (4 bytes at `off`): same text length, never 0.0.0.0 or the broadcast address. */
  ipv4(b: Uint8Array, off = 0): Uint8Array {
    const value = ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
    // The unspecified and broadcast addresses say "no address" / "everyone" (c=IN IP4 0.0.0.0 is hold): kept.
    if (value === 0 || value === 0xffffffff) return b.slice(off, off + 4);
    const known = this.v4.get(value);
    if (known) return known;
    const text = ipv4Text(b, off);
    const token = this.draw('ip4', text, (d) => {
      const len = text.length;
      const octet = (digits: number): number => (digits === 1 ? d.below(10) : digits === 2 ? d.inRange(10, 99) : d.inRange(100, 255));
      let o: number[];
      if (len === 7) o = [d.inRange(1, 9), d.below(10), d.below(10), d.below(10)];
      else if (len === 15) o = [100, d.inRange(100, 127), d.inRange(100, 255), d.inRange(100, 254)];
      else {
        // 10.a.b.c: the three octets share len - 5 digits, 1 to 3 each.
        const shapes: number[][] = [];
        for (let x = 1; x <= 3; x++) for (let y = 1; y <= 3; y++) for (let z = 1; z <= 3; z++) if (x + y + z === len - 5) shapes.push([x, y, z]);
        const s = shapes[d.below(shapes.length)];
        o = [10, octet(s[0]), octet(s[1]), octet(s[2])];
      }
      return o.join('.');
    });
    const out = parseIpv4(token)!;
    this.v4.set(value, out);
    return out;
  }

  /** Dotted IPv4 text → the pseudonym's text (same length); text that is not an address is returned as is. */
  ipv4String(text: string): string {
    const b = parseIpv4(text);
    return b ? ipv4Text(this.ipv4(b)) : text;
  }

  /** The pseudonym of an IPv6 address (16 bytes at `off`). */
  ipv6(b: Uint8Array, off = 0): Uint8Array {
    const g = v6Groups(b, off);
    if (g.every((x) => x === 0)) return b.slice(off, off + 16);
    const text = ipv6Text(b, off);
    const known = this.v6.get(text);
    if (known) return known;
    const token = this.draw('ip6', text, (d) => {
      const out = g.map((x, i) => {
        if (x === 0) return 0;
        const width = x.toString(16).length;
        if (i === 0 && width === 4) return 0xfd00 | d.below(256);
        if (width === 1) return d.inRange(1, 15);
        return d.inRange(16 ** (width - 1), 16 ** width - 1);
      });
      return out.map((x) => x.toString(16)).join(':');
    });
    const out = new Uint8Array(16);
    token.split(':').forEach((x, i) => {
      const v = parseInt(x, 16);
      out[2 * i] = v >> 8;
      out[2 * i + 1] = v & 0xff;
    });
    this.v6.set(text, out);
    return out;
  }

  /**
   * IPv6 text → the pseudonym written in the same shape: the same groups with the same
   * widths (leading zeros kept), the '::' in the same place, the same letter case.
   */
  ipv6String(text: string): string {
    const t = splitV6(text);
    const b = parseIpv6(text);
    if (!t || !b) return text;
    const g = v6Groups(this.ipv6(b));
    const fmt = (orig: string, v: number): string => {
      const h = v.toString(16).padStart(orig.length, '0');
      return /[A-F]/.test(orig) ? h.toUpperCase() : h;
    };
    const head = t.head.map((x, i) => fmt(x, g[i]));
    const tail = t.tail.map((x, i) => fmt(x, g[8 - t.tail.length + i]));
    return t.compressed ? `${head.join(':')}::${tail.join(':')}` : head.join(':');
  }

  /** A MAC address: a locally administered unicast pseudonym; group (multicast, broadcast) and all-zero addresses are kept. */
  mac(b: Uint8Array, off = 0): Uint8Array {
    const raw = b.slice(off, off + 6);
    if ((raw[0] & 1) === 1 || raw.every((x) => x === 0)) return raw;
    const key = Array.from(raw, (x) => x.toString(16).padStart(2, '0')).join(':');
    const known = this.macs.get(key);
    if (known) return known;
    const token = this.draw('mac', key, (d) => {
      const o = [(d.byte() & 0xfc) | 0x02];
      for (let i = 0; i < 5; i++) o.push(d.byte());
      return o.map((x) => x.toString(16).padStart(2, '0')).join(':');
    });
    const out = Uint8Array.from(token.split(':').map((x) => parseInt(x, 16)));
    this.macs.set(key, out);
    return out;
  }
}

