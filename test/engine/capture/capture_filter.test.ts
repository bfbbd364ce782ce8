// diagnosis.md §1: a recorded capture filter that keeps RTP out makes the capture
// signalling-only; one that lets media through (or that we cannot read) does not.

import { describe, expect, it } from 'vitest';
import { filterExcludesMedia } from '../../../shared/engine/capture/capture_filter.ts';

describe('filterExcludesMedia', () => {
  it.each([
    'port 5060',
    'udp port 5060',
    'port sip',
    'udp port 5060 or tcp port 5060',
    'udp port 5060 or udp port 5061 or tcp port 5061',
    'port 5060 or 5061',
    'host 10.0.0.1 and port 5060',
    '(host 10.0.0.1 or host 10.0.0.2) and udp port 5060',
    'src or dst port 5060',
    'portrange 5060-5080',
    'tcp',
    'tcp port 5061 or sctp',
    'ip and udp and port 5060',
    'port 5060 and not host 10.1.1.1',
    'port 5060 && (udp || tcp)',
    'vlan and port 5060',
    'UDP PORT 5060',
  ])('%s leaves RTP out', (f) => {
    expect(filterExcludesMedia(f)).toBe(true);
  });

  it.each([
    '',
    'udp',
    'net 127.0.8.0/24',
    'host 10.0.0.1',
    'port 5060 or portrange 10000-20000',
    'udp portrange 16384-32767 or port 5060',
    'not port 5060',
    'port 5060 or udp',
    'port 5060 or host 10.0.0.9',
    'ip6 and host ::1 and (port 5070 or port 5071 or (udp and portrange 6000-6099))',
    'port 5060 or greater 100',
    'port 6000',
    // Syntax we cannot read never hides a media problem.
    'port 5060 and',
    'port 5060 ((',
    'ether[12:2] = 0x0800',
  ])('%s may let RTP through', (f) => {
    expect(filterExcludesMedia(f)).toBe(false);
  });
});
