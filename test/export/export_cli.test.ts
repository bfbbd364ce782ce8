// The real command line: `npm run -s calltrace -- export FILE... --call ID --pcap OUT`, its
// exit status and its one-line messages (unknown Call-ID, a capture gone or changed since it
// was indexed, bad arguments, outputs not available yet).

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/oracle.ts';

const FIX = join(REPO_ROOT, 'test/fixtures/captures');
const MIXED = join(FIX, 'mixed_outcomes.pcapng');
const AGENT = '1-mixed-agent_bye@127.0.30.7';
const tmp = mkdtempSync(join(tmpdir(), 'calltrace-export-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const TSHARK = '/usr/bin/tshark';

function calltrace(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/node/cli/main.ts'), ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Nothing but the files named: a failed export leaves no partial file behind. */
function filesIn(dir: string): string[] {
  return readdirSync(dir).sort();
}

describe('calltrace export', () => {
  it('writes the call to a pcapng file and says what it wrote', () => {
    const out = join(tmp, 'agent.pcapng');
    const r = calltrace('export', MIXED, '--call', AGENT, '--pcap', out);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe('');
    expect(r.out.trim()).toBe(`calltrace: wrote ${out}: 402 packet(s) of 1 call(s) from mixed_outcomes.pcapng`);
    expect(readFileSync(out).readUInt32LE(0)).toBe(0x0a0d0d0a);
  });

  it.runIf(existsSync(TSHARK))('exports every call with that Call-ID, from every capture in the library that has it', () => {
    const db = join(tmp, 'two.db');
    // The same call in a pcap and in its gzip copy: two captures, one Call-ID.
    const a = calltrace('analyze', join(FIX, 'agent_bye_classic.pcap'), join(FIX, 'agent_bye_classic.pcap.gz'), '--db', db);
    expect(a.code, a.err).toBe(0);
    const out = join(tmp, 'both.pcapng');
    const r = calltrace('export', '--db', db, '--call', '1-agent_bye_classic@127.0.29.1', '--pcap', out);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/of 2 call\(s\) from agent_bye_classic\.pcap, agent_bye_classic\.pcap\.gz/);
    const ids = spawnSync(TSHARK, ['-r', out, '-Y', 'sip', '-T', 'fields', '-e', 'sip.Call-ID'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    expect(ids.length).toBe(14);
    // One interface per original capture.
    expect(spawnSync('capinfos', [out], { encoding: 'utf8' }).stdout).toMatch(/Number of interfaces in file: 2/);
  });

  it('names an unknown Call-ID and exits 1, writing nothing', () => {
    const dir = mkdtempSync(join(tmp, 'unknown-'));
    const r = calltrace('export', MIXED, '--call', AGENT, '--call', 'no-such-call@nowhere', '--pcap', join(dir, 'x.pcapng'));
    expect(r.code).toBe(1);
    expect(r.err.trim()).toBe("calltrace: no call with Call-ID 'no-such-call@nowhere' in the files given");
    expect(filesIn(dir)).toEqual([]);
  });

  it('refuses a capture that is gone since it was indexed', () => {
    const dir = mkdtempSync(join(tmp, 'gone-'));
    const copy = join(dir, 'copy.pcapng');
    copyFileSync(MIXED, copy);
    const db = join(dir, 'lib.db');
    expect(calltrace('analyze', copy, '--db', db).code).toBe(0);
    unlinkSync(copy);
    const r = calltrace('export', '--db', db, '--call', AGENT, '--pcap', join(dir, 'x.pcapng'));
    expect(r.code).toBe(1);
    expect(r.err.trim()).toBe(`calltrace: ${copy}: the capture of these calls cannot be read any more (ENOENT); it was indexed from this path — put it back or import it again`);
    expect(filesIn(dir)).toEqual(['lib.db']);
  });

  it('refuses a capture that changed since it was indexed (same size, one byte; and a longer file)', () => {
    const dir = mkdtempSync(join(tmp, 'changed-'));
    const copy = join(dir, 'copy.pcapng');
    copyFileSync(MIXED, copy);
    const db = join(dir, 'lib.db');
    expect(calltrace('analyze', copy, '--db', db).code).toBe(0);
    const bytes = readFileSync(copy);
    bytes[bytes.length - 100] ^= 0xff;
    writeFileSync(copy, bytes);
    const msg = `calltrace: ${copy}: the file has changed since it was indexed (its content no longer matches the index); import it again before exporting`;
    let r = calltrace('export', '--db', db, '--call', AGENT, '--pcap', join(dir, 'x.pcapng'));
    expect(r.code).toBe(1);
    expect(r.err.trim()).toBe(msg);
    bytes[bytes.length - 100] ^= 0xff;
    writeFileSync(copy, bytes);
    appendFileSync(copy, Buffer.alloc(64));
    r = calltrace('export', '--db', db, '--call', AGENT, '--pcap', join(dir, 'x.pcapng'));
    expect(r.code).toBe(1);
    expect(r.err.trim()).toBe(msg);
    expect(filesIn(dir)).toEqual(['copy.pcapng', 'lib.db']);
  });

  it('reads a capture from where it is named now when the library indexed the same bytes elsewhere', () => {
    const dir = mkdtempSync(join(tmp, 'moved-'));
    const first = join(dir, 'first.pcapng');
    const moved = join(dir, 'moved.pcapng');
    copyFileSync(MIXED, first);
    const db = join(dir, 'lib.db');
    expect(calltrace('analyze', first, '--db', db).code).toBe(0);
    copyFileSync(first, moved);
    unlinkSync(first);
    const r = calltrace('export', moved, '--db', db, '--call', AGENT, '--pcap', join(dir, 'x.pcapng'));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/402 packet\(s\) of 1 call\(s\)/);
  });

  it('never writes the export over the capture it comes from', () => {
    const dir = mkdtempSync(join(tmp, 'self-'));
    const copy = join(dir, 'copy.pcapng');
    copyFileSync(MIXED, copy);
    const r = calltrace('export', copy, '--call', AGENT, '--pcap', copy);
    expect(r.code).toBe(1);
    expect(r.err.trim()).toBe(`calltrace: ${copy}: this is the capture the calls come from; choose another file for the export`);
    expect(readFileSync(copy).equals(readFileSync(MIXED))).toBe(true);
  });

  it('exits 1 when none of the files can be read', () => {
    const r = calltrace('export', join(tmp, 'missing.pcapng'), '--call', AGENT, '--pcap', join(tmp, 'm.pcapng'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/missing\.pcapng: cannot read the file \(ENOENT\)/);
    expect(r.err).toMatch(/export: none of the files could be read/);
  });

  const bad: Array<[string[], string]> = [
    [[MIXED, '--pcap', 'x.pcapng'], 'export needs --call CALL-ID (the SIP Call-ID of a call to export)'],
    [[MIXED, '--call', AGENT], 'export needs an output: --pcap OUT.pcapng or --html OUT.html'],
    [['--call', AGENT, '--pcap', 'x.pcapng'], 'export needs the capture FILE... the calls are in (or a library with --db)'],
    [[MIXED, '--call'], '--call needs a value'],
    [[MIXED, '--call', AGENT, '--pcap', 'x.pcapng', '--json'], 'unknown option --json for export'],
  ];
  for (const [args, message] of bad) {
    it(`exits 2 on bad arguments: ${message}`, () => {
      const r = calltrace('export', ...args);
      expect(r.code).toBe(2);
      expect(r.err.split('\n')[0]).toBe(`calltrace: ${message}`);
      expect(r.out).toBe('');
    });
  }

  it('--html writes the self-contained report of the chosen call beside the pcapng', () => {
    const html = join(tmp, 'agent.html');
    const pcap = join(tmp, 'agent_with_report.pcapng');
    const r = calltrace('export', MIXED, '--call', AGENT, '--pcap', pcap, '--html', html);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`wrote ${html}: the report of 1 call(s)`);
    const text = readFileSync(html, 'utf8');
    expect(text).toMatch(/^<!DOCTYPE html>/i);
    expect(text).toContain('Content-Security-Policy');
    expect(text).toContain(AGENT);
    expect(text).toContain('agent_bye');
    expect(text).not.toMatch(/https?:|\ssrc="(?!data:)/);
    expect(readdirSync(tmp).filter((f) => f.includes('.part-'))).toEqual([]);
  });

  it('--redact writes both outputs redacted with the same tokens and lists what it replaced', () => {
    const html = join(tmp, 'agent.redacted.html');
    const pcap = join(tmp, 'agent.redacted.pcapng');
    const r = calltrace('export', MIXED, '--call', AGENT, '--pcap', pcap, '--html', html, '--redact');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toContain(`wrote ${pcap}: 402 packet(s) of 1 call(s)`);
    expect(r.out).toMatch(/redacted:\n {2}- Phone numbers, user names and display names \(\d+ values?\)/);
    const page = readFileSync(html, 'utf8');
    const capture = readFileSync(pcap).toString('latin1');
    expect(page).toContain('<strong>Redacted.</strong>');
    // The call's addresses (127.0.30.x) and the file name are in neither output…
    for (const text of [page, capture]) {
      expect(text).not.toMatch(/127\.0\.30\.\d/);
      expect(text).not.toContain('mixed_outcomes');
    }
    // …and its Call-ID has one redacted form, the same in both (random key: read it from the pcapng).
    const ids = new Set(capture.match(/Call-ID: 1-mixed-[\w-]+@[\d.]+/g)!.map((x) => x.slice('Call-ID: '.length)));
    expect(ids.size).toBe(1);
    const [id] = ids;
    expect(id).not.toBe(AGENT);
    expect(page).toContain(id);
  });

  it('prints its usage with -h', () => {
    const r = calltrace('export', '-h');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^usage: calltrace export FILE\.\.\. --call CALL-ID/);
  });
});
