// The compiled command line (dist/cli/, build/build_cli.ts): up to date with the sources,
// started as the package's bin, light for --version and -h, giving the same analysis as the
// sources run through tsx, and able to serve (its ingest worker and the built UI are found
// from the bundle). Start-up times are measured by `npm run bench:cli`, never asserted here.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCli, CLI_ENTRY, ROOT } from '../../build/build_cli.ts';
import { checkCompiledCliIsFresh, compiledCalltrace } from '../support/compiled_cli.ts';

const FIX = join(ROOT, 'test/fixtures/captures');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string>; scripts: Record<string, string> };
const tmp = mkdtempSync(join(tmpdir(), 'calltrace-bin-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the compiled command line', () => {
  it('is what the sources build now (npm run build:cli; npm install and npm test run it)', async () => {
    await checkCompiledCliIsFresh();
  });

  it('is the package bin, built by the install itself and before the tests', () => {
    expect(join(ROOT, pkg.bin.calltrace)).toBe(CLI_ENTRY);
    expect(pkg.scripts.prepare).toContain('build:cli');
    expect(pkg.scripts.test.startsWith('npm run -s build:cli')).toBe(true);
    expect(readFileSync(CLI_ENTRY, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });

  it('--version prints the package version, started directly as an executable (shebang)', () => {
    const r = spawnSync(CLI_ENTRY, ['--version'], { cwd: tmp, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`calltrace ${pkg.version}\n`);
  });

  it('-h and export -h print the usage', () => {
    const h = compiledCalltrace(['-h']);
    expect(h.code).toBe(0);
    expect(h.out).toMatch(/^usage: calltrace analyze FILE\|DIR\.\.\./);
    const e = compiledCalltrace(['export', '-h']);
    expect(e.code).toBe(0);
    expect(e.out).toMatch(/^usage: calltrace export FILE\.\.\. --call CALL-ID/);
  });

  it('--version and -h load neither SQLite nor the engine: only the entry and its small static imports', async () => {
    const { metafile } = await bundleCli();
    const entry = 'dist/cli/calltrace.mjs';
    // Every output the entry reaches by static imports (what Node loads before main() runs).
    const loaded = new Set<string>();
    const walk = (out: string): void => {
      if (loaded.has(out)) return;
      loaded.add(out);
      for (const i of metafile.outputs[out].imports) {
        if (i.kind === 'import-statement' && !i.external) walk(i.path);
      }
    };
    walk(entry);
    const inputs = [...loaded].flatMap((o) => Object.keys(metafile.outputs[o].inputs));
    expect(inputs.sort()).toEqual(['electron/node/app_root.ts', 'electron/node/cli/main.ts', 'electron/node/cli/usage.ts']);
    const externals = [...loaded].flatMap((o) => metafile.outputs[o].imports.filter((i) => i.kind === 'import-statement').map((i) => i.path)).filter((p) => !loaded.has(p));
    expect(externals.sort()).toEqual(['node:fs', 'node:path', 'node:url']);
    // The commands are reached only by dynamic imports.
    const dynamic = metafile.outputs[entry].imports.filter((i) => i.kind === 'dynamic-import').length;
    expect(dynamic).toBe(2);
  });

  it('analyze --json gives the same document as the sources run through tsx', () => {
    const files = [join(FIX, 'agent_bye.pcapng'), join(FIX, 'sip_486.pcapng')];
    const compiled = compiledCalltrace(['analyze', ...files, '--json']);
    expect(compiled.code, compiled.err).toBe(0);
    const doc = JSON.parse(compiled.out) as { calls: Array<{ callId: string; diagnosis: { cause: string } }>; sources: Array<{ name: string }> };
    expect(doc.sources.map((s) => s.name)).toEqual(['agent_bye.pcapng', 'sip_486.pcapng']);
    expect(doc.calls.map((c) => c.diagnosis.cause).sort()).toEqual(['agent_bye', 'sip_486']);
    const dev = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'electron/node/cli/main.ts'), 'analyze', ...files, '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(dev.status, dev.stderr).toBe(0);
    expect(compiled.out).toBe(dev.stdout);
    expect(compiled.err).toBe(dev.stderr);
  });
});

describe('calltrace serve, compiled', () => {
  let child: ReturnType<typeof spawn>;
  let url: URL;
  let err = '';

  beforeAll(async () => {
    child = spawn(process.execPath, [CLI_ENTRY, 'serve', join(FIX, 'agent_bye.pcapng'), '--db', join(tmp, 'library.db'), '--port', '0'], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    url = await new Promise<URL>((res, rej) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /(http:\/\/127\.0\.0\.1:\d+\/\S*token=\S+)/.exec(out);
        if (m) res(new URL(m[1]));
      });
      child.on('exit', (code) => rej(new Error(`serve exited (${code}); stderr: ${err}`)));
    });
  });
  afterAll(() => {
    child.kill('SIGTERM');
  });

  const get = (path: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> => new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port: Number(url.port), path, method, headers: { 'x-calltrace-token': url.searchParams.get('token') ?? '' } }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => res({ status: r.statusCode ?? 0, type: String(r.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', rej);
    req.end();
  });

  it('imported the file through its bundled ingest worker before serving', async () => {
    expect(err).toMatch(/\[1\/1\] .*agent_bye\.pcapng: 1 calls, \d+ packets/);
    const r = await get('/api/listSources', 'POST');
    expect(r.status).toBe(200);
    const sources = (JSON.parse(r.body) as { ok: boolean; value: Array<{ name: string; calls: number }> }).value;
    expect(sources.map((s) => [s.name, s.calls])).toEqual([['agent_bye.pcapng', 1]]);
  });

  it('finds the checkout\'s dist/renderer (the built UI, or says to build it)', async () => {
    const index = join(ROOT, 'dist/renderer/index.html');
    const r = await get('/');
    // vitest runs before `npm run build` in npm test: on a fresh clone the UI is not built yet.
    if (existsSync(index)) {
      expect(r.status).toBe(200);
      expect(r.body).toBe(readFileSync(index, 'utf8'));
    } else {
      expect(err).toContain(`the user interface is not built (${join(ROOT, 'dist/renderer')})`);
    }
  });
});
