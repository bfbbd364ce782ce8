import { describe, expect, it } from 'vitest';
import { AddressFormatter, ipv4ToString, ipv6ToString } from '../../../shared/engine/net/address.ts';
import { ipv6Bytes } from '../../../shared/engine/capture/packet_builder.ts';

describe('RFC 5952 IPv6 text form', () => {
  const cases: [string, string][] = [
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // §4.2.3: first of equal runs
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // §4.2.2: single 0 not compressed
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // §4.2.3: longest run wins
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['fe80:0:0:0:0:0:0:0', 'fe80::'],
    ['2001:DB8:ABCD:12:FFFF:0:0:AB', '2001:db8:abcd:12:ffff::ab'], // §4.3 lowercase
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'], // §5 IPv4-mapped keeps dotted quad
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
  ];
  for (const [input, want] of cases) {
    it(`${input} → ${want}`, () => {
      expect(ipv6ToString(ipv6Bytes(input))).toBe(want);
    });
  }

  it('IPv4 dotted quad', () => {
    expect(ipv4ToString(Uint8Array.of(10, 0, 255, 1))).toBe('10.0.255.1');
  });

  it('cached formatter agrees with the plain one, including slot collisions', () => {
    const f = new AddressFormatter();
    const b = new Uint8Array(16);
    for (let i = 0; i < 20000; i++) {
      b[0] = 0x20; b[1] = 0x01; b[13] = i >> 16; b[14] = (i >> 8) & 0xff; b[15] = i & 0xff;
      const want = ipv6ToString(b);
      expect(f.v6At(b, 0)).toBe(want);
      // Revisit an earlier address: either a hit or a recomputation, never a stale string.
      const j = (i * 7919) % (i + 1);
      const c = Uint8Array.from(b); c[13] = j >> 16; c[14] = (j >> 8) & 0xff; c[15] = j & 0xff;
      expect(f.v6At(c, 0)).toBe(ipv6ToString(c));
    }
    const v4 = Uint8Array.of(0, 0, 192, 168, 1, 2);
    expect(f.v4At(v4, 2)).toBe('192.168.1.2');
    expect(f.v4At(v4, 2)).toBe('192.168.1.2');
  });
});
