// TCP stream reassembly for SIP over TCP: split messages, several per segment,
// retransmission, out-of-order, overlap, wrap-around, mid-stream start, holes, bounds.
import { describe, expect, it } from 'vitest';
import { TcpReassembler, type TcpDir } from '../../../shared/engine/net/tcp_reassembler.ts';
import { TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, type L4Segment } from '../../../shared/model/packet.ts';
import { Stats } from '../../../shared/model/stats.ts';

const A = { src: '10.0.0.1', srcPort: 40000, dst: '10.0.0.2', dstPort: 5060 };
const B = { src: A.dst, srcPort: A.dstPort, dst: A.src, dstPort: A.srcPort };
const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const dec = (b: Uint8Array): string => String.fromCharCode(...b);

let frame = 0;
function seg(dir: typeof A, seq: number, data: string, flags = TCP_ACK | TCP_PSH, tsUs = frame * 1000): L4Segment {
  frame++;
  const payload = enc(data);
  return {
    frame, tsUs, ipVersion: 4, src: dir.src, dst: dir.dst, proto: 'tcp', srcPort: dir.srcPort, dstPort: dir.dstPort,
    payload, buf: payload, payloadOff: 0, payloadEnd: payload.length, tcp: { seq: seq >>> 0, ack: 0, flags }, vlans: [], tunnels: [],
  };
}

interface Ev { kind: 'data' | 'gap' | 'close'; key: string; v: string | number; frame?: number }

function harness(opts?: ConstructorParameters<typeof TcpReassembler>[1]) {
  const stats = new Stats();
  const r = new TcpReassembler(stats, opts);
  const ev: Ev[] = [];
  const deliver = (key: string, _d: TcpDir, b: Uint8Array, f: number): void => { ev.push({ kind: 'data', key, v: dec(b), frame: f }); };
  const events = {
    gap: (key: string, _d: TcpDir, n: number): void => { ev.push({ kind: 'gap', key, v: n }); },
    close: (key: string, _d: TcpDir, why: string): void => { ev.push({ kind: 'close', key, v: why }); },
  };
  const push = (s: L4Segment): void => r.push(s, deliver, events);
  const stream = (key: string): string => ev.filter((e) => e.kind === 'data' && e.key === key).map((e) => e.v).join('');
  return { stats, r, ev, push, stream, end: () => r.end(deliver, events), reset: (k: string) => r.reset(k, deliver, events) };
}

const KA = TcpReassembler.flowKey(A.src, A.srcPort, A.dst, A.dstPort);
const KB = TcpReassembler.flowKey(B.src, B.srcPort, B.dst, B.dstPort);
const MSG1 = 'INVITE sip:b SIP/2.0\r\nContent-Length: 0\r\n\r\n';
const MSG2 = 'ACK sip:b SIP/2.0\r\nContent-Length: 0\r\n\r\n';

describe('TcpReassembler', () => {
  it('keys are directional ip:port>ip:port, IPv6 bracketed', () => {
    expect(KA).toBe('10.0.0.1:40000>10.0.0.2:5060');
    expect(TcpReassembler.flowKey('2001:db8::1', 5060, '::1', 1)).toBe('[2001:db8::1]:5060>[::1]:1');
  });

  it('handshake then a message split across segments, and several per segment', () => {
    const h = harness();
    h.push(seg(A, 1000, '', TCP_SYN));
    h.push(seg(B, 5000, '', TCP_SYN | TCP_ACK));
    h.push(seg(A, 1001, MSG1.slice(0, 10)));
    h.push(seg(A, 1011, MSG1.slice(10)));
    h.push(seg(A, 1001 + MSG1.length, MSG2 + MSG1));
    h.push(seg(B, 5001, 'SIP/2.0 200 OK\r\n\r\n'));
    expect(h.stream(KA)).toBe(MSG1 + MSG2 + MSG1);
    expect(h.stream(KB)).toBe('SIP/2.0 200 OK\r\n\r\n');
    expect(h.stats.list()).toEqual([]);
    expect(h.r.flowCount).toBe(1);
  });

  it('retransmission of delivered bytes is dropped and counted', () => {
    const h = harness();
    h.push(seg(A, 1000, '', TCP_SYN));
    h.push(seg(A, 1001, 'abcdef'));
    h.push(seg(A, 1001, 'abcdef'));
    h.push(seg(A, 1007, 'gh'));
    expect(h.stream(KA)).toBe('abcdefgh');
    expect(h.stats.get('tcp.retransmission')).toBe(1);
  });

  it('out-of-order segments are held until the hole fills, then delivered in order with their own frames', () => {
    const h = harness();
    h.push(seg(A, 1000, '', TCP_SYN));
    h.push(seg(A, 1007, 'ghi')); // frame 2
    h.push(seg(A, 1004, 'def')); // frame 3
    expect(h.stream(KA)).toBe('');
    h.push(seg(A, 1001, 'abc')); // frame 4
    expect(h.stream(KA)).toBe('abcdefghi');
    expect(h.ev.filter((e) => e.kind === 'data').map((e) => e.frame)).toEqual([frame, frame - 1, frame - 2]);
    expect(h.stats.get('tcp.out_of_order')).toBe(2);
    expect(h.stats.get('tcp.missing_bytes')).toBe(0);
    expect(h.r.bufferedBytes).toBe(0);
  });

  it('overlaps: repacketized retransmission and overlapping out-of-order pieces, first copy wins', () => {
    const h = harness();
    h.push(seg(A, 1000, '', TCP_SYN));
    h.push(seg(A, 1001, 'abcd'));
    h.push(seg(A, 1003, 'cdEF')); // overlaps delivered 'cd'
    h.push(seg(A, 1011, 'KLMN')); // ahead
    h.push(seg(A, 1009, 'ijKXmnOP')); // overlaps buffered KLMN: keep K L M N
    h.push(seg(A, 1007, 'gh'));
    expect(h.stream(KA)).toBe('abcdEFghijKLMNOP');
    expect(h.stats.get('tcp.overlap')).toBe(2);
  });

  it('sequence wrap-around (32-bit)', () => {
    const h = harness();
    const isn = 0xfffffff8;
    h.push(seg(A, isn, '', TCP_SYN));
    h.push(seg(A, isn + 1, 'abcd'));
    h.push(seg(A, isn + 9, 'ijkl')); // past the wrap, out of order
    h.push(seg(A, isn + 5, 'efgh')); // spans 0xfffffffd…0x00000000
    h.push(seg(A, isn + 13, 'mnop'));
    h.push(seg(A, isn + 1, 'abcd')); // retransmission from before the wrap
    expect(h.stream(KA)).toBe('abcdefghijklmnop');
    expect(h.stats.get('tcp.retransmission')).toBe(1);
  });

  it('mid-stream start: no SYN, stream starts at the first seen sequence number', () => {
    const h = harness();
    h.push(seg(A, 77777, 'Content-Length: 0\r\n\r\n'));
    h.push(seg(A, 77777 + 21, MSG2));
    expect(h.stream(KA)).toBe('Content-Length: 0\r\n\r\n' + MSG2);
    expect(h.stats.get('tcp.midstream_start')).toBe(1);
  });

  it('a hole at FIN is skipped, counted and signalled before the bytes after it', () => {
    const h = harness();
    h.push(seg(A, 1000, '', TCP_SYN));
    h.push(seg(A, 1001, 'abc'));
    h.push(seg(A, 1009, 'ijk')); // 'defgh' (5 bytes) never captured
    h.push(seg(A, 1012, '', TCP_FIN | TCP_ACK));
    expect(h.ev.map((e) => [e.kind, e.v])).toEqual([['data', 'abc'], ['gap', 5], ['data', 'ijk'], ['close', 'fin']]);
    expect(h.stats.get('tcp.missing_bytes')).toBe(5);
    expect(h.stats.get('tcp.holes')).toBe(1);
    // A retransmission after the FIN is recognised, not restarted as a new stream.
    h.push(seg(A, 1009, 'ijk'));
    expect(h.stream(KA)).toBe('abcijk');
  });

  it('RST flushes both directions and closes them', () => {
    const h = harness();
    h.push(seg(A, 1, 'ab', TCP_ACK));
    h.push(seg(A, 10, 'zz'));
    h.push(seg(B, 500, 'hello'));
    h.push(seg(B, 505, '', TCP_RST));
    expect(h.stream(KA)).toBe('abzz');
    expect(h.ev.filter((e) => e.kind === 'close').map((e) => [e.key, e.v])).toEqual([[KA, 'rst'], [KB, 'rst']]);
    expect(h.stats.get('tcp.missing_bytes')).toBe(7);
  });

  it('a long stall skips the hole', () => {
    const h = harness({ stallUs: 1_000_000 });
    h.push(seg(A, 1, 'ab', TCP_ACK, 0));
    h.push(seg(A, 5, 'ef', TCP_ACK, 100_000));
    h.push(seg(A, 9, 'ij', TCP_ACK, 2_000_000));
    expect(h.ev.map((e) => [e.kind, e.v])).toEqual([['data', 'ab'], ['gap', 2], ['data', 'ef'], ['gap', 2], ['data', 'ij']]);
    expect(h.stats.get('tcp.stall')).toBe(1);
  });

  it('per-flow buffer overflow skips holes and keeps memory bounded', () => {
    const h = harness({ maxBufferedPerFlow: 1000 });
    h.push(seg(A, 0, 'x', TCP_ACK));
    for (let i = 0; i < 100; i++) h.push(seg(A, 10 + i * 100, 'y'.repeat(90)));
    expect(h.r.bufferedBytes).toBeLessThanOrEqual(1000);
    expect(h.stats.get('tcp.buffer_overflow')).toBeGreaterThan(0);
    h.end();
    expect(h.stream(KA)).toBe('x' + 'y'.repeat(9000));
    expect(h.stats.get('tcp.missing_bytes')).toBe(9 + 99 * 10);
    expect(h.r.bufferedBytes).toBe(0);
  });

  it('flow count is bounded; the least recently used connection is evicted and flushed', () => {
    const h = harness({ maxFlows: 3 });
    const flow = (p: number) => ({ ...A, srcPort: p });
    h.push(seg(flow(1), 100, 'a'));
    h.push(seg(flow(1), 105, 'b')); // hole
    h.push(seg(flow(2), 100, 'c'));
    h.push(seg(flow(3), 100, 'd'));
    h.push(seg(flow(2), 101, 'e')); // touch 2: 1 is now least recent
    h.push(seg(flow(4), 100, 'f')); // evicts 1
    expect(h.r.flowCount).toBe(3);
    expect(h.stats.get('tcp.flow_evicted')).toBe(1);
    const k1 = TcpReassembler.flowKey(A.src, 1, A.dst, A.dstPort);
    expect(h.stream(k1)).toBe('ab');
    expect(h.ev.find((e) => e.kind === 'close')).toEqual({ kind: 'close', key: k1, v: 'evicted' });
  });

  it('a new SYN with another ISN restarts the direction (port reuse); a repeated SYN does not', () => {
    const h = harness();
    h.push(seg(A, 100, '', TCP_SYN));
    h.push(seg(A, 101, 'one'));
    h.push(seg(A, 100, '', TCP_SYN)); // retransmitted SYN
    h.push(seg(A, 101, 'one')); // retransmission
    h.push(seg(A, 104, '', TCP_FIN | TCP_ACK));
    h.push(seg(A, 9000, '', TCP_SYN));
    h.push(seg(A, 9001, 'two'));
    expect(h.stream(KA)).toBe('onetwo');
    expect(h.stats.get('tcp.retransmission')).toBe(1);
  });

  it('SYN carrying data (TCP Fast Open) delivers it after the SYN', () => {
    const h = harness();
    h.push(seg(A, 50, 'tfo', TCP_SYN));
    h.push(seg(A, 54, '!'));
    expect(h.stream(KA)).toBe('tfo!');
  });

  it('reset(flowKey) flushes one direction; end() flushes everything with close events', () => {
    const h = harness();
    h.push(seg(A, 1, 'a'));
    h.push(seg(A, 3, 'c'));
    h.push(seg(B, 1, 'x'));
    h.push(seg(B, 3, 'z'));
    h.reset(KA);
    expect(h.stream(KA)).toBe('ac');
    expect(h.stream(KB)).toBe('x');
    h.push(seg(A, 500, 'new')); // restarts mid-stream
    h.end();
    expect(h.stream(KA)).toBe('acnew');
    expect(h.stream(KB)).toBe('xz');
    expect(h.ev.filter((e) => e.kind === 'close').map((e) => e.v)).toEqual(['reset', 'end', 'end']);
    expect(h.r.flowCount).toBe(0);
  });

  it('ignores non-TCP segments', () => {
    const h = harness();
    h.push({ ...seg(A, 0, 'x'), proto: 'udp', tcp: undefined });
    expect(h.ev).toEqual([]);
  });
});
