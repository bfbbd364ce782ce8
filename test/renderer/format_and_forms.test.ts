import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../shared/model/verdict.ts';
import { parseEvent, tokenFromUrl } from '../../renderer/api/wire.ts';
import { isAcceptedName, partitionByName } from '../../renderer/lib/file_kinds.ts';
import { formatBytes, formatCount, formatDurationMs, formatMos, formatPct, formatRate, formatTimeUs, MISSING } from '../../renderer/lib/format.ts';
import { DEFAULT_FORM, formsEqual, splitCidrs, toForm, validateForm } from '../../renderer/lib/settings_form.ts';

describe('format', () => {
  it('shows times in UTC with milliseconds', () => {
    expect(formatTimeUs(Date.UTC(2026, 10, 21, 0, 42, 10, 123) * 1000 + 456)).toBe('2026-11-21 00:42:10.123');
    expect(formatTimeUs(null)).toBe(MISSING);
  });
  it('formats durations, sizes, counts, percentages', () => {
    expect(formatDurationMs(850)).toBe('850 ms');
    expect(formatDurationMs(12_400)).toBe('12.4 s');
    expect(formatDurationMs(185_000)).toBe('3:05');
    expect(formatDurationMs(3_723_000)).toBe('1:02:03');
    expect(formatBytes(1_234_567)).toBe('1.23 MB');
    expect(formatRate(84_000_000)).toBe('84.0 MB/s');
    expect(formatCount(1234567)).toBe('1\u202f234\u202f567');
    expect(formatPct(12.345)).toBe('12.3 %');
    expect(formatPct(0.25)).toBe('0.25 %');
    expect(formatPct(null)).toBe(MISSING);
    expect(formatMos(4.093)).toBe('4.09');
  });
});

describe('settings form', () => {
  it('round-trips the documented defaults', () => {
    const v = validateForm(DEFAULT_FORM);
    expect(v.errors).toEqual({});
    expect(v.settings).toEqual({ ...DEFAULT_SETTINGS, ownAddresses: [] });
  });
  it('rejects non-numbers, out-of-range values and bad CIDRs, naming them', () => {
    const v = validateForm({ ...DEFAULT_FORM, rtpTimeoutS: 'abc', alertThresholdPct: '150', ownAddresses: '192.0.2.0/24\n10.0.0.0/33, fe80::/10 nonsense' });
    expect(v.settings).toBeNull();
    expect(Object.keys(v.errors).sort()).toEqual(['alertThresholdPct', 'ownAddresses', 'rtpTimeoutS']);
    expect(v.errors.ownAddresses).toContain('10.0.0.0/33');
    expect(v.errors.ownAddresses).toContain('nonsense');
    expect(v.errors.ownAddresses!.split('(e.g.')[0]).not.toContain('192.0.2.0/24');
  });
  it('accepts IPv4 and IPv6 ranges in any separator', () => {
    expect(splitCidrs('192.0.2.0/24, 2001:db8::/32\n\n198.51.100.7')).toEqual(['192.0.2.0/24', '2001:db8::/32', '198.51.100.7']);
    const v = validateForm({ ...DEFAULT_FORM, ownAddresses: '192.0.2.0/24 2001:db8::/32' });
    expect(v.settings?.ownAddresses).toEqual(['192.0.2.0/24', '2001:db8::/32']);
  });
  it('compares forms by value', () => {
    expect(formsEqual(toForm({ ...DEFAULT_SETTINGS, rtpTimeoutS: 5.0 }), { ...DEFAULT_FORM, rtpTimeoutS: '5.0' })).toBe(true);
    expect(formsEqual(DEFAULT_FORM, { ...DEFAULT_FORM, deadAfterS: '6' })).toBe(false);
  });
});

describe('files and wire', () => {
  it('accepts capture, CDR and event files by extension, case-insensitively', () => {
    expect(isAcceptedName('trace.PCAPNG')).toBe(true);
    expect(isAcceptedName('x.pcap.gz')).toBe(true);
    expect(isAcceptedName('events.jsonl')).toBe(true);
    expect(isAcceptedName('screenshot.png')).toBe(false);
    expect(partitionByName([{ name: 'a.csv' }, { name: 'b.txt' }]).rejected).toEqual([{ name: 'b.txt' }]);
    // Archives are taken (their members are imported), and a dropped folder whatever its name.
    expect(['t.zip', 't.tar', 't.tgz', 't.tar.gz'].every(isAcceptedName)).toBe(true);
    const folder = { name: 'ticket-1234' };
    expect(partitionByName([folder, { name: 'b.txt' }], (f) => f === folder)).toEqual({ accepted: [folder], rejected: [{ name: 'b.txt' }] });
  });
  it('takes the token from the page URL', () => {
    expect(tokenFromUrl('http://127.0.0.1:4321/?token=abc123')).toBe('abc123');
    expect(tokenFromUrl('file:///app/index.html')).toBeNull();
  });
  it('parses both SSE framings and ignores garbage', () => {
    const p = { reason: 'import' as const };
    expect(parseEvent(JSON.stringify({ name: 'libraryChanged', payload: p }), null)).toEqual({ name: 'libraryChanged', payload: p });
    expect(parseEvent(JSON.stringify(p), 'libraryChanged')).toEqual({ name: 'libraryChanged', payload: p });
    expect(parseEvent(JSON.stringify({ name: 'libraryChanged', payload: p }), 'libraryChanged')).toEqual({ name: 'libraryChanged', payload: p });
    expect(parseEvent('not json', null)).toBeNull();
    expect(parseEvent('{"x":1}', null)).toBeNull();
  });
});
