// Archives as inputs (issue 11): zip (stored, deflate), tar, tar.gz, archives inside archives,
// each member a source of its own named `outer!inner`; damaged and hostile archives (cut,
// bad CRC, bad deflate data, bombs, traversal names) end as one line naming the archive or
// member, with every good member kept. Archives are written here from the project's own
// fixtures (test/support/archive_writer.ts).

import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { importPath, type PathImportOptions } from '../../electron/node/ingest/import_archive.ts';
import { importFile } from '../../electron/node/ingest/import_file.ts';
import { expandInputs } from '../../electron/node/ingest/input_paths.ts';
import { DEFAULT_ARCHIVE_LIMITS } from '../../electron/node/ingest/archive_limits.ts';
import { openIndex } from '../../electron/node/store/index_store.ts';
import { REPO_ROOT } from '../support/oracle.ts';
import { makeTar, makeZip, paxPath } from '../support/archive_writer.ts';

const CAP = join(REPO_ROOT, 'test/fixtures/captures');
const CDR = join(REPO_ROOT, 'test/fixtures/cdr');
const tmp = mkdtempSync(join(tmpdir(), 'calltrace-archive-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const fixture = (dir: string, name: string): Buffer => readFileSync(join(dir, name));
const agentBye = fixture(CAP, 'agent_bye.pcapng');
const sip486 = fixture(CAP, 'sip_486.pcapng');
const classicGz = fixture(CAP, 'agent_bye_classic.pcap.gz');
const master = fixture(CDR, 'twilio_calls.csv');
const readme = fixture(CDR, 'README.md');

function write(name: string, bytes: Uint8Array): string {
  const p = join(tmp, name);
  writeFileSync(p, bytes);
  return p;
}

/** A staging directory of the test's own, so it can be checked empty afterwards. */
function opts(extra: PathImportOptions = {}): PathImportOptions {
  const tempDir = mkdtempSync(join(tmp, 'staging-'));
  return { tempDir, ...extra };
}

const names = (r: { outcomes: Array<{ name: string }> }): string[] => r.outcomes.map((o) => o.name);

describe('zip', () => {
  const zip = write('bundle.zip', makeZip([
    { name: 'calls/agent_bye.pcapng', data: agentBye, method: 8 },
    { name: 'calls/sip_486.pcapng', data: sip486, method: 0 },
    { name: 'calls/classic.pcap.gz', data: classicGz, method: 0 },
    { name: 'cdr/twilio_calls.csv', data: master },
    { name: 'docs/', data: new Uint8Array(0), method: 0 },
    { name: 'docs/README.md', data: readme },
  ]));

  it('imports every input member as its own source named archive!member and lists the rest as skipped', async () => {
    const store = openIndex(':memory:');
    const o = opts();
    const r = await importPath(store, zip, o);
    expect(names(r)).toEqual(['bundle.zip!calls/agent_bye.pcapng', 'bundle.zip!calls/sip_486.pcapng', 'bundle.zip!calls/classic.pcap.gz', 'bundle.zip!cdr/twilio_calls.csv']);
    expect(r.outcomes.map((x) => x.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(r.outcomes[0].path).toBe(`${zip}!calls/agent_bye.pcapng`);
    expect(r.skipped).toEqual([{ name: 'bundle.zip!docs/README.md', path: `${zip}!docs/README.md`, reason: expect.stringMatching(/^not a capture/) }]);
    expect(r.problems).toEqual([]);
    // The same calls as the files imported alone.
    const alone = openIndex(':memory:');
    const a = await importFile(alone, join(CAP, 'agent_bye.pcapng'));
    expect(r.outcomes[0].calls).toBe(a.calls);
    expect(store.listSources().map((s) => s.name)).toEqual(names(r));
    // The staging directory is left empty: member files live only while they are imported.
    expect(readdirSync(o.tempDir!)).toEqual([]);
    store.close();
    alone.close();
  });

  it('hashes each member on its own bytes: re-importing the archive, or a member alone, is a duplicate', async () => {
    const store = openIndex(':memory:');
    const first = await importPath(store, zip, opts());
    const again = await importPath(store, zip, opts());
    expect(again.outcomes.map((x) => x.status)).toEqual(['duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(again.outcomes.map((x) => x.sourceId)).toEqual(first.outcomes.map((x) => x.sourceId));
    const alone = await importFile(store, join(CAP, 'sip_486.pcapng'));
    expect(alone.status).toBe('duplicate');
    expect(alone.sourceId).toBe(first.outcomes[1].sourceId);
    // The source's hash is that of the member's bytes (a .gz member: its compressed bytes, as alone).
    const gz = store.getSource(first.outcomes[2].sourceId!)!;
    expect(gz.sizeBytes).toBe(classicGz.length);
    store.close();
  });

  it('keeps the members before the cut of a zip whose end (and central directory) is missing', async () => {
    const whole = makeZip([{ name: 'a.pcapng', data: agentBye, method: 0 }, { name: 'b.pcapng', data: agentBye.subarray(0, 4096), method: 0 }, { name: 'c.pcapng', data: sip486, method: 8 }]);
    const cut = write('cut.zip', whole.subarray(0, 30 + 8 + agentBye.length + 30 + 8 + 1000));
    const store = openIndex(':memory:');
    const r = await importPath(store, cut, opts());
    expect(names(r)).toEqual(['cut.zip!a.pcapng', 'cut.zip!b.pcapng']);
    expect(r.outcomes[0].status).toBe('ok');
    // The cut member is a partial source carrying the damage (said once, by the source).
    expect(r.outcomes[1]).toMatchObject({ status: 'partial', error: 'member cut short (1000 of 4096 bytes present)' });
    expect(r.problems.map((p) => `${p.name}: ${p.error}`)).toEqual([
      expect.stringMatching(/^cut\.zip: zip: zip central directory not found \(the file was cut short\?\); 2 member\(s\) found from their local headers$/),
    ]);
    store.close();
  });

  it('names a member with a bad CRC or bad deflate data, and keeps the others', async () => {
    const broken = Buffer.from(sip486);
    const z = makeZip([
      { name: 'crc.pcapng', data: agentBye, method: 0, crc: 0x12345678 },
      { name: 'good.pcapng', data: sip486, method: 8 },
    ]);
    // Garbage in the middle of a deflate member: the first bytes of its data are rewritten.
    const bad = makeZip([{ name: 'bad.pcapng', data: broken, method: 8 }, { name: 'good.pcapng', data: agentBye, method: 0 }]);
    bad.fill(0xff, 30 + 'bad.pcapng'.length, 30 + 'bad.pcapng'.length + 8);
    const store = openIndex(':memory:');
    const r1 = await importPath(store, write('crc.zip', z), opts());
    expect(r1.outcomes.find((o) => o.name === 'crc.zip!crc.pcapng')).toMatchObject({ status: 'partial', error: 'member CRC mismatch (the data is damaged)' });
    expect(r1.problems).toEqual([]);
    expect(r1.outcomes.find((o) => o.name === 'crc.zip!good.pcapng')?.status).toBe('ok');
    const r2 = await importPath(store, write('bad.zip', bad), opts());
    // Nothing of it could be inflated: it is skipped for its damage.
    expect(r2.skipped.map((p) => p.name)).toEqual(['bad.zip!bad.pcapng']);
    expect(r2.skipped[0].reason).toMatch(/^deflate data damaged \(.+\) after 0 bytes; nothing usable was read$/);
    expect(r2.outcomes.find((o) => o.name === 'bad.zip!good.pcapng')?.status).toBe('duplicate');
    store.close();
  });

  it('lists encrypted members, unknown methods and symbolic links as skipped with the reason', async () => {
    const z = write('odd.zip', makeZip([
      { name: 'secret.pcapng', data: agentBye, method: 0, flags: 1 },
      { name: 'bzip2.pcapng', data: agentBye, method: 0 },
      { name: 'link.pcapng', data: Buffer.from('agent_bye.pcapng'), method: 0, mode: 0o120777 },
    ]));
    // Method 12 (bzip2) written into both headers of the second member.
    const b = readFileSync(z);
    const cd = b.readUInt32LE(b.length - 6);
    const second = 30 + 'secret.pcapng'.length + agentBye.length;
    b.writeUInt16LE(12, second + 8);
    b.writeUInt16LE(12, cd + 46 + 'secret.pcapng'.length + 10);
    writeFileSync(z, b);
    const store = openIndex(':memory:');
    const r = await importPath(store, z, opts());
    expect(r.outcomes).toEqual([]);
    expect(r.skipped.map((s) => `${s.name}: ${s.reason}`)).toEqual([
      'odd.zip!secret.pcapng: encrypted (no password can be given)',
      'odd.zip!bzip2.pcapng: compression method 12 (only stored and deflate are read)',
      'odd.zip!link.pcapng: a symbolic link (not followed)',
    ]);
    store.close();
  });
});

describe('tar and tar.gz', () => {
  const members = [
    { name: 'in/', type: '5' },
    { name: 'in/agent_bye.pcapng', data: agentBye },
    { name: 'in/notes.txt', data: readme },
    { name: 'in/link', type: '2' },
    paxPath(`in/${'long-directory-name/'.repeat(8)}sip_486.pcapng`),
    { name: 'ignored-by-pax', data: sip486 },
  ];
  const tar = makeTar(members);

  it('imports tar members as sources, pax long names included, other members skipped', async () => {
    const store = openIndex(':memory:');
    const r = await importPath(store, write('t.tar', tar), opts());
    expect(names(r)).toEqual(['t.tar!in/agent_bye.pcapng', `t.tar!in/${'long-directory-name/'.repeat(8)}sip_486.pcapng`]);
    expect(r.skipped.map((s) => [s.name, s.reason.slice(0, 13)])).toEqual([['t.tar!in/notes.txt', 'not a capture'], ['t.tar!in/link', 'a link (not f']]);
    expect(r.problems).toEqual([]);
    // The same members through gzip (.tar.gz, recognised by content whatever the name) are duplicates.
    const rz = await importPath(store, write('t.bin', gzipSync(tar)), opts());
    expect(rz.outcomes.map((o) => [o.name, o.status])).toEqual([['t.bin!in/agent_bye.pcapng', 'duplicate'], [`t.bin!in/${'long-directory-name/'.repeat(8)}sip_486.pcapng`, 'duplicate']]);
    store.close();
  });

  it('keeps what was read of a tar cut inside a member, and says so', async () => {
    const cut = tar.subarray(0, 1024 + 20_000);
    const store = openIndex(':memory:');
    const r = await importPath(store, write('cut.tar', cut), opts());
    expect(names(r)).toEqual(['cut.tar!in/agent_bye.pcapng']);
    expect(r.outcomes[0].status).toBe('partial');
    expect(r.outcomes[0].error).toMatch(/^member cut short \(20000 of \d+ bytes present\)$/);
    expect(r.problems.map((p) => `${p.name}: ${p.error}`)).toEqual([
      'cut.tar: tar: tar ends inside member in/agent_bye.pcapng (the file was cut short)',
    ]);
    const rz = await importPath(store, write('cut.tgz', gzipSync(tar).subarray(0, 9000)), opts());
    expect(rz.problems.at(-1)?.error).toMatch(/^tar\.gz: gzip data ends early \(the file was cut short\); tar ends inside member in\/agent_bye\.pcapng/);
    store.close();
  });

  it('stops at a damaged header with the members before it kept', async () => {
    const t = makeTar([{ name: 'a.pcapng', data: sip486 }, { name: 'b.pcapng', data: agentBye }]);
    const second = 512 + Math.ceil(sip486.length / 512) * 512;
    t[second + 10] ^= 0x55; // a byte of the second header's name: its checksum no longer matches
    const store = openIndex(':memory:');
    const r = await importPath(store, write('bad.tar', t), opts());
    expect(names(r)).toEqual(['bad.tar!a.pcapng']);
    expect(r.problems).toEqual([{ name: 'bad.tar', path: expect.any(String), error: `tar: tar header damaged at byte ${second} (bad checksum); the members before it are read` }]);
    store.close();
  });
});

describe('hostile archives', () => {
  it('treats traversal and absolute member names as names only: nothing is written outside the staging directory', async () => {
    const dir = mkdtempSync(join(tmp, 'trav-'));
    const z = join(dir, 'trav.zip');
    writeFileSync(z, makeZip([{ name: '../../escaped.pcapng', data: agentBye }, { name: '/tmp/absolute.pcapng', data: sip486 }]));
    const store = openIndex(':memory:');
    const o = opts();
    const r = await importPath(store, z, o);
    expect(names(r)).toEqual(['trav.zip!../../escaped.pcapng', 'trav.zip!/tmp/absolute.pcapng']);
    expect(r.outcomes.map((x) => x.status)).toEqual(['ok', 'ok']);
    expect(existsSync(join(dir, '../../escaped.pcapng'))).toBe(false);
    expect(existsSync(join(tmp, 'escaped.pcapng'))).toBe(false);
    expect(readdirSync(dir)).toEqual(['trav.zip']);
    expect(readdirSync(o.tempDir!)).toEqual([]);
    store.close();
  });

  it('skips a member that inflates more than the ratio bound and reads the others', async () => {
    const zeros = new Uint8Array(8 * 1024 * 1024); // deflates about 1000×
    const z = write('bomb.zip', makeZip([{ name: 'zeros.pcap', data: zeros }, { name: 'real.pcapng', data: sip486 }]));
    const store = openIndex(':memory:');
    const r = await importPath(store, z, opts());
    expect(names(r)).toEqual(['bomb.zip!real.pcapng']);
    expect(r.skipped).toEqual([{ name: 'bomb.zip!zeros.pcap', path: expect.any(String), reason: expect.stringMatching(/^inflates more than 200× its compressed size \(zip-bomb bound on the ratio\); stopped after [\d.]+ MiB$/) }]);
    store.close();
  });

  it('skips members whose data overlaps another (the non-recursive zip bomb), reading the first once', async () => {
    const z = makeZip([{ name: 'a.pcapng', data: sip486 }, { name: 'b.pcapng', data: agentBye }]);
    // A third directory entry pointing at the first member's data, as overlapping bombs do.
    const cdStart = z.readUInt32LE(z.length - 6);
    const first = z.subarray(cdStart, cdStart + 46 + 'a.pcapng'.length);
    const again = Buffer.from(first);
    again.write('c.pcapng', 46);
    const cd = Buffer.concat([z.subarray(cdStart, z.length - 22), again]);
    const end = Buffer.from(z.subarray(z.length - 22));
    end.writeUInt16LE(3, 8);
    end.writeUInt16LE(3, 10);
    end.writeUInt32LE(cd.length, 12);
    const store = openIndex(':memory:');
    const r = await importPath(store, write('overlap.zip', Buffer.concat([z.subarray(0, cdStart), cd, end])), opts());
    expect(names(r)).toEqual(['overlap.zip!a.pcapng', 'overlap.zip!b.pcapng']);
    expect(r.skipped.map((s) => `${s.name}: ${s.reason}`)).toEqual(['overlap.zip!c.pcapng: its data overlaps another member (a zip-bomb construction); not read']);
    store.close();
  });

  it('stops a tar.gz whose stream inflates past the ratio bound, keeping the members before', async () => {
    const t = gzipSync(makeTar([{ name: 'a.pcapng', data: sip486 }, { name: 'zeros', data: new Uint8Array(8 * 1024 * 1024) }]));
    const store = openIndex(':memory:');
    const r = await importPath(store, write('bomb.tgz', t), opts());
    expect(names(r)).toEqual(['bomb.tgz!a.pcapng']);
    expect(r.problems.map((p) => p.error)).toEqual([expect.stringMatching(/^tar\.gz: inflates more than 200× its compressed size \(zip-bomb bound on the ratio\)/)]);
    store.close();
  });

  it('bounds the total inflated size and the member count, naming the bound', async () => {
    const store = openIndex(':memory:');
    const z = write('big.zip', makeZip([{ name: 'a.pcapng', data: sip486 }, { name: 'b.pcapng', data: agentBye }, { name: 'c.pcapng', data: agentBye }]));
    const size = await importPath(store, z, opts({ archiveLimits: { ...DEFAULT_ARCHIVE_LIMITS, maxTotalBytes: sip486.length + 1000 } }));
    expect(names(size)).toEqual(['big.zip!a.pcapng']);
    expect(size.problems.map((p) => `${p.name}: ${p.error}`)).toEqual([expect.stringMatching(/^big\.zip: zip: archive inflates to more than [\d.]+ (bytes|MiB) in all \(zip-bomb bound on the total size\); the rest is not read$/)]);
    const many = write('many.tar', makeTar(Array.from({ length: 6 }, (_, i) => ({ name: `f${i}.txt`, data: Buffer.from('x') }))));
    const count = await importPath(store, many, opts({ archiveLimits: { ...DEFAULT_ARCHIVE_LIMITS, maxMembers: 3 } }));
    expect(count.skipped.map((s) => s.name)).toEqual(['many.tar!f0.txt', 'many.tar!f1.txt', 'many.tar!f2.txt']);
    expect(count.problems.map((p) => p.error)).toEqual(['tar: more than 3 members (zip-bomb bound on the member count); the rest is not read']);
    store.close();
  });

  it('opens archives inside archives up to the nesting bound, naming each level', async () => {
    const inner = makeZip([{ name: 'x.pcapng', data: sip486 }]);
    const mid = gzipSync(makeTar([{ name: 'inner.zip', data: inner }, { name: 'y.pcapng', data: agentBye }]));
    const outer = write('outer.zip', makeZip([{ name: 'mid.tgz', data: mid, method: 0 }]));
    const store = openIndex(':memory:');
    const r = await importPath(store, outer, opts());
    expect(names(r)).toEqual(['outer.zip!mid.tgz!inner.zip!x.pcapng', 'outer.zip!mid.tgz!y.pcapng']);
    const shallow = openIndex(':memory:');
    const s = await importPath(shallow, outer, opts({ archiveLimits: { ...DEFAULT_ARCHIVE_LIMITS, maxDepth: 2 } }));
    expect(names(s)).toEqual(['outer.zip!mid.tgz!y.pcapng']);
    expect(s.skipped.map((x) => `${x.name}: ${x.reason}`)).toEqual(['outer.zip!mid.tgz!inner.zip: an archive nested 3 deep (zip-bomb bound on nesting: 2); not opened']);
    store.close();
    shallow.close();
  });

  it('never throws on garbage that starts like an archive', async () => {
    const store = openIndex(':memory:');
    const pk = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(100, 0xff)]);
    const r = await importPath(store, write('garbage.zip', pk), opts());
    expect(r.outcomes).toEqual([]);
    expect(r.problems.map((p) => p.error)).toEqual([expect.stringMatching(/^zip: zip central directory not found/)]);
    // A zip whose directory claims 65535 entries past its end.
    const lying = makeZip([{ name: 'a.pcapng', data: sip486 }]);
    lying.writeUInt16LE(0xffff, lying.length - 12);
    lying.writeUInt32LE(0x7fffffff, lying.length - 6);
    const l = await importPath(store, write('lying.zip', lying), opts());
    expect(names(l)).toEqual(['lying.zip!a.pcapng']);
    expect(l.problems.map((p) => p.error)).toEqual([expect.stringMatching(/^zip: zip central directory lies outside the file \(damaged\); 1 member\(s\) found from their local headers$/)]);
    store.close();
  });
});

describe('folders', () => {
  it('walks a folder recursively in sorted order, hidden entries passed over, link loops ended, non-inputs skipped', () => {
    const root = mkdtempSync(join(tmp, 'folder-'));
    mkdirSync(join(root, 'b/deeper'), { recursive: true });
    mkdirSync(join(root, '.hidden'));
    writeFileSync(join(root, 'b/deeper/z.pcapng'), sip486);
    writeFileSync(join(root, 'b/a.zip'), makeZip([{ name: 'x.pcapng', data: sip486 }]));
    writeFileSync(join(root, 'a.csv'), master);
    writeFileSync(join(root, 'notes.txt'), 'hello\n');
    writeFileSync(join(root, '.hidden/h.pcapng'), sip486);
    writeFileSync(join(root, '.dot.pcapng'), sip486);
    symlinkSync(root, join(root, 'b/loop'));
    execFileSync('mkfifo', [join(root, 'pipe')]);
    const r = expandInputs([root]);
    expect(r.files.map((f) => f.slice(root.length + 1))).toEqual(['a.csv', 'b/a.zip', 'b/deeper/z.pcapng']);
    expect(r.skipped.map((s) => [s.path.slice(root.length + 1), s.reason])).toEqual([
      ['notes.txt', 'not a capture, archive, CDR export or agent-event file'],
      ['pipe', 'not a regular file (FIFO, socket or device)'],
    ]);
    // Named explicitly, a FIFO is skipped too: opening it would wait for a writer for ever.
    expect(expandInputs([join(root, 'pipe')])).toEqual({ files: [], skipped: [{ name: join(root, 'pipe'), path: join(root, 'pipe'), reason: 'not a regular file (FIFO, socket or device)' }] });
  });
});
