// The pure parts of the redaction (shared/redact): pseudonyms keep length and validity, are
// stable within one key and differ across keys; the SIP/SDP text redactor keeps the structure
// (status line, CSeq, Content-Length, m= and rtpmap lines) and replaces what identifies.
// The end-to-end checks on real captures are in redact_export.test.ts.

import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Pseudonymiser, ipv4Text, parseIpv4, parseIpv6 } from '../../shared/redact/pseudonymiser.ts';
import { SipTextRedactor } from '../../shared/redact/sip_text_redactor.ts';

const keyed = (k: number) => (s: string) => createHmac('sha256', new Uint8Array(32).fill(k)).update(s, 'latin1').digest();

describe('Pseudonymiser', () => {
  it('maps every IPv4 text length 7–15 to a valid address of the same length, the same each time', () => {
    const p = new Pseudonymiser(keyed(1));
    for (const ip of ['1.2.3.4', '10.0.0.1', '127.0.30.7', '192.168.1.10', '172.16.254.100', '203.113.211.255', '255.255.255.254']) {
      const t = p.ipv4String(ip);
      expect(t.length, `${ip} → ${t}`).toBe(ip.length);
      expect(parseIpv4(t), `${t} is an address`).not.toBeNull();
      expect(t).not.toBe(ip);
      expect(p.ipv4String(ip)).toBe(t);
      // The text and the 4 header bytes agree.
      expect(ipv4Text(p.ipv4(parseIpv4(ip)!))).toBe(t);
    }
    expect(p.ipv4String('0.0.0.0')).toBe('0.0.0.0');
  });

  it('writes an IPv6 pseudonym in the shape of the original text, the same value whatever its text', () => {
    const p = new Pseudonymiser(keyed(1));
    const a = p.ipv6String('2001:db8::10');
    expect(a).toMatch(/^fd[0-9a-f]{2}:[0-9a-f]{3}::[0-9a-f]{2}$/);
    const full = p.ipv6String('2001:0DB8:0000:0000:0000:0000:0000:0010');
    expect(full.length).toBe(39);
    // Each group keeps its width and its letter case (a group without letters is written in lower case).
    expect(full).toMatch(/^fd[0-9a-f]{2}:0[0-9A-F]{3}(:0000){5}:00[0-9a-f]{2}$/);
    expect(parseIpv6(full)).toEqual(parseIpv6(a));
  });

  it('gives different values different tokens, and another key other tokens', () => {
    const p = new Pseudonymiser(keyed(1));
    const numbers = Array.from({ length: 500 }, (_, i) => `+3361234${String(i).padStart(4, '0')}`);
    const tokens = numbers.map((n) => p.shaped('id', n));
    expect(new Set(tokens).size).toBe(numbers.length);
    for (const [i, t] of tokens.entries()) {
      expect(t).toMatch(/^\+\d{11}$/);
      expect(t).not.toBe(numbers[i]);
    }
    // A number with or without its '+', a name in another case: one token.
    expect(p.shaped('id', '33612340007')).toBe(tokens[7].slice(1));
    expect(p.shaped('id', 'Alice Smith').toLowerCase()).toBe(p.shaped('id', 'alice smith'));
    expect(new Pseudonymiser(keyed(2)).shaped('id', numbers[0])).not.toBe(tokens[0]);
  });

  it('never hands out a declared original value as a token', () => {
    const p = new Pseudonymiser(keyed(3));
    // One-digit values: ten possible tokens, nine of them declared.
    for (let d = 0; d < 9; d++) p.avoid(String(d));
    expect(p.shaped('id', '4')).toBe('9');
  });
});

const INVITE = [
  'INVITE sip:+15551234567@pbx.example.com;user=phone SIP/2.0',
  'Via: SIP/2.0/UDP 192.168.1.10:5060;branch=z9hG4bK776asdhds;received=203.0.113.9',
  'Max-Forwards: 70',
  'To: "Bob Smith" <sip:+15551234567@pbx.example.com>',
  'From: Alice <sip:alice:secret@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
  'CSeq: 101 INVITE',
  'Contact: <sip:alice@[2001:db8::10]:5060>',
  'P-Asserted-Identity: <tel:+1-555-987-6543>',
  'Authorization: Digest username="alice", realm="atlanta.example.com", nonce="84a4cc6f", uri="sip:bob@pbx.example.com", response="7587245234b3434cc3412213e5f113a5", algorithm=MD5',
  'Content-Type: application/sdp',
  'Content-Length: 101',
  '',
  'v=0',
  'o=alice 2890844526 2890844526 IN IP4 192.168.1.10',
  's=Alice Call',
  'c=IN IP4 192.168.1.10',
  't=0 0',
  'm=audio 49170 RTP/AVP 0 101',
  'a=rtpmap:101 telephone-event/8000',
  'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32',
  '',
].join('\r\n');

describe('SipTextRedactor', () => {
  const r = new SipTextRedactor(new Pseudonymiser(keyed(4)));
  r.learn(INVITE);
  const out = r.redact(INVITE);

  it('keeps the length of the text and of every line, and the structure', () => {
    expect(out.length).toBe(INVITE.length);
    const a = INVITE.split('\r\n');
    const b = out.split('\r\n');
    expect(b.map((l) => l.length)).toEqual(a.map((l) => l.length));
    for (const keep of ['Max-Forwards: 70', 'CSeq: 101 INVITE', 'Content-Length: 101', 'm=audio 49170 RTP/AVP 0 101', 'a=rtpmap:101 telephone-event/8000', 'v=0', 't=0 0']) {
      expect(b).toContain(keep);
    }
    expect(b[0]).toMatch(/^INVITE sip:\+\d{11}@[a-z]{3}\.[a-z]{7}\.com;user=phone SIP\/2\.0$/);
    expect(out).toMatch(/Authorization: Digest username="x{5}", realm="x{19}", nonce="x{8}", uri="x{23}", response="x{32}", algorithm=MD5/);
    expect(out).toContain('inline:' + 'x'.repeat(40) + '|2^20|1:32');
  });

  it('leaves none of the identifying values, and uses one token per value', () => {
    for (const v of ['15551234567', '555-987-6543', 'pbx.example', 'atlanta.example', 'Bob Smith', 'Alice', 'alice', 'secret', '192.168.1.10', '203.0.113.9', '2001:db8::10', 'pc33']) {
      expect(out, v).not.toContain(v);
    }
    const hosts = out.match(/@[a-z]{3}\.[a-z]{7}\.com/g)!;
    expect(new Set(hosts).size).toBe(1);
    const ips = out.match(/\b10\.\d+\.\d+\.\d+\b/g)!;
    expect(new Set(ips).size).toBe(2);
    // The report's texts: a whole value, an endpoint, a sentence.
    expect(r.redactReportText('alice')).toBe(/From: ([A-Za-z]+) </.exec(out)![1].toLowerCase());
    expect(r.redactReportText('192.168.1.10:5060')).toBe(`${/IN IP4 (\S+)/.exec(out)![1]}:5060`);
    expect(r.redactReportText('RTP from 192.168.1.10 stopped 1000 ms before the BYE')).toMatch(/^RTP from 10\.\S+ stopped 1000 ms before the BYE$/);
  });

  it('overwrites a STIR/SHAKEN Identity and an access-network location whole, and names a capture file by its label inside a sentence', () => {
    const identity = 'Identity: eyJhbGciOiJFUzI1NiIsInR5cCI6InBhc3Nwb3J0In0.eyJvcmlnIjp7InRuIjoiMTU1NTEyMzQ1NjcifX0.sig;info=<https://cert.example.org/c.pem>;alg=ES256';
    expect(r.redact(identity)).toBe(`Identity: ${'x'.repeat(identity.length - 'Identity: '.length)}`);
    expect(r.redact('P-Access-Network-Info: 3GPP-E-UTRAN-FDD; utran-cell-id-3gpp=2620100001234567')).toMatch(/^P-Access-Network-Info: x+$/);
    r.setLabel('/data/customers/acme/trace.pcap', 'capture 1');
    expect(r.redactReportText('/data/customers/acme/trace.pcap: the capture ends in a record')).toBe('capture 1: the capture ends in a record');
  });

  it('redacts hostile lines (thousands of URIs, commas, colons) and keeps their length', () => {
    // These took seconds each with unbounded URI and name patterns (quadratic backtracking);
    // the test's own timeout is the bound, no clock is read here.
    const h = new SipTextRedactor(new Pseudonymiser(keyed(5)));
    for (const line of ['From: ' + 'a,'.repeat(100000), 'Contact: ' + 'sip:'.repeat(50000), 'Via: ' + ':'.repeat(200000), 'To: "' + 'x'.repeat(100000)]) {
      h.learn(line);
      expect(h.redact(line).length).toBe(line.length);
    }
  });

  it('finds an address of the calls glued to other text, and a number in a request-URI parameter', () => {
    const ip = /IN IP4 (\S+)/.exec(out)![1];
    expect(r.redact('Call-ID: 148192.168.1.10')).toBe(`Call-ID: 148${ip}`);
    expect(r.redact('Via: SIP/2.0/UDP x;branch=z9hG4bK-44ce4a41192.168.1.10;rport')).toContain(`44ce4a41${ip};rport`);
    // …but not a longer address that merely starts like it.
    expect(r.redact('Y: 192.168.1.100')).not.toContain(`${ip}0`);
    const line = r.redact('INVITE sip:bob@10.9.9.9;orig-user=15551234567 SIP/2.0');
    expect(line).toMatch(/^INVITE sip:[a-z]{3}@10\.\S+;orig-user=\d{11} SIP\/2\.0$/);
    expect(line).not.toContain('15551234567');
  });
});
