// settings.ownAddresses (diagnosis.md §1): the CIDR matcher, and the agent side flipping to
// the caller for outbound campaigns — IPv4 and IPv6.

import { describe, expect, it } from 'vitest';
import { hostOf, inCidrs, invalidCidrs, parseCidr, parseIp } from '../../shared/diagnosis/cidr.ts';
import { classify } from '../../shared/diagnosis/classifier.ts';
import { DEFAULT_SETTINGS } from '../../shared/model/verdict.ts';
import { answeredCall } from './facts_builder.ts';

describe('CIDR matcher', () => {
  it('parses IPv4, IPv6 (compressed, embedded IPv4, zone) and rejects junk', () => {
    expect(parseIp('10.1.2.3')).toEqual({ v: 4, bits: 0x0a010203n });
    expect(parseIp('::1')).toEqual({ v: 6, bits: 1n });
    expect(parseIp('2001:db8::')).toEqual({ v: 6, bits: 0x20010db8n << 96n });
    expect(parseIp('64:ff9b::192.0.2.33')?.bits).toBe((0x0064ff9bn << 96n) | 0xc0000221n);
    expect(parseIp('fe80::1%eth0')).toEqual({ v: 6, bits: (0xfe80n << 112n) | 1n });
    expect(parseIp('::ffff:10.0.0.1')).toEqual({ v: 4, bits: 0x0a000001n });
    for (const bad of ['256.1.1.1', '1.2.3', '1::2::3', '1:2:3:4:5:6:7:8:9', 'g::1', '', 'host.example']) expect(parseIp(bad)).toBeNull();
  });

  it('takes the host out of ip:port, [v6]:port and bare addresses', () => {
    expect(hostOf('10.0.0.1:5060')).toBe('10.0.0.1');
    expect(hostOf('[2001:db8::1]:5060')).toBe('2001:db8::1');
    expect(hostOf('2001:db8::1')).toBe('2001:db8::1');
    expect(hostOf('10.0.0.1')).toBe('10.0.0.1');
  });

  it('matches prefixes at their boundaries', () => {
    expect(inCidrs('10.0.0.255:5060', ['10.0.0.0/24'])).toBe(true);
    expect(inCidrs('10.0.1.0:5060', ['10.0.0.0/24'])).toBe(false);
    expect(inCidrs('192.168.1.7:5060', ['192.168.1.7'])).toBe(true);
    expect(inCidrs('192.168.1.8:5060', ['192.168.1.7/32'])).toBe(false);
    expect(inCidrs('8.8.8.8:53', ['0.0.0.0/0'])).toBe(true);
    expect(inCidrs('[2001:db8:ffff::1]:5060', ['2001:db8::/32'])).toBe(true);
    expect(inCidrs('[2001:db9::1]:5060', ['2001:db8::/32'])).toBe(false);
    expect(inCidrs('[::1]:5070', ['::1/128'])).toBe(true);
    // IPv4 and IPv6 ranges never match each other, except the IPv4-mapped form.
    expect(inCidrs('10.0.0.1:5060', ['::/0'])).toBe(false);
    expect(inCidrs('[::ffff:10.0.0.1]:5060', ['10.0.0.0/8'])).toBe(true);
    expect(inCidrs('10.0.0.1:5060', ['::ffff:10.0.0.0/104'])).toBe(true);
  });

  it('ignores invalid ranges and reports them', () => {
    expect(inCidrs('10.0.0.1:5060', ['10.0.0.0/33', 'nonsense', '10.0.0.0/8'])).toBe(true);
    expect(invalidCidrs(['10.0.0.0/33', 'nonsense', '10.0.0.0/8', '2001:db8::/129'])).toEqual(['10.0.0.0/33', 'nonsense', '2001:db8::/129']);
    expect(parseCidr('10.1.2.3/8')).toEqual({ v: 4, base: 0x0a000000n, prefix: 8 });
  });
});

describe('ownAddresses flips the agent side to the caller (outbound)', () => {
  const outbound4 = { ...DEFAULT_SETTINGS, ownAddresses: ['10.0.0.0/24'] };

  it('default: the INVITE recipient is the agent', () => {
    expect(classify(answeredCall({ talkMs: 4000, endedBy: 'callee' })).cause).toBe('agent_bye');
    expect(classify(answeredCall({ talkMs: 4000, endedBy: 'caller' })).cause).toBe('caller_hangup_short');
  });

  it('IPv4: our caller address makes the caller the agent, and the called party the one who "hangs up"', () => {
    const agentBye = classify(answeredCall({ talkMs: 4000, endedBy: 'caller' }), outbound4);
    expect(agentBye.cause).toBe('agent_bye');
    expect(agentBye.evidence[0].text).toMatch(/^BYE from the agent side \(caller of this outbound call\) \(10\.0\.0\.1:5060\)/);
    expect(classify(answeredCall({ talkMs: 40_000, endedBy: 'callee' }), outbound4).cause).toBe('normal_clearing');
    expect(classify(answeredCall({ talkMs: 4000, endedBy: 'callee' }), outbound4).evidence[0].text).toMatch(/^BYE from the called party \(10\.0\.0\.2:5060\)/);
    // An address outside the range leaves the default.
    expect(classify(answeredCall({ talkMs: 4000, endedBy: 'caller' }), { ...DEFAULT_SETTINGS, ownAddresses: ['10.0.1.0/24'] }).cause).toBe('caller_hangup_short');
  });

  it('IPv6: the same with bracketed endpoints', () => {
    const calls = { callerAddr: '[2001:db8:1::10]:5060', calleeAddr: '[2001:db8:2::20]:5060', talkMs: 4000 };
    const outbound6 = { ...DEFAULT_SETTINGS, ownAddresses: ['2001:db8:1::/48'] };
    expect(classify(answeredCall({ ...calls, endedBy: 'caller' }), outbound6).cause).toBe('agent_bye');
    expect(classify(answeredCall({ ...calls, endedBy: 'caller' }), { ...DEFAULT_SETTINGS, ownAddresses: ['2001:db8:2::/48'] }).cause).toBe('caller_hangup_short');
  });

  it('rule 5 follows the flip: the called party BYE unanswered after our (calling) agent went silent', () => {
    const f = answeredCall({ endedBy: 'callee', endAnswered: false, endTransmissions: 9, caller: { silenceMs: 3000 } });
    expect(classify(f, outbound4).cause).toBe('server_dead_bye_unanswered');
    // Without the flip the same call is our agent's BYE unanswered after the caller went silent: rule 9.
    expect(classify(f).cause).toBe('rtp_timeout_both');
  });
});
