import { describe, expect, it } from 'vitest';
import { SipStreamFramer } from '../../../shared/engine/sip/sip_stream_framer.ts';
import { latin1Decode, latin1Encode } from '../../../shared/engine/sip/latin1.ts';

function msg(callId: string, body = '', lineEnd = '\r\n', clName = 'Content-Length'): string {
  return [
    'INVITE sip:b@h SIP/2.0',
    `Call-ID: ${callId}`,
    'CSeq: 1 INVITE',
    `${clName}: ${body.length}`,
    '',
    body,
  ].join(lineEnd);
}

function texts(out: Array<{ bytes: Uint8Array }>): string[] {
  return out.map((m) => latin1Decode(m.bytes));
}

describe('SipStreamFramer', () => {
  it('emits several messages from one chunk, framed by Content-Length', () => {
    const a = msg('a', 'v=0\r\nbody-with-blank\r\n\r\nline\r\n');
    const b = msg('b');
    const c = 'SIP/2.0 200 OK\r\nCall-ID: c\r\nl: 3\r\n\r\nxyz';
    const f = new SipStreamFramer();
    const out = f.push(latin1Encode(a + b + c), 10, 1000);
    expect(texts(out)).toEqual([a, b, c]);
    expect(out.every((m) => m.frame === 10 && m.tsUs === 1000)).toBe(true);
    expect(f.stats.messages).toBe(3);
    expect(f.pendingBytes).toBe(0);
  });

  it('reassembles a message cut at every possible position', () => {
    const a = msg('split', 'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\n');
    const bytes = latin1Encode(a);
    for (let cut = 1; cut < bytes.length; cut++) {
      const f = new SipStreamFramer();
      expect(f.push(bytes.subarray(0, cut), 1, 100)).toEqual([]);
      const out = f.push(bytes.subarray(cut), 2, 200);
      expect(texts(out)).toEqual([a]);
      expect(out[0].frame).toBe(2); // reported at the segment that completed it
      expect(out[0].firstFrame).toBe(1);
      expect(out[0].firstTsUs).toBe(100);
    }
  });

  it('handles a byte-at-a-time stream of mixed messages', () => {
    const all = [msg('1', 'abc'), msg('2', '', '\n'), msg('3', 'hello', '\r\n', 'content-length')];
    const f = new SipStreamFramer();
    const got: string[] = [];
    const bytes = latin1Encode(all.join(''));
    for (let i = 0; i < bytes.length; i++) got.push(...texts(f.push(bytes.subarray(i, i + 1), i, i)));
    expect(got).toEqual(all);
  });

  it('skips RFC 5626 CRLF keep-alives between messages', () => {
    const a = msg('ka1');
    const b = msg('ka2');
    const f = new SipStreamFramer();
    const out = [...f.push(latin1Encode('\r\n\r\n' + a + '\r\n\r\n'), 1, 1), ...f.push(latin1Encode('\r\n' + b), 2, 2)];
    expect(texts(out)).toEqual([a, b]);
    expect(f.stats.keepAlives).toBe(3);
    expect(f.stats.garbageBytes).toBe(0);
  });

  it('resyncs after garbage and counts it', () => {
    const a = msg('after-garbage');
    const garbage = '\x00\x01\xffbinary junk\r\nGET / HTTP/1.1\r\nHost: x\r\n';
    const f = new SipStreamFramer();
    const out = f.push(latin1Encode(garbage + a + 'more junk\n' + a), 1, 1);
    expect(texts(out)).toEqual([a, a]);
    expect(f.stats.resyncs).toBe(2);
    expect(f.stats.garbageBytes).toBe(garbage.length + 'more junk\n'.length);
  });

  it('frames a message without Content-Length as header-only and counts it', () => {
    const noCl = 'OPTIONS sip:h SIP/2.0\r\nCall-ID: x\r\n\r\n';
    const f = new SipStreamFramer();
    const out = f.push(latin1Encode(noCl + msg('next')), 1, 1);
    expect(texts(out)).toEqual([noCl, msg('next')]);
    expect(f.stats.missingContentLength).toBe(1);
  });

  it('hands on an oversized message cut at the cap (flagged), discards its body without buffering it, then continues', () => {
    const f = new SipStreamFramer({ maxMessageBytes: 2048 });
    const head = 'MESSAGE sip:h SIP/2.0\r\nCall-ID: big\r\nContent-Length: 100000\r\n\r\n';
    const first = f.push(latin1Encode(head), 1, 1);
    expect(texts(first)).toEqual([head]);
    expect(first[0].oversized).toBe(true);
    for (let i = 0; i < 99; i++) {
      expect(f.push(new Uint8Array(1000).fill(0x41), 2 + i, 0)).toEqual([]);
      expect(f.pendingBytes).toBeLessThanOrEqual(2048);
    }
    const out = f.push(latin1Encode('A'.repeat(1000) + msg('small')), 200, 0);
    expect(texts(out)).toEqual([msg('small')]);
    expect(f.stats.oversized).toBe(1);
  });

  it('discards an endless header section at the cap and resyncs', () => {
    const f = new SipStreamFramer({ maxMessageBytes: 4096 });
    f.push(latin1Encode('INVITE sip:h SIP/2.0\r\n'), 1, 1);
    for (let i = 0; i < 100; i++) f.push(latin1Encode('X-Flood: ' + 'y'.repeat(90) + '\r\n'), 2, 2);
    expect(f.pendingBytes).toBeLessThanOrEqual(4096 + 200);
    expect(f.stats.oversized).toBe(1);
    const out = f.push(latin1Encode('\r\n\r\n' + msg('recovered')), 3, 3);
    expect(texts(out)).toEqual([msg('recovered')]);
  });

  it('emits stable copies, not views of its buffer', () => {
    const f = new SipStreamFramer();
    const chunk = latin1Encode(msg('copy') + msg('partial').slice(0, 10));
    const [first] = f.push(chunk, 1, 1);
    const before = latin1Decode(first.bytes);
    chunk.fill(0); // the caller reuses its buffer
    f.push(latin1Encode(msg('partial').slice(10) + msg('z')), 2, 2);
    expect(latin1Decode(first.bytes)).toBe(before);
  });

  it('counts an unfinished message at end()', () => {
    const f = new SipStreamFramer();
    f.push(latin1Encode('INVITE sip:h SIP/2.0\r\nContent-Length: 50\r\n\r\nshort'), 1, 1);
    f.end();
    expect(f.stats.truncatedBytesAtEnd).toBeGreaterThan(0);
    expect(f.pendingBytes).toBe(0);
  });

  it('yields the same messages however the stream is chunked', () => {
    const msgs: string[] = [];
    for (let i = 0; i < 50; i++) msgs.push(msg(`r${i}`, 'x'.repeat(i * 7)));
    const stream = msgs.map((m, i) => (i % 5 === 0 ? '\r\n\r\n' : '') + m).join('');
    const bytes = latin1Encode(stream);
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (let round = 0; round < 20; round++) {
      const f = new SipStreamFramer();
      const got: string[] = [];
      let at = 0;
      while (at < bytes.length) {
        const n = 1 + Math.floor(rnd() * 300);
        got.push(...texts(f.push(bytes.subarray(at, at + n), at, at)));
        at += n;
      }
      expect(got).toEqual(msgs);
      expect(f.stats.garbageBytes).toBe(0);
    }
  });
});
