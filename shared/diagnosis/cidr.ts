// A small CIDR matcher for settings.ownAddresses (diagnosis.md §1: "a setting (CIDR list)
// names our own addresses for outbound campaigns"). IPv4 and IPv6, with '::' compression and
// an embedded dotted quad; an IPv4-mapped IPv6 address (::ffff:a.b.c.d) matches IPv4 ranges,
// so a dual-stack socket's view of an IPv4 peer still counts as ours.

interface Ip {
  v: 4 | 6;
  bits: bigint;
}

function parseV4(s: string): bigint | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let out = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out = (out << 8n) | BigInt(n);
  }
  return out;
}

function parseV6(s: string): bigint | null {
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone); // fe80::1%eth0
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    const items = h.split(':');
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      if (i === items.length - 1 && it.includes('.')) {
        const v4 = parseV4(it);
        if (v4 === null) return null;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(it)) return null;
        out.push(parseInt(it, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return all.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** Parses a bare IPv4 or IPv6 address (no port); IPv4-mapped IPv6 comes back as IPv4. */
export function parseIp(s: string): Ip | null {
  const t = s.trim();
  const v4 = parseV4(t);
  if (v4 !== null) return { v: 4, bits: v4 };
  const v6 = parseV6(t);
  if (v6 === null) return null;
  if (v6 >> 32n === 0xffffn) return { v: 4, bits: v6 & 0xffffffffn };
  return { v: 6, bits: v6 };
}

/**
 * The host part of an endpoint string as the engine writes it: 'ip:port', '[v6]:port', or a
 * bare address ('::1', '10.0.0.1').
 */
export function hostOf(endpoint: string): string {
  const e = endpoint.trim();
  if (e.startsWith('[')) {
    const close = e.indexOf(']');
    return close > 0 ? e.slice(1, close) : e.slice(1);
  }
  const colons = e.split(':').length - 1;
  if (colons === 1) return e.slice(0, e.indexOf(':')); // ipv4:port
  return e; // bare IPv4 or bare IPv6
}

interface Range {
  v: 4 | 6;
  base: bigint;
  prefix: number;
}

/** Parses '10.0.0.0/8', '2001:db8::/32', or a single address (a /32 or /128); null when invalid. */
export function parseCidr(cidr: string): Range | null {
  const [addr, len, extra] = cidr.trim().split('/');
  if (extra !== undefined) return null;
  const ip = parseIp(addr.startsWith('[') && addr.endsWith(']') ? addr.slice(1, -1) : addr);
  if (!ip) return null;
  const width = ip.v === 4 ? 32 : 128;
  let prefix = width;
  if (len !== undefined) {
    if (!/^\d{1,3}$/.test(len)) return null;
    prefix = Number(len);
    // '::ffff:10.0.0.0/104' is the mapped form of 10.0.0.0/8.
    if (ip.v === 4 && addr.includes(':')) prefix -= 96;
    if (prefix < 0 || prefix > width) return null;
  }
  return { v: ip.v, base: mask(ip.bits, prefix, width), prefix };
}

function mask(bits: bigint, prefix: number, width: number): bigint {
  if (prefix === 0) return 0n;
  const keep = ((1n << BigInt(prefix)) - 1n) << BigInt(width - prefix);
  return bits & keep;
}

/** Whether an address or endpoint ('ip:port', '[v6]:port') lies in any of the CIDR ranges. Invalid ranges are ignored. */
export function inCidrs(endpoint: string, cidrs: readonly string[]): boolean {
  const ip = parseIp(hostOf(endpoint));
  if (!ip) return false;
  const width = ip.v === 4 ? 32 : 128;
  for (const c of cidrs) {
    const r = parseCidr(c);
    if (r && r.v === ip.v && mask(ip.bits, r.prefix, width) === r.base) return true;
  }
  return false;
}

/** The ranges that do not parse, so a settings screen can flag them. */
export function invalidCidrs(cidrs: readonly string[]): string[] {
  return cidrs.filter((c) => parseCidr(c) === null);
}
