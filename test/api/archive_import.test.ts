// Opening (or dropping) a folder in the app imports what is in it, recursively, through the
// same worker path as files; an archive in it imports each member as its own source.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SKIPPED_SHOWN } from '../../shared/api/contract.ts';
import { makeZip } from '../support/archive_writer.ts';
import { CAPTURES, startBackend, tempDir, type TestBackend } from './support.ts';

let t: TestBackend;
const drop = tempDir('calltrace-drop-');

beforeAll(async () => {
  t = await startBackend();
});
afterAll(async () => {
  await t.cleanup();
  drop.cleanup();
});

describe('importPaths with a folder', () => {
  it('imports the folder recursively, archive members as sources of their own', async () => {
    const root = join(drop.dir, 'ticket-1234');
    mkdirSync(join(root, 'more'), { recursive: true });
    writeFileSync(join(root, 'more/sip_486.pcapng'), readFileSync(join(CAPTURES, 'sip_486.pcapng')));
    writeFileSync(join(root, 'notes.txt'), 'customer says calls drop\n');
    writeFileSync(join(root, 'attachments.zip'), makeZip([
      { name: 'a/agent_bye.pcapng', data: readFileSync(join(CAPTURES, 'agent_bye.pcapng')) },
      { name: 'a/readme.txt', data: Buffer.from('hello\n') },
    ]));
    const job = await t.backend.handlers.importPaths({ paths: [root] });
    // The folder stands for its inputs (notes.txt is not one); the archive is one file of the job.
    expect(job.files).toEqual(['attachments.zip', 'sip_486.pcapng']);
    // …and the files that are not inputs are named in the reply, for the app to say.
    expect(job.skippedCount).toBe(1);
    expect(job.skipped).toEqual([{ name: join(root, 'notes.txt'), path: join(root, 'notes.txt'), reason: expect.stringMatching(/not/) }]);
    await t.backend.imports.idle();
    const sources = await t.backend.handlers.listSources();
    expect(sources.map((s) => s.name).sort()).toEqual(['attachments.zip!a/agent_bye.pcapng', 'sip_486.pcapng']);
    const zipDone = t.events.find((e) => e.name === 'importProgress' && e.payload.file === 'attachments.zip' && e.payload.state !== 'running');
    expect(zipDone?.payload).toMatchObject({ state: 'done', message: expect.stringMatching(/^attachments\.zip: 1 source\(s\) imported; 1 member\(s\) skipped \(first: attachments\.zip!a\/readme\.txt: not a capture/) });
  });

  it('a folder with no input in it is refused with what was skipped', async () => {
    const root = join(drop.dir, 'docs-only');
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'README.md'), '# nothing here\n');
    await expect(t.backend.handlers.importPaths({ paths: [root] })).rejects.toThrow(`no input to import: 1 file(s) skipped (first: ${join(root, 'README.md')}: not a capture`);
  });

  it('names at most MAX_SKIPPED_SHOWN skipped files and counts them all', async () => {
    const root = join(drop.dir, 'many-notes');
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'call.pcapng'), readFileSync(join(CAPTURES, 'sip_486.pcapng')));
    for (let i = 0; i < MAX_SKIPPED_SHOWN + 7; i++) writeFileSync(join(root, `note-${String(i).padStart(3, '0')}.txt`), 'x\n');
    const job = await t.backend.handlers.importPaths({ paths: [root] });
    await t.backend.imports.idle();
    expect(job.skippedCount).toBe(MAX_SKIPPED_SHOWN + 7);
    expect(job.skipped).toHaveLength(MAX_SKIPPED_SHOWN);
  });

  it('imports an uploaded archive (the browser page) member by member, under the name it was uploaded with', async () => {
    const data = makeZip([{ name: 'x/cancel_487.pcapng', data: readFileSync(join(CAPTURES, 'cancel_487.pcapng')) }]);
    const job = await t.backend.handlers.importUpload({ name: 'upload.zip', data: new Uint8Array(data) });
    expect(job.files).toEqual(['upload.zip']);
    await t.backend.imports.idle();
    const sources = await t.backend.handlers.listSources();
    expect(sources.map((s) => s.name)).toContain('upload.zip!x/cancel_487.pcapng');
  });
});

describe('the dashboard summary', () => {
  it('counts a call captured at two points (one Call-ID in two captures) once', async () => {
    const { buildCallCapture } = await import('../support/call_capture.ts');
    const { secondCapturePoint } = await import('../support/second_capture_point.ts');
    const a = buildCallCapture({ callId: 'two-points-dash@10.1.0.1', from: '5551234', to: '6001', startUs: Date.UTC(2026, 10, 4, 9) * 1000, talkS: 2 });
    const root = join(drop.dir, 'two-points');
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'probe.pcap'), a);
    writeFileSync(join(root, 'phone.pcap'), secondCapturePoint(a, { offsetUs: 250_000, transitUs: 1_000, towardsSecond: '10.1.0.1' }));
    const before = (await t.backend.handlers.getSummary({})).attempts;
    await t.backend.handlers.importPaths({ paths: [root] });
    await t.backend.imports.idle();
    const rows = await t.backend.handlers.listSources();
    expect(rows.filter((s) => s.name === 'probe.pcap' || s.name === 'phone.pcap')).toHaveLength(2);
    expect((await t.backend.handlers.getSummary({})).attempts).toBe(before + 1);
  });
});
