// Issue 10, defect 8: an index whose user_version was lowered (or raised) behind calltrace's
// back ran migrations over tables that already existed and failed with a raw SQLite error
// ("table settings already exists"), or would misread tables it did not have. Such an index
// is now refused with one message naming the file, before anything is changed. And the CLI
// answers `--version` and `-h`.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IndexSchemaMismatchError, LATEST_VERSION, MIGRATIONS, migrate } from '../../electron/node/store/migrations.ts';
import { openIndex, openIndexReader } from '../../electron/node/store/index_store.ts';
import { REPO_ROOT } from '../support/oracle.ts';
import { hash, tempDir } from './fixtures.ts';

let tmp: ReturnType<typeof tempDir>;
let file: string;
beforeEach(() => {
  tmp = tempDir();
  file = join(tmp.dir, 'library.db');
});
afterEach(() => tmp.cleanup());

function setVersion(v: number): void {
  const db = new Database(file);
  db.pragma(`user_version = ${v}`);
  db.close();
}

function calltrace(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'electron/node/cli/main.ts'), ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('an index whose schema does not match its version', () => {
  it('a lowered user_version is refused with a message naming the file, and the file is left as it was', () => {
    const s = openIndex(file);
    s.beginSource({ path: '/x.pcap', name: 'x.pcap', contentHash: hash(1), sizeBytes: 10, format: 'pcap' });
    s.close();
    setVersion(2);
    expect(() => openIndex(file)).toThrow(IndexSchemaMismatchError);
    expect(() => openIndex(file)).toThrow(new RegExp(`^Index ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} says schema version 2, but its tables are not those of version 2`));
    expect(() => openIndex(file)).not.toThrow(/already exists/);
    const db = new Database(file);
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(db.prepare('SELECT count(*) FROM sources').pluck().get()).toBe(1);
    db.close();
  });

  it('a raised user_version (tables of an older version) is refused too, by writers and readers', () => {
    const db = new Database(file);
    migrate(db, file, MIGRATIONS.slice(0, 2));
    db.pragma(`user_version = ${LATEST_VERSION}`);
    db.close();
    expect(() => openIndex(file)).toThrow(IndexSchemaMismatchError);
    expect(() => openIndexReader(file)).toThrow(IndexSchemaMismatchError);
  });

  it('an index at an older version with its own tables still migrates', () => {
    const db = new Database(file);
    migrate(db, file, MIGRATIONS.slice(0, 2));
    db.close();
    const s = openIndex(file);
    s.close();
    const after = new Database(file);
    expect(after.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
    after.close();
  });

  it('analyze --db names the file and the problem in one line, exit 1', () => {
    openIndex(file).close();
    setVersion(2);
    const r = calltrace('analyze', join(REPO_ROOT, 'test/fixtures/captures/sip_486.pcapng'), '--db', file);
    expect(r.code).toBe(1);
    expect(r.err.trim()).toMatch(new RegExp(`^calltrace: Index .*library\\.db says schema version 2, but its tables are not those of version 2`));
    expect(r.err).not.toMatch(/already exists/);
  });
});

describe('calltrace --version and -h', () => {
  it('--version prints the package version', () => {
    const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    const r = calltrace('--version');
    expect([r.code, r.out, r.err]).toEqual([0, `calltrace ${version}\n`, '']);
  });

  it('-h prints the usage like help', () => {
    const h = calltrace('-h');
    const help = calltrace('help');
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/^usage: calltrace analyze/);
    expect(h.out).toBe(help.out);
  });
});
