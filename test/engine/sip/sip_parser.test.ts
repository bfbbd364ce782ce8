import { describe, expect, it } from 'vitest';
import { looksLikeSip, parseSipMessage, type SipPacketMeta } from '../../../shared/engine/sip/sip_parser.ts';
import { latin1Decode, latin1Encode } from '../../../shared/engine/sip/latin1.ts';

const meta: SipPacketMeta = { frame: 7, tsUs: 1_000_000, transport: 'udp', src: '10.0.0.1', srcPort: 5060, dst: '10.0.0.2', dstPort: 5060 };

function bytes(text: string): Uint8Array {
  return latin1Encode(text);
}

function crlf(lines: string[]): string {
  return lines.join('\r\n');
}

function parse(text: string) {
  return parseSipMessage(bytes(text), meta);
}

const SDP = crlf([
  'v=0',
  'o=alice 2890844526 2890844526 IN IP4 10.0.0.1',
  's=-',
  'c=IN IP4 10.0.0.1',
  't=0 0',
  'm=audio 49170 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=ptime:20',
  '',
]);

const INVITE = crlf([
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds, SIP/2.0/UDP proxy.example.com;branch=z9hG4bKother',
  'Via: SIP/2.0/UDP third.example.com;branch=z9hG4bKthird',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: "Alice \\"A\\", Liddell" <sip:alice:secret@atlanta.example.com;user=phone>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@pc33.atlanta.example.com;transport=udp>;expires=60, <sip:alt@example.com>',
  'User-Agent: TestPhone/1.0',
  'Content-Type: application/sdp',
  `Content-Length: ${SDP.length}`,
  '',
  SDP,
]);

describe('parseSipMessage: request basics', () => {
  const m = parse(INVITE)!;

  it('parses the start line and metadata', () => {
    expect(m).not.toBeNull();
    expect(m.isRequest).toBe(true);
    expect(m.method).toBe('INVITE');
    expect(m.requestUri).toBe('sip:bob@biloxi.example.com');
    expect(m.statusCode).toBe(0);
    expect(m.frame).toBe(7);
    expect(m.tsUs).toBe(1_000_000);
    expect(m.src).toBe('10.0.0.1');
    expect(m.transport).toBe('udp');
  });

  it('extracts dialog identifiers', () => {
    expect(m.callId).toBe('a84b4c76e66710@pc33.atlanta.example.com');
    expect(m.cseq).toBe(314159);
    expect(m.cseqMethod).toBe('INVITE');
    expect(m.viaBranch).toBe('z9hG4bK776asdhds'); // first value of the first Via
  });

  it('parses From/To name-addr with quoted display name, password and tag', () => {
    expect(m.from).toEqual({
      display: 'Alice "A", Liddell',
      uri: 'sip:alice:secret@atlanta.example.com;user=phone',
      user: 'alice',
      tag: '1928301774',
    });
    expect(m.to).toEqual({ display: 'Bob', uri: 'sip:bob@biloxi.example.com', user: 'bob', tag: '' });
  });

  it('takes the first Contact URI and the User-Agent', () => {
    expect(m.contact).toBe('sip:alice@pc33.atlanta.example.com;transport=udp');
    expect(m.userAgent).toBe('TestPhone/1.0');
  });

  it('keeps all headers in order with lower-case names', () => {
    expect(m.headers.map(([n]) => n)).toEqual([
      'via', 'via', 'max-forwards', 'to', 'from', 'call-id', 'cseq', 'contact', 'user-agent', 'content-type', 'content-length',
    ]);
    expect(m.headers[2]).toEqual(['max-forwards', '70']);
  });

  it('parses the SDP body and reports no problems', () => {
    expect(m.contentType).toBe('application/sdp');
    expect(m.sdp?.connection).toBe('10.0.0.1');
    expect(m.sdp?.media[0].port).toBe(49170);
    expect(m.sdp?.media[0].payloadTypes).toEqual([0, 8, 101]);
    expect(m.problems).toEqual([]);
    expect(m.raw).toBe(INVITE);
  });
});

describe('parseSipMessage: responses and header forms', () => {
  it('parses a status line, Server as user agent, and a To tag', () => {
    const m = parse(crlf([
      'SIP/2.0 486 Busy Here',
      'Via: SIP/2.0/UDP h;branch=z9hG4bKa',
      'From: <sip:a@h>;tag=1',
      'To: <sip:b@h>;tag=2',
      'Call-ID: c1',
      'CSeq: 1 INVITE',
      'Server: PBX 9',
      'Retry-After: 120 (I\'m in a meeting);duration=3600',
      'Content-Length: 0',
      '',
      '',
    ]))!;
    expect(m.isRequest).toBe(false);
    expect(m.statusCode).toBe(486);
    expect(m.reasonPhrase).toBe('Busy Here');
    expect(m.method).toBe('');
    expect(m.userAgent).toBe('PBX 9');
    expect(m.to.tag).toBe('2');
    expect(m.retryAfter).toBe(120);
    expect(m.problems).toEqual([]);
  });

  it('accepts bare LF line endings', () => {
    const m = parse('BYE sip:b@h SIP/2.0\nCall-ID: lf-only\nCSeq: 2 BYE\nFrom: <sip:a@h>;tag=x\nTo: <sip:b@h>;tag=y\nContent-Length: 0\n\n')!;
    expect(m.method).toBe('BYE');
    expect(m.callId).toBe('lf-only');
    expect(m.cseq).toBe(2);
    expect(m.from.tag).toBe('x');
    expect(m.problems).toEqual([]);
  });

  it('treats a bare CR as a line end, as Wireshark does', () => {
    const m = parse('CANCEL sip:b@h SIP/2.0\r\nCall-ID: cr\r\nCSeq: 1 CANCEL\r\x0bContent-Length: 0\r\n\r\n')!;
    expect(m.cseqMethod).toBe('CANCEL');
    expect(m.callId).toBe('cr');
  });

  it('joins folded continuation lines (RFC 3261 §7.3.1)', () => {
    const m = parse(crlf([
      'OPTIONS sip:h SIP/2.0',
      'Subject: I know you\'re there,',
      '         pick up the phone',
      '\tand talk to me!',
      'Call-ID: fold',
      'CSeq: 1 OPTIONS',
      'From: <sip:a@h>;tag=1',
      'To: <sip:h>',
      '',
      '',
    ]))!;
    expect(m.headers.find(([n]) => n === 'subject')?.[1]).toBe("I know you're there, pick up the phone and talk to me!");
  });

  it('expands compact header names (RFC 3261 §7.3.3 and extensions)', () => {
    const m = parse(crlf([
      'INVITE sip:b@h SIP/2.0',
      'v: SIP/2.0/TCP h;branch=z9hG4bKcompact',
      'f: sip:alice@h;tag=ftag',
      't: <sip:bob@h>',
      'i: compact-id',
      'm: <sip:alice@10.0.0.1>',
      'k: timer',
      's: hi',
      'x: 1800;refresher=uas',
      'o: refer',
      'r: <sip:c@h>',
      'b: <sip:d@h>',
      'u: presence',
      'CSeq: 5 INVITE',
      'l: 0',
      'c: text/plain',
      '',
      '',
    ]))!;
    const names = m.headers.map(([n]) => n);
    expect(names).toEqual([
      'via', 'from', 'to', 'call-id', 'contact', 'supported', 'subject', 'session-expires', 'event', 'refer-to',
      'referred-by', 'allow-events', 'cseq', 'content-length', 'content-type',
    ]);
    expect(m.callId).toBe('compact-id');
    expect(m.viaBranch).toBe('z9hG4bKcompact');
    // bare addr-spec: ;tag belongs to the header, not the URI (RFC 3261 §20.10)
    expect(m.from).toEqual({ display: '', uri: 'sip:alice@h', user: 'alice', tag: 'ftag' });
    expect(m.sessionExpires).toEqual({ seconds: 1800, refresher: 'uas' });
    expect(m.contentType).toBe('text/plain');
  });

  it('reads tel: users and token display names', () => {
    const m = parse(crlf([
      'INVITE tel:+15551234;phone-context=x SIP/2.0',
      'From: Operator <tel:+15559876;phone-context=example.com>;tag=t1',
      'To: <sip:+15551234;npdi@example.com;user=phone>',
      'Contact: sip:+1555;npdi@example.com',
      'Call-ID: tel',
      'CSeq: 1 INVITE',
      '',
      '',
    ]))!;
    expect(m.from).toEqual({ display: 'Operator', uri: 'tel:+15559876;phone-context=example.com', user: '+15559876', tag: 't1' });
    expect(m.to.user).toBe('+15551234;npdi'); // ';' is allowed in the user part
    // Without <>, everything after the first ';' is a header parameter (RFC 3261 §20.10).
    expect(m.contact).toBe('sip:+1555');
  });
});

describe('parseSipMessage: dialog-ending and timer headers', () => {
  const m = parse(crlf([
    'BYE sip:b@h SIP/2.0',
    'Call-ID: r',
    'CSeq: 3 BYE',
    'From: <sip:a@h>;tag=1',
    'To: <sip:b@h>;tag=2',
    'Reason: Q.850;cause=16;text="Normal call clearing", SIP;cause=480;text="Temporarily \\"gone\\""',
    'Reason: Q.850 ; cause=41',
    'Reason: preemption;cause=1;text="x, y"',
    'Session-Expires: 1800;refresher=uac',
    'Min-SE: 90',
    'Warning: 399 sbc.example.com "Codec mismatch, sorry", 370 other "Insufficient bandwidth"',
    'Warning: 301 h "x"',
    '',
    '',
  ]))!;

  it('parses every Reason value (RFC 3326)', () => {
    expect(m.reasons).toEqual([
      { protocol: 'Q.850', cause: 16, text: 'Normal call clearing' },
      { protocol: 'SIP', cause: 480, text: 'Temporarily "gone"' },
      { protocol: 'Q.850', cause: 41, text: '' },
      { protocol: 'preemption', cause: 1, text: 'x, y' },
    ]);
  });

  it('parses Session-Expires, Min-SE and Warning', () => {
    expect(m.sessionExpires).toEqual({ seconds: 1800, refresher: 'uac' });
    expect(m.minSe).toBe(90);
    expect(m.warnings).toEqual([
      '399 sbc.example.com "Codec mismatch, sorry"',
      '370 other "Insufficient bandwidth"',
      '301 h "x"',
    ]);
  });

  it('leaves optional fields absent when headers are missing', () => {
    const plain = parse('OPTIONS sip:h SIP/2.0\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:h>\r\n\r\n')!;
    expect(plain.sessionExpires).toBeUndefined();
    expect(plain.minSe).toBeUndefined();
    expect(plain.retryAfter).toBeUndefined();
    expect(plain.reasons).toEqual([]);
    expect(plain.sdp).toBeUndefined();
  });
});

describe('parseSipMessage: Content-Length framing', () => {
  const head = (cl: string) =>
    crlf(['INVITE sip:b@h SIP/2.0', 'Call-ID: cl', 'CSeq: 1 INVITE', 'From: <sip:a@h>;tag=1', 'To: <sip:b@h>', 'Content-Type: application/sdp', `Content-Length: ${cl}`, '', '']);

  it('flags a datagram shorter than Content-Length and uses what is there', () => {
    const m = parse(head(String(SDP.length + 50)) + SDP)!;
    expect(m.problems.some((p) => p.includes('truncated'))).toBe(true);
    expect(m.sdp?.media[0].port).toBe(49170);
  });

  it('cuts the body at Content-Length and flags trailing bytes', () => {
    const m = parse(head(String(SDP.length)) + SDP + 'm=video 1 RTP/AVP 96\r\n')!;
    expect(m.sdp?.media.length).toBe(1); // the extra m= line is past Content-Length
    expect(m.problems.some((p) => p.includes('after the'))).toBe(true);
  });

  it('flags an invalid Content-Length and keeps the whole body', () => {
    const m = parse(head('abc') + SDP)!;
    expect(m.problems.some((p) => p.includes('invalid Content-Length'))).toBe(true);
    expect(m.sdp?.media.length).toBe(1);
  });

  it('flags a header section without the empty line', () => {
    const m = parse('OPTIONS sip:h SIP/2.0\r\nCall-ID: x\r\nCSeq: 1 OPTIONS')!;
    expect(m.callId).toBe('x');
    expect(m.problems.some((p) => p.includes('no empty line'))).toBe(true);
  });
});

describe('parseSipMessage: multipart bodies (SIP-I)', () => {
  it('extracts the application/sdp part next to binary ISUP', () => {
    const isup = '\x01\x00\x49\x00\x00\x03\x02\x00\x07\x04\x10\x00\x81\x90\xff\x0a';
    const body = [
      '--unique-boundary-1',
      'Content-Type: application/sdp',
      '',
      SDP.trimEnd(),
      '--unique-boundary-1',
      'Content-Type: application/ISUP; version=itu-t92+',
      'Content-Disposition: signal; handling=required',
      '',
      isup,
      '--unique-boundary-1--',
      '',
    ].join('\r\n');
    const msg = crlf([
      'INVITE sip:b@h SIP/2.0',
      'Call-ID: sipi',
      'CSeq: 1 INVITE',
      'From: <sip:a@h>;tag=1',
      'To: <sip:b@h>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed;boundary="unique-boundary-1"',
      `Content-Length: ${body.length}`,
      '',
      body,
    ]);
    const m = parse(msg)!;
    expect(m.problems).toEqual([]);
    expect(m.sdp?.media[0].rtpmap[101]).toEqual({ encoding: 'telephone-event', clockRate: 8000 });
    expect(m.raw).toBe(msg); // latin1: every byte, including 0x81/0xff, maps to one char
  });

  it('reports a multipart body without boundary', () => {
    const m = parse(crlf(['INVITE sip:b@h SIP/2.0', 'Call-ID: x', 'CSeq: 1 INVITE', 'Content-Type: multipart/mixed', '', 'whatever']))!;
    expect(m.sdp).toBeUndefined();
    expect(m.problems).toContain('multipart body without boundary parameter');
  });
});

describe('parseSipMessage: hostile and non-SIP input', () => {
  it('returns null for non-SIP payloads', () => {
    for (const t of [
      '',
      '\x00\x01\x02\x03',
      'junk',
      'GET / HTTP/1.1\r\nHost: x\r\n\r\n',
      'HTTP/1.1 200 OK\r\n\r\n',
      'INVITE\r\n\r\n',
      ' sip:tori@localhost SIP/2.0\r\nVia: x\r\n\r\n', // empty method (PROTOS)
      '\xe5\xe4\xf6 sip:tori@localhost SIP/2.0\r\n\r\n', // non-token method bytes
      'SIP/2.0 20 OK\r\n\r\n',
      'SIP/2.0 2000 OK\r\n\r\n',
      'INVITE sip:a SIP/3.0\r\n\r\n',
      'INVITE  SIP/2.0\r\n\r\n',
    ]) {
      expect(parse(t), JSON.stringify(t)).toBeNull();
    }
  });

  it('keeps a message without Call-ID (callId "" + problem)', () => {
    const m = parse('REGISTER sip:h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCSeq: 1 REGISTER\r\n\r\n')!;
    expect(m.callId).toBe('');
    expect(m.problems).toContain('missing Call-ID');
    expect(m.problems).toContain('missing From');
  });

  it('accepts PROTOS-style oversized method tokens and URIs without hanging', () => {
    const method = 'a'.repeat(20_000);
    const m = parse(`${method} sip:${'b'.repeat(20_000)}@localhost SIP/2.0\r\nCall-ID: 1@localhost\r\nCSeq: 1 ${method}\r\n\r\n`)!;
    expect(m.method.length).toBe(20_000);
    expect(m.callId).toBe('1@localhost');
    expect(m.cseqMethod.length).toBe(20_000);
  });

  it('rejects a 100 KB token without a line end', () => {
    expect(parse('a'.repeat(100_000))).toBeNull();
  });

  it('bounds the problem list on lines of garbage', () => {
    const m = parse('OPTIONS sip:h SIP/2.0\r\n' + 'garbage-without-colon\r\n'.repeat(5000) + 'Call-ID: g\r\n\r\n')!;
    expect(m.callId).toBe('g');
    expect(m.problems.length).toBeLessThanOrEqual(17);
    expect(m.problems).toContain('further problems omitted');
  });

  it('survives unterminated quotes, brackets and parameter floods', () => {
    const m = parse(crlf([
      'INVITE sip:b@h SIP/2.0',
      `From: "${'x'.repeat(50_000)}`,
      `To: <sip:b@h${';p'.repeat(20_000)}`,
      `Via: ${'SIP/2.0/UDP h;branch=z9,'.repeat(5_000)}`,
      `Reason: Q.850;cause=${'9'.repeat(400)};text="unterminated`,
      'Call-ID: q',
      '',
      '',
    ]))!;
    expect(m.callId).toBe('q');
    expect(m.to.uri.startsWith('sip:b@h')).toBe(true);
    expect(m.viaBranch).toBe('z9');
    expect(m.reasons[0].protocol).toBe('Q.850');
  });

  it('never throws on random mutations of a valid message', () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const base = bytes(INVITE);
    let parsed = 0;
    for (let n = 0; n < 3000; n++) {
      const b = base.slice(0, Math.floor(rnd() * base.length) + 1);
      const flips = 1 + Math.floor(rnd() * 20);
      for (let k = 0; k < flips; k++) b[Math.floor(rnd() * b.length)] = Math.floor(rnd() * 256);
      const m = parseSipMessage(b, meta);
      if (m) {
        parsed++;
        expect(typeof m.callId).toBe('string');
        expect(Array.isArray(m.problems)).toBe(true);
      }
    }
    expect(parsed).toBeGreaterThan(100); // mutations mostly keep the start line
  });

  it('parses 20 000 INVITEs quickly', () => {
    const b = bytes(INVITE);
    const t0 = performance.now();
    for (let i = 0; i < 20_000; i++) parseSipMessage(b, meta);
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});

describe('looksLikeSip', () => {
  it('accepts SIP requests and responses, known or extension methods', () => {
    for (const t of ['INVITE sip:a@b SIP/2.0\r\n', 'SIP/2.0 200 OK\r\n', 'sip/2.0 180 Ringing\n', 'FOO sip:x SIP/2.0\r\n', 'OPTIONS sip:x SIP/2.0']) {
      expect(looksLikeSip(bytes(t)), t).toBe(true);
    }
  });

  it('rejects HTTP, junk, keep-alives and TLS', () => {
    for (const t of ['GET / HTTP/1.1\r\nHost: x\r\n\r\n', 'HTTP/1.1 200 OK\r\n', '\r\n\r\n', 'jaK\n', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\x00', 'INVITE sip:a@b HTTP/1.1\r\n', '']) {
      expect(looksLikeSip(bytes(t)), JSON.stringify(t)).toBe(false);
    }
  });
});

describe('latin1Decode', () => {
  it('maps every byte to exactly one char, including 0x80-0x9f', () => {
    const all = new Uint8Array(256).map((_, i) => i);
    const s = latin1Decode(all);
    expect(s.length).toBe(256);
    for (let i = 0; i < 256; i++) expect(s.charCodeAt(i)).toBe(i);
    expect(latin1Decode(bytes('plain ascii'))).toBe('plain ascii');
  });

  it('handles large inputs with high bytes (chunked path)', () => {
    const big = new Uint8Array(100_000).fill(0xe9);
    expect(latin1Decode(big)).toBe('\u00e9'.repeat(100_000));
  });
});
