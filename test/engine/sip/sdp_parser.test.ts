import { describe, expect, it } from 'vitest';
import { parseSdp } from '../../../shared/engine/sip/sdp_parser.ts';

describe('parseSdp', () => {
  const offer = [
    'v=0',
    'o=- 20518 0 IN IP4 203.0.113.1',
    's=Talk',
    'c=IN IP4 203.0.113.1',
    't=0 0',
    'a=sendonly',
    'm=audio 54400 RTP/SAVPF 111 0 101',
    'a=rtpmap:111 opus/48000/2',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=rtcp:54401 IN IP4 203.0.113.1',
    'a=ptime:20',
    'm=video 55400 RTP/AVP 96',
    'c=IN IP4 198.51.100.7',
    'a=rtpmap:96 VP8/90000',
    'a=recvonly',
    '',
  ].join('\r\n');

  it('reads origin, session name and session-level connection', () => {
    const sdp = parseSdp(offer)!;
    expect(sdp.origin).toBe('- 20518 0 IN IP4 203.0.113.1');
    expect(sdp.sessionName).toBe('Talk');
    expect(sdp.connection).toBe('203.0.113.1');
    expect(sdp.media.length).toBe(2);
  });

  it('applies session-level c= and direction unless the media overrides them', () => {
    const [audio, video] = parseSdp(offer)!.media;
    expect(audio.connection).toBe('203.0.113.1');
    expect(audio.direction).toBe('sendonly');
    expect(video.connection).toBe('198.51.100.7');
    expect(video.direction).toBe('recvonly');
  });

  it('parses m=, rtpmap with channels, rtcp and ptime', () => {
    const [audio, video] = parseSdp(offer)!.media;
    expect(audio).toMatchObject({ media: 'audio', port: 54400, proto: 'RTP/SAVPF', payloadTypes: [111, 0, 101], rtcpPort: 54401, ptime: 20 });
    expect(audio.rtpmap[111]).toEqual({ encoding: 'opus', clockRate: 48000, channels: 2 });
    expect(audio.rtpmap[0]).toEqual({ encoding: 'PCMU', clockRate: 8000 });
    expect(video.rtpmap[96]).toEqual({ encoding: 'VP8', clockRate: 90000 });
    expect(video.rtcpPort).toBeUndefined();
    expect(video.ptime).toBeUndefined();
  });

  it('preserves c=0.0.0.0 (hold) and defaults direction to sendrecv', () => {
    const sdp = parseSdp('v=0\no=x 1 2 IN IP4 10.0.0.1\ns=-\nc=IN IP4 0.0.0.0\nt=0 0\nm=audio 4000 RTP/AVP 8\n')!;
    expect(sdp.connection).toBe('0.0.0.0');
    expect(sdp.media[0].connection).toBe('0.0.0.0');
    expect(sdp.media[0].direction).toBe('sendrecv');
  });

  it('handles inactive, T.38 image streams, multicast TTL and port counts', () => {
    const sdp = parseSdp([
      'v=0',
      'o=x 1 2 IN IP4 10.0.0.1',
      's=-',
      't=0 0',
      'm=image 6000 udptl t38',
      'c=IN IP4 224.2.1.1/127/3',
      'a=inactive',
      'm=audio 7000/2 RTP/AVP 0',
      'c=IN IP6 2001:db8::1',
    ].join('\r\n'))!;
    expect(sdp.media[0]).toMatchObject({ media: 'image', port: 6000, proto: 'udptl', payloadTypes: [], connection: '224.2.1.1', direction: 'inactive' });
    expect(sdp.media[1]).toMatchObject({ port: 7000, connection: '2001:db8::1', direction: 'sendrecv' });
    expect(sdp.connection).toBe('');
  });

  it('ignores malformed lines and values without throwing', () => {
    const sdp = parseSdp('v=0\r\nthis is not sdp\r\nm=audio notaport RTP/AVP x 8 999999\r\na=rtpmap:abc\r\na=rtpmap:300 X/1\r\na=ptime:-5\r\na=rtcp:99999\r\n')!;
    expect(sdp.media[0].port).toBe(0);
    expect(sdp.media[0].payloadTypes).toEqual([8]);
    expect(sdp.media[0].rtpmap).toEqual({});
    expect(sdp.media[0].ptime).toBeUndefined();
    expect(sdp.media[0].rtcpPort).toBeUndefined();
  });

  it('returns null for text that is not SDP', () => {
    expect(parseSdp('')).toBeNull();
    expect(parseSdp('hello world\r\n')).toBeNull();
    expect(parseSdp('<xml/>')).toBeNull();
  });
});
