import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeHep, ipv6ToString } from '../../../shared/engine/sip/hep_decoder.ts';
import { latin1Decode, latin1Encode } from '../../../shared/engine/sip/latin1.ts';
import { parseSipMessage } from '../../../shared/engine/sip/sip_parser.ts';

function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const zlibInflate = (b: Uint8Array): Uint8Array | null => new Uint8Array(inflateSync(b));

// UDP payload of frame 4 of corpus hep3_sip.pcap (sipcapture/hep-wireshark pcap/hep.pcap):
// HEPv3, IPv4 UDP 192.168.1.1:5060 → 192.168.1.2:5060, OPTIONS from HEPGEN.
const HEP3_OPTIONS = hex(`
4845503301b3000000010007020000000200071100000003000ac0a8010100000004000ac0a8010200000007000813c400000008000813c400000009
000a584d365e0000000a000a0000007f0000000b0007010000000c000a000007d10000000e000b6d7948657000000011001b71676633646d39727564
69403132372e302e302e310000000f01304f5054494f4e53207369703a3132372e302e302e31205349502f322e300a43616c6c2d49443a2071676633
646d3972756469403132372e302e302e310a435365713a2039393939204f5054494f4e530a46726f6d3a203c7369703a6e6f64656a73403132372e30
2e302e313e3b7461673d323632383838313536390a546f3a203c7369703a6e6f64656a73403132372e302e302e313e0a5669613a205349502f322e30
2f554450203132372e302e302e313a34383439353b6272616e63683d7a39684734624b39623832616138666234633737303534363661333435366466
666637663338343333333333320a4d61782d466f7277617264733a2037300a557365722d4167656e743a2048455047454e2d5541430a436f6e74656e
742d4c656e6774683a20300d0a0d0a`);

// UDP payload of frame 10 of corpus hep3_compressed_sll.pcapng: HEPv3 whose SIP payload is in
// chunk 0x0010 as a zlib stream (78 9c); chunks in non-canonical order (ports before IPs).
const HEP3_COMPRESSED = hex(`
4845503301e1000000010007020000000200070600000007000813c4000000080008d44900000009000a59950fa20000000a000a000a204f0000000b
0007010000000c000a000000e400000003000ac0a889f700000004000ac0a889010000000e000b6d79486570000000100179789c8551cb6edb3010bc
0bd03f10ba3652488ad483ae8ab4b6e3baae512376dba0378a5a4a6a6d51a6e838c8d797454e39f5b698c7627667bfdeddd204238609fa3ec88beb8c
ed5fa009831fbd1468ff4adf1ee63b444a9a90ac48489a2744a4b4c07c6647635dc559cafc0c0afa2768aa37c2596de5a0baeaa5ec56acde7022d352
178c1185ebba947951940c584a69c1f326ab677f00c630b8b7e624d0fba91fc53bc209e39c63ccd99d555332b90f3327dbaaa15aa63467994f42a184
98698953255582c3e060fe6797bfba74a1c3602e8fc778bd10a8d00a6b9d435c6aaca1c638ce28e3b5a4e4eecd45deb287b340043d2c57ebfd61f910
065bf91cdf1b7b95b69904ca7d80b9191c0c2efe0a43eb3a813cf4f37a8d3ffa0f7bb857d281408bbe85c9210bf278aaa2d774d10d1acca0a08abe34
eda7f6f177ff2dbb3ca59bfeb3dbee9ec9726e578f1b2f92c7d657e5ba53b55df01b74366315fdebcf536694e78b5fc00a3030456110067f01e7268c
70`);

/** Builds a HEPv3 packet from [type, value] chunks (vendor 0 unless given). */
function hep3(chunks: Array<[number, Uint8Array, number?]>): Uint8Array {
  const total = 6 + chunks.reduce((n, [, v]) => n + 6 + v.length, 0);
  const out = new Uint8Array(total);
  out.set([0x48, 0x45, 0x50, 0x33, total >> 8, total & 0xff]);
  let at = 6;
  for (const [type, v, vendor = 0] of chunks) {
    const len = 6 + v.length;
    out.set([vendor >> 8, vendor & 0xff, type >> 8, type & 0xff, len >> 8, len & 0xff], at);
    out.set(v, at + 6);
    at += len;
  }
  return out;
}

const SIP = 'OPTIONS sip:h SIP/2.0\r\nCall-ID: hep-test\r\nCSeq: 1 OPTIONS\r\n\r\n';

describe('decodeHep: HEPv3 from the corpus', () => {
  it('decodes the plain OPTIONS packet', () => {
    const p = decodeHep(HEP3_OPTIONS)!;
    expect(p).toMatchObject({
      version: 3,
      ipVersion: 4,
      src: '192.168.1.1',
      dst: '192.168.1.2',
      srcPort: 5060,
      dstPort: 5060,
      proto: 17,
      tsUs: 0x584d365e * 1_000_000 + 0x7f,
      captureId: 2001,
      payloadType: 1,
      compressed: false,
      correlationId: 'qgf3dm9rudi@127.0.0.1',
      problems: [],
    });
    const sip = parseSipMessage(p.payload, { frame: 4, tsUs: p.tsUs, transport: 'hep', src: p.src, srcPort: p.srcPort, dst: p.dst, dstPort: p.dstPort })!;
    expect(sip.method).toBe('OPTIONS');
    expect(sip.callId).toBe('qgf3dm9rudi@127.0.0.1');
    expect(sip.userAgent).toBe('HEPGEN-UAC');
  });

  it('inflates the zlib-compressed payload through the injected inflater', () => {
    const p = decodeHep(HEP3_COMPRESSED, zlibInflate)!;
    expect(p).toMatchObject({ version: 3, src: '192.168.137.247', dst: '192.168.137.1', srcPort: 5060, dstPort: 54345, proto: 6, captureId: 228, compressed: true, problems: [] });
    expect(p.tsUs).toBe(0x59950fa2 * 1_000_000 + 0x000a204f);
    const text = latin1Decode(p.payload);
    expect(text.startsWith('SIP/2.0 401 Unauthorized\r\n')).toBe(true);
    expect(text).toContain('Call-ID: 8fc0ff7e-9f0feb00-6245ba21@192.168.137.1');
  });

  it('reports, not throws, when no inflater is given or it fails', () => {
    const none = decodeHep(HEP3_COMPRESSED)!;
    expect(none.payload.length).toBe(0);
    expect(none.problems).toContain('compressed payload and no inflater');
    const throwing = decodeHep(HEP3_COMPRESSED, () => {
      throw new Error('bad zlib');
    })!;
    expect(throwing.problems).toContain('compressed payload does not inflate');
  });
});

describe('decodeHep: synthetic HEPv3', () => {
  const v6src = hex('20010db8000000000000000000000001');
  const v6dst = hex('fe800000000000000202b3fffe1e8329');

  it('decodes IPv6 addresses and skips vendor chunks', () => {
    const p = decodeHep(hep3([
      [0x0001, Uint8Array.of(10)],
      [0x0002, Uint8Array.of(6)],
      [0x0005, v6src],
      [0x0006, v6dst],
      [0x0007, Uint8Array.of(0x13, 0xc4)],
      [0x0008, Uint8Array.of(0x13, 0xc5)],
      [0x0001, Uint8Array.of(99), 0x0025], // vendor-specific: must not override the family
      [0x000f, latin1Encode(SIP)],
    ]))!;
    expect(p).toMatchObject({ ipVersion: 6, src: '2001:db8::1', dst: 'fe80::202:b3ff:fe1e:8329', srcPort: 5060, dstPort: 5061, proto: 6, tsUs: 0 });
    expect(latin1Decode(p.payload)).toBe(SIP);
  });

  it('flags a bad chunk length and a truncated packet without throwing', () => {
    const good = hep3([[0x000f, latin1Encode(SIP)]]);
    const badLen = good.slice();
    badLen[11] = 3; // chunk length < 6
    expect(decodeHep(badLen)!.problems.some((p) => p.startsWith('bad chunk length'))).toBe(true);
    const truncated = decodeHep(good.subarray(0, 20))!;
    expect(truncated.problems.some((p) => p.includes('truncated'))).toBe(true);
    expect(truncated.problems).toContain('no payload chunk');
  });

  it('rejects what is not HEP', () => {
    expect(decodeHep(new Uint8Array(0))).toBeNull();
    expect(decodeHep(latin1Encode('HEP2 nope'))).toBeNull();
    expect(decodeHep(latin1Encode(SIP))).toBeNull();
    expect(decodeHep(Uint8Array.of(0x48, 0x45, 0x50, 0x33, 0, 2))).toBeNull(); // total length < header
  });
});

describe('decodeHep: HEPv1/HEPv2', () => {
  function hep2(version: 1 | 2, timeHeader: number): Uint8Array {
    const head = [version, 16, 2, 17, 0x13, 0xc4, 0x27, 0x10, 10, 0, 0, 1, 10, 0, 0, 2];
    // tv_sec 0x5f000000, tv_usec 500000 (0x0007a120), captid 7 — little-endian, then padding.
    const time = [0x00, 0x00, 0x00, 0x5f, 0x20, 0xa1, 0x07, 0x00, 7, 0, 0, 0].slice(0, timeHeader);
    return Uint8Array.from([...head, ...(version === 2 ? time : []), ...latin1Encode(SIP)]);
  }

  it('decodes HEPv2 with the padded 12-byte time header', () => {
    const p = decodeHep(hep2(2, 12))!;
    expect(p).toMatchObject({ version: 2, ipVersion: 4, src: '10.0.0.1', dst: '10.0.0.2', srcPort: 5060, dstPort: 10000, proto: 17, captureId: 7, payloadType: 1, problems: [] });
    expect(p.tsUs).toBe(0x5f000000 * 1_000_000 + 500_000);
    expect(latin1Decode(p.payload)).toBe(SIP);
  });

  it('detects a packed 10-byte time header', () => {
    const p = decodeHep(hep2(2, 10))!;
    expect(latin1Decode(p.payload)).toBe(SIP);
    expect(p.problems.length).toBe(1);
  });

  it('decodes HEPv1 (no time header) and rejects unknown families', () => {
    const p = decodeHep(hep2(1, 0))!;
    expect(p.version).toBe(1);
    expect(p.tsUs).toBe(0);
    expect(latin1Decode(p.payload)).toBe(SIP);
    const bad = hep2(2, 12);
    bad[2] = 77;
    expect(decodeHep(bad)).toBeNull();
  });
});

describe('ipv6ToString', () => {
  it('follows RFC 5952', () => {
    expect(ipv6ToString(hex('00000000000000000000000000000001'), 0)).toBe('::1');
    expect(ipv6ToString(hex('00000000000000000000ffffc0a80001'), 0)).toBe('::ffff:192.168.0.1');
    expect(ipv6ToString(hex('20010db8000000010000000000000001'), 0)).toBe('2001:db8:0:1::1');
    expect(ipv6ToString(hex('20010db8000100010001000100010001'), 0)).toBe('2001:db8:1:1:1:1:1:1');
  });
});
