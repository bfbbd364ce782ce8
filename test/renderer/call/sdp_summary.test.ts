import { describe, expect, it } from 'vitest';
import { splitSipMessage, summarizeSdp } from '../../../renderer/features/call/sdp_summary.ts';

const invite = [
  'INVITE sip:service@127.0.30.10:5060 SIP/2.0',
  'Via: SIP/2.0/UDP 127.0.30.9:5060;branch=z9hG4bK-1',
  'Subject: folded',
  ' header',
  'Content-Type: application/sdp',
  '',
  'v=0',
  'o=caller 1001 1001 IN IP4 127.0.30.9',
  's=calltrace',
  'c=IN IP4 127.0.30.9',
  't=0 0',
  'm=audio 6000 RTP/AVP 18 0 101',
  'a=rtpmap:18 G729/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=ptime:20',
  'a=sendonly',
  '',
].join('\r\n');

describe('sdp summary', () => {
  it('splits start line, headers (folded ones joined) and body', () => {
    const p = splitSipMessage(invite);
    expect(p.startLine).toBe('INVITE sip:service@127.0.30.10:5060 SIP/2.0');
    expect(p.headers.find((h) => h.name === 'Subject')!.value).toBe('folded header');
    expect(p.body.startsWith('v=0')).toBe(true);
  });
  it('lists media, port, codecs from rtpmap (static table otherwise), direction and connection', () => {
    expect(summarizeSdp(invite)).toEqual([
      { media: 'audio', port: 6000, proto: 'RTP/AVP', codecs: ['18 G729/8000', '0 PCMU/8000', '101 telephone-event/8000'], direction: 'sendonly', connection: '127.0.30.9', hold: true, ptime: 20 },
    ]);
  });
  it('finds SDP in a multipart body and returns null without one', () => {
    const multipart = 'INVITE sip:x SIP/2.0\r\nContent-Type: multipart/mixed;boundary=b1\r\n\r\n--b1\r\nContent-Type: application/sdp\r\n\r\nv=0\r\nc=IN IP4 0.0.0.0\r\nm=audio 7000 RTP/AVP 8\r\n--b1\r\nContent-Type: application/isup\r\n\r\nxx\r\n--b1--\r\n';
    const m = summarizeSdp(multipart)!;
    expect(m[0]).toMatchObject({ port: 7000, codecs: ['8 PCMA/8000'], connection: '0.0.0.0', hold: true });
    expect(summarizeSdp('SIP/2.0 100 Trying\r\nContent-Length: 0\r\n\r\n')).toBeNull();
    expect(summarizeSdp(null)).toBeNull();
  });
});
