import { describe, expect, it } from 'vitest';
import { WebSocketStreamDecoder } from '../../../shared/engine/sip/websocket_decoder.ts';
import { latin1Decode, latin1Encode } from '../../../shared/engine/sip/latin1.ts';

/** Builds one RFC 6455 frame. */
function frame(opts: { op: number; payload: Uint8Array | string; fin?: boolean; mask?: number[]; rsv?: number; forceLen?: 16 | 64 }): Uint8Array {
  const payload = typeof opts.payload === 'string' ? latin1Encode(opts.payload) : opts.payload;
  const len = payload.length;
  const head: number[] = [((opts.fin ?? true) ? 0x80 : 0) | ((opts.rsv ?? 0) << 4) | opts.op];
  const m = opts.mask ? 0x80 : 0;
  if (opts.forceLen === 64 || len > 0xffff) {
    head.push(m | 127, 0, 0, 0, 0, (len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff);
  } else if (opts.forceLen === 16 || len > 125) {
    head.push(m | 126, len >> 8, len & 0xff);
  } else head.push(m | len);
  if (opts.mask) head.push(...opts.mask);
  const out = new Uint8Array(head.length + len);
  out.set(head);
  for (let i = 0; i < len; i++) out[head.length + i] = opts.mask ? payload[i] ^ opts.mask[i & 3] : payload[i];
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const CLIENT_HANDSHAKE = latin1Encode(
  'GET / HTTP/1.1\r\nHost: ws.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: sip\r\nSec-WebSocket-Version: 13\r\n\r\n',
);
const SERVER_HANDSHAKE = latin1Encode(
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: sip\r\n\r\n',
);
const INVITE = 'INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK56sdasks\r\nCall-ID: ws1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n';
const MASK = [0x35, 0xba, 0x59, 0x9f];

describe('WebSocketStreamDecoder', () => {
  it('passes the client handshake, then unmasks a text frame (16-bit length)', () => {
    const d = new WebSocketStreamDecoder();
    const body = INVITE + 'x'.repeat(200);
    const out = d.push(concat(CLIENT_HANDSHAKE, frame({ op: 1, payload: body, mask: MASK })), 5, 50);
    expect(d.state).toBe('frames');
    expect(d.stats.handshakes).toBe(1);
    expect(out.length).toBe(1);
    expect(latin1Decode(out[0].payload)).toBe(body);
    expect(out[0]).toMatchObject({ text: true, frame: 5, tsUs: 50 });
  });

  it('passes the server 101 response and decodes unmasked frames (7- and 64-bit lengths)', () => {
    const d = new WebSocketStreamDecoder();
    const out = d.push(concat(SERVER_HANDSHAKE, frame({ op: 1, payload: 'SIP/2.0 100 Trying\r\n\r\n' }), frame({ op: 2, payload: INVITE, forceLen: 64 })), 1, 1);
    expect(out.map((m) => latin1Decode(m.payload))).toEqual(['SIP/2.0 100 Trying\r\n\r\n', INVITE]);
    expect(out[1].text).toBe(false);
  });

  it('decodes a stream fed one byte at a time', () => {
    const d = new WebSocketStreamDecoder();
    const stream = concat(CLIENT_HANDSHAKE, frame({ op: 1, payload: INVITE, mask: MASK }), frame({ op: 1, payload: 'B'.repeat(70_000), mask: MASK }));
    const got: string[] = [];
    for (let i = 0; i < stream.length; i++) for (const m of d.push(stream.subarray(i, i + 1), i, i)) got.push(latin1Decode(m.payload));
    expect(got).toEqual([INVITE, 'B'.repeat(70_000)]);
  });

  it('reassembles fragmented messages with an interleaved ping (RFC 6455 §5.4)', () => {
    const d = new WebSocketStreamDecoder();
    const out = d.push(
      concat(
        frame({ op: 1, payload: INVITE.slice(0, 10), fin: false, mask: MASK }),
        frame({ op: 9, payload: 'ping', mask: MASK }),
        frame({ op: 0, payload: INVITE.slice(10, 40), fin: false, mask: MASK }),
        frame({ op: 0, payload: INVITE.slice(40), mask: MASK }),
        frame({ op: 10, payload: '' }),
      ),
      3,
      3,
    );
    expect(out.map((m) => latin1Decode(m.payload))).toEqual([INVITE]);
    expect(d.stats.pings).toBe(1);
    expect(d.stats.pongs).toBe(1);
    expect(d.state).toBe('frames'); // no handshake seen: capture started mid-connection
  });

  it('stops at a close frame and counts what follows', () => {
    const d = new WebSocketStreamDecoder();
    const out = d.push(concat(frame({ op: 8, payload: '\x03\xe8' }), frame({ op: 1, payload: INVITE })), 1, 1);
    expect(out).toEqual([]);
    expect(d.state).toBe('closed');
    expect(d.stats.closes).toBe(1);
    expect(d.stats.ignoredBytes).toBeGreaterThan(0);
  });

  it('skips an oversized message without holding it, then continues', () => {
    const d = new WebSocketStreamDecoder({ maxMessageBytes: 4096 });
    const big = frame({ op: 1, payload: 'Z'.repeat(50_000) });
    const stream = concat(big, frame({ op: 1, payload: INVITE }));
    const got: string[] = [];
    for (let i = 0; i < stream.length; i += 1000) for (const m of d.push(stream.subarray(i, i + 1000), i, i)) got.push(latin1Decode(m.payload));
    expect(got).toEqual([INVITE]);
    expect(d.stats.oversized).toBe(1);
  });

  it('skips permessage-deflate (RSV1) messages and counts them', () => {
    const d = new WebSocketStreamDecoder();
    const out = d.push(concat(frame({ op: 1, payload: '\xf2\x48\xcd', rsv: 4, fin: false }), frame({ op: 0, payload: '\x00\x00' }), frame({ op: 1, payload: INVITE })), 1, 1);
    expect(out.map((m) => latin1Decode(m.payload))).toEqual([INVITE]);
    expect(d.stats.compressed).toBe(1);
  });

  it('fails (without throwing) on framing violations', () => {
    const cases = [
      frame({ op: 3, payload: 'x' }), // reserved opcode
      frame({ op: 1, payload: 'x', rsv: 2 }), // RSV2
      frame({ op: 9, payload: 'x', fin: false }), // fragmented control frame
      Uint8Array.from([0x81, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 1]), // 64-bit length with MSB set
    ];
    for (const c of cases) {
      const d = new WebSocketStreamDecoder();
      expect(d.push(concat(c, frame({ op: 1, payload: INVITE })), 1, 1)).toEqual([]);
      expect(d.state).toBe('failed');
      expect(d.stats.protocolErrors).toBe(1);
    }
  });

  it('refuses a plain HTTP exchange (no upgrade)', () => {
    const d = new WebSocketStreamDecoder();
    const out = d.push(latin1Encode('GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n\x81\x05hello'), 1, 1);
    expect(out).toEqual([]);
    expect(d.state).toBe('failed');
    const r = new WebSocketStreamDecoder();
    r.push(latin1Encode('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'), 1, 1);
    expect(r.state).toBe('failed');
  });

  it('never throws on random bytes', () => {
    let seed = 99;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let n = 0; n < 500; n++) {
      const d = new WebSocketStreamDecoder({ maxMessageBytes: 2048 });
      const b = new Uint8Array(1 + Math.floor(rnd() * 400)).map(() => Math.floor(rnd() * 256));
      for (let i = 0; i < b.length; i += 37) d.push(b.subarray(i, i + 37), 1, 1);
      expect(['start', 'handshake', 'frames', 'closed', 'failed']).toContain(d.state);
    }
  });
});
