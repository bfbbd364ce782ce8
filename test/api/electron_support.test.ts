// What surrounds the Electron-only code (there is no Electron binary here): the app's
// command line, the Electron-ABI SQLite module choice, the npm start launcher's checks, the
// packaging config, and the bundles' shape.

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { filesFromArgv, parseAppArgs } from '../../electron/node/api/app_args.ts';
import { defaultLibraryPath } from '../../electron/node/api/backend.ts';
import { electronLaunch } from '../../electron/node/cli/start.ts';
import { bindingCandidates, resolveNativeBinding } from '../../electron/node/store/native_binding.ts';
import { tempDir } from './support.ts';

const REPO = resolve(import.meta.dirname, '../..');

describe('app arguments', () => {
  it('takes files and --db, skips Chromium switches, resolves relative paths', () => {
    expect(parseAppArgs(['--db', 'lib.db', 'a.pcap', '--enable-logging', '--inspect=9229', '/abs/b.pcapng'], '/home/u')).toEqual({ db: '/home/u/lib.db', files: ['/home/u/a.pcap', '/abs/b.pcapng'] });
    expect(parseAppArgs(['--db=/x/y.db'])).toEqual({ db: '/x/y.db', files: [] });
    expect(filesFromArgv(['c.pcap.gz'], '/work')).toEqual(['/work/c.pcap.gz']);
  });

  it('keeps the default library under the user data directory', () => {
    expect(defaultLibraryPath({ XDG_DATA_HOME: '/d' }, 'linux')).toBe('/d/calltrace/library.db');
    expect(defaultLibraryPath({}, 'linux')).toMatch(/\.local\/share\/calltrace\/library\.db$/);
    expect(defaultLibraryPath({ APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'win32')).toContain('calltrace');
  });
});

describe('Electron-ABI better-sqlite3', () => {
  const ctx = { packaged: false, resourcesPath: '/r', appRoot: '/app', abi: '140', platform: 'linux' as const, arch: 'x64' };
  it('looks in build/native for development and in resources/native when packaged', () => {
    expect(bindingCandidates(ctx)[0]).toBe('/app/build/native/electron-abi140-linux-x64/better_sqlite3.node');
    expect(bindingCandidates({ ...ctx, packaged: true })).toEqual(['/r/native/better_sqlite3.node']);
    expect(resolveNativeBinding(ctx, (p) => p.endsWith('x64/better_sqlite3.node'))).toEqual({ path: '/app/build/native/electron-abi140-linux-x64/better_sqlite3.node' });
  });
  it('explains what is missing instead of loading the Node build', () => {
    const r = resolveNativeBinding(ctx, () => false);
    expect('error' in r && r.error).toMatch(/ABI 140.*build\/README\.md.*serve/);
  });
});

describe('npm start launcher', () => {
  it('says why the desktop app cannot start on this machine', () => {
    const r = electronLaunch(REPO, {});
    // No Electron binary can be installed here; where it is, the other checks take over.
    if ('why' in r) expect(r.why.length).toBeGreaterThan(10);
  });
  it('names the missing binary in a checkout without it', () => {
    const t = tempDir();
    try {
      expect(electronLaunch(t.dir, {})).toEqual({ why: 'the electron package is not installed' });
    } finally {
      t.cleanup();
    }
  });
});

describe('packaging config', () => {
  const cfg = JSON.parse(readFileSync(join(REPO, 'build/electron-builder.json'), 'utf8')) as Record<string, unknown> & {
    fileAssociations: Array<{ ext: string }>;
    linux: { target: string[] };
    win: { target: string[] };
    mac: { target: string[] };
    extraResources: Array<{ to: string; filter: string[] }>;
    asarUnpack: string[];
  };
  it('parses and names the file associations and targets', () => {
    expect(cfg.appId).toBe('com.calltrace.app');
    expect(cfg.fileAssociations.map((a) => a.ext)).toEqual(expect.arrayContaining(['pcap', 'pcapng', 'gz', 'csv']));
    expect(cfg.linux.target).toEqual(['AppImage', 'deb']);
    expect(cfg.win.target).toEqual(['nsis']);
    expect(cfg.mac.target).toEqual(['dmg']);
  });
  it('ships the Electron-ABI addon apart and never rebuilds the Node one', () => {
    expect(cfg.npmRebuild).toBe(false);
    expect(cfg.extraResources).toEqual([expect.objectContaining({ to: 'native', filter: ['better_sqlite3.node'] })]);
    expect(cfg.asarUnpack).toContain('out/electron/ingest_worker.mjs');
    expect(cfg.asarUnpack).toContain('out/electron/query_worker.mjs');
    // The parallel import's workers are started from the ingest worker's directory.
    expect(cfg.asarUnpack).toContain('out/electron/import_pool_worker.mjs');
    // The CDR row worker is started by the ingest worker from beside it: unpacked too.
    expect(cfg.asarUnpack).toContain('out/electron/cdr_row_worker.mjs');
    expect((cfg.extraMetadata as { main: string }).main).toBe('out/electron/main.mjs');
  });
});
