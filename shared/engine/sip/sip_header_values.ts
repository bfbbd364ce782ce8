// Parsers for the SIP header values the call tracker reads. All are linear scans with
// indexOf/charCodeAt (no backtracking regexes), tolerate garbage and never throw.
import type { NameAddr, ReasonValue } from '../../model/sip.ts';

/**
 * Compact header forms → full lower-case names. RFC 3261 §7.3.3 (i m e l c f s k t v) and the
 * IANA "Header Fields" registry: o/u RFC 6665, r RFC 3515, b RFC 3892, a/j/d RFC 3841,
 * x RFC 4028, y RFC 8224, n RFC 4474 (obsolete).
 */
export const COMPACT_HEADER_NAMES: Readonly<Record<string, string>> = {
  a: 'accept-contact',
  b: 'referred-by',
  c: 'content-type',
  d: 'request-disposition',
  e: 'content-encoding',
  f: 'from',
  i: 'call-id',
  j: 'reject-contact',
  k: 'supported',
  l: 'content-length',
  m: 'contact',
  n: 'identity-info',
  o: 'event',
  r: 'refer-to',
  s: 'subject',
  t: 'to',
  u: 'allow-events',
  v: 'via',
  x: 'session-expires',
  y: 'identity',
};

export function fullHeaderName(name: string): string {
  const lower = name.toLowerCase();
  return lower.length === 1 ? (COMPACT_HEADER_NAMES[lower] ?? lower) : lower;
}

/**
 * Splits a header value on commas that separate values (RFC 3261 §7.3.1), ignoring commas
 * inside quoted strings and <...> (URIs may contain commas, display names too).
 */
export function splitHeaderValues(value: string): string[] {
  const out: string[] = [];
  let inQuote = false;
  let inAngle = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (inQuote) {
      if (c === 0x5c) i++; // quoted-pair
      else if (c === 0x22) inQuote = false;
    } else if (c === 0x22) inQuote = true;
    else if (c === 0x3c) inAngle = true;
    else if (c === 0x3e) inAngle = false;
    else if (c === 0x2c && !inAngle) {
      const v = value.slice(start, i).trim();
      if (v) out.push(v);
      start = i + 1;
    }
  }
  const last = value.slice(start).trim();
  if (last) out.push(last);
  return out;
}

/** Removes surrounding quotes and quoted-pair escapes (RFC 3261 §25.1 quoted-string). */
export function unquote(s: string): string {
  const t = s.trim();
  if (t.length < 2 || t.charCodeAt(0) !== 0x22) return t;
  let out = '';
  for (let i = 1; i < t.length; i++) {
    const c = t[i];
    if (c === '\\' && i + 1 < t.length) out += t[++i];
    else if (c === '"') break;
    else out += c;
  }
  return out;
}

/**
 * `;name=value` parameters after `from` (generic-param, RFC 3261 §25.1). Quoted values keep
 * their semicolons. Names lower-cased; a valueless flag maps to ''.
 */
export function parseParams(s: string, from = 0): Map<string, string> {
  const params = new Map<string, string>();
  let i = s.indexOf(';', from);
  while (i >= 0 && i < s.length) {
    let j = i + 1;
    let inQuote = false;
    while (j < s.length) {
      const c = s.charCodeAt(j);
      if (inQuote) {
        if (c === 0x5c) j++;
        else if (c === 0x22) inQuote = false;
      } else if (c === 0x22) inQuote = true;
      else if (c === 0x3b) break;
      j++;
    }
    const part = s.slice(i + 1, Math.min(j, s.length));
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (name && !params.has(name)) params.set(name, eq < 0 ? '' : part.slice(eq + 1).trim());
    i = j < s.length ? j : -1;
  }
  return params;
}

/**
 * User part of a SIP/SIPS/TEL URI (RFC 3261 §19.1.1, RFC 3966): sip:alice:pw@host → alice,
 * tel:+1555;phone-context=x → +1555. '' when there is none.
 */
export function uriUser(uri: string): string {
  const colon = uri.indexOf(':');
  if (colon < 0) return '';
  const scheme = uri.slice(0, colon).toLowerCase();
  const rest = uri.slice(colon + 1);
  if (scheme === 'tel') {
    const semi = rest.indexOf(';');
    return (semi < 0 ? rest : rest.slice(0, semi)).trim();
  }
  if (scheme !== 'sip' && scheme !== 'sips') return '';
  // userinfo ends at the first '@'; the user part may itself contain ';' (user-unreserved).
  const at = rest.indexOf('@');
  if (at < 0) return '';
  const userinfo = rest.slice(0, at);
  const pw = userinfo.indexOf(':');
  return pw < 0 ? userinfo : userinfo.slice(0, pw);
}

/**
 * From / To / Contact value (RFC 3261 §20.20, §20.39, §25.1):
 *   name-addr = [ display-name ] LAQUOT addr-spec RAQUOT, then header params (tag=…)
 *   addr-spec without <> — then everything after the first ';' is a header param (§20.10).
 */
export function parseNameAddr(value: string): NameAddr {
  const v = value.trim();
  let display = '';
  let uri: string;
  let paramsFrom: number;
  let i = 0;
  if (v.charCodeAt(0) === 0x22) {
    // quoted display name; find its closing quote honouring quoted-pairs
    let j = 1;
    while (j < v.length && v.charCodeAt(j) !== 0x22) j += v.charCodeAt(j) === 0x5c ? 2 : 1;
    display = unquote(v.slice(0, Math.min(j + 1, v.length)));
    i = Math.min(j + 1, v.length);
  }
  const lt = v.indexOf('<', i);
  if (lt >= 0) {
    if (i === 0) display = v.slice(0, lt).trim();
    const gt = v.indexOf('>', lt + 1);
    uri = (gt < 0 ? v.slice(lt + 1) : v.slice(lt + 1, gt)).trim();
    paramsFrom = gt < 0 ? v.length : gt + 1;
  } else {
    const rest = v.slice(i).trim();
    const semi = rest.indexOf(';');
    uri = semi < 0 ? rest : rest.slice(0, semi);
    paramsFrom = v.length - (semi < 0 ? 0 : rest.length - semi);
  }
  const tag = parseParams(v, paramsFrom).get('tag') ?? '';
  return { display, uri, user: uriUser(uri), tag };
}

export const EMPTY_NAME_ADDR: Readonly<NameAddr> = Object.freeze({ display: '', uri: '', user: '', tag: '' });

/** Leading decimal digits as a number (at most 15 read, so it stays exact); null when none. */
export function leadingInt(s: string): number | null {
  const t = s.trimStart();
  let n = 0;
  let i = 0;
  while (i < t.length && i < 15) {
    const c = t.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    n = n * 10 + (c - 0x30);
    i++;
  }
  return i === 0 ? null : n;
}

/** Reason header values, RFC 3326 §2: `protocol *(SEMI reason-params)`, cause and text. */
export function parseReasons(value: string): ReasonValue[] {
  const out: ReasonValue[] = [];
  for (const part of splitHeaderValues(value)) {
    const semi = part.indexOf(';');
    const protocol = (semi < 0 ? part : part.slice(0, semi)).trim();
    const params = parseParams(part, semi < 0 ? part.length : semi);
    const causeText = params.get('cause');
    const cause = causeText === undefined ? null : leadingInt(causeText);
    const text = params.get('text');
    out.push({ protocol, cause, text: text === undefined ? '' : unquote(text) });
  }
  return out;
}

/** Session-Expires, RFC 4028 §4: `delta-seconds *(SEMI se-params)`, refresher=uac|uas. */
export function parseSessionExpires(value: string): { seconds: number; refresher: '' | 'uac' | 'uas' } | undefined {
  const seconds = leadingInt(value);
  if (seconds === null) return undefined;
  const r = parseParams(value).get('refresher')?.toLowerCase();
  return { seconds, refresher: r === 'uac' || r === 'uas' ? r : '' };
}

/** Top Via's branch (RFC 3261 §8.1.1.7, §20.42): first value of the first Via header. */
export function viaBranch(topVia: string): string {
  const first = splitHeaderValues(topVia)[0] ?? '';
  return parseParams(first).get('branch') ?? '';
}

/** CSeq, RFC 3261 §20.16: `1*DIGIT LWS Method`. */
export function parseCSeq(value: string): { seq: number; method: string } {
  const t = value.trim();
  const seq = leadingInt(t) ?? 0;
  let i = 0;
  while (i < t.length && t.charCodeAt(i) >= 0x30 && t.charCodeAt(i) <= 0x39) i++;
  return { seq, method: t.slice(i).trim() };
}
