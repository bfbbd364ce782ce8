// The HTML incident report on the recorded fixtures, imported the way the CLI does it (an
// in-memory index, importCapture), and on a capture written with the project's capture writer
// whose SIP carries markup. What the report must show is read back from the same index
// (callDetailOf, what the app shows), from the capture file itself (its sha256) and from
// tshark (the stream metrics under Wireshark's names).

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallDetail } from '../../shared/api/contract.ts';
import { callDetailOf } from '../../electron/node/api/call_detail.ts';
import { buildHtmlReport, mapStrings } from '../../electron/node/export/html_report.ts';
import { MAX_LADDER_MESSAGES, utc, WIRESHARK_COLUMNS } from '../../electron/node/export/report_sections.ts';
import { importFile } from '../../electron/node/ingest/import_file.ts';
import { openIndex, type IndexStore } from '../../electron/node/store/index_store.ts';
import { escapeHtml, html } from '../../shared/report/html.ts';
import { HOSTILE, buildHostileCallCapture } from '../support/hostile_call_capture.ts';
import { reInviteStormCapture } from '../support/hostile_inputs.ts';
import { REPO_ROOT } from '../support/oracle.ts';
import { FIXED_DATE, importForReport } from '../support/write_report.ts';
import { checkSelfContained } from './report_checks.ts';

const DIR = join(REPO_ROOT, 'test/fixtures/captures');
const labels = JSON.parse(readFileSync(join(DIR, 'labels.json'), 'utf8')) as { captures: Array<{ file: string; calls: Array<{ callId: string; bucket: number | null; cause: string }> }> };
const sha256File = (p: string): string => createHash('sha256').update(readFileSync(p)).digest('hex');

const has = (page: string, s: string, what: string) => expect(page.includes(escapeHtml(s)), `${what}: ${s}`).toBe(true);

/** The verdict as the index holds it: bucket, cause, fix and its checks, every evidence sentence. */
function checkVerdictText(page: string, d: CallDetail): void {
  const v = d.verdict!;
  expect(v, `${d.row.callId} has a verdict`).not.toBeNull();
  has(page, v.cause, 'cause');
  has(page, v.bucketName, 'bucket name');
  has(page, v.fix.title, 'fix title');
  has(page, v.fix.text, 'fix text');
  for (const c of v.fix.checks) has(page, c, 'fix check');
  expect(v.evidence.length).toBeGreaterThan(0);
  for (const e of v.evidence) has(page, e.text, 'evidence');
  has(page, d.row.callId, 'Call-ID');
}

/** What every call section must carry, checked against the index's own CallDetail. */
function checkCallContent(page: string, d: CallDetail, file: string): void {
  checkVerdictText(page, d);
  const has = (s: string, what: string) => expect(page.includes(escapeHtml(s)), `${what}: ${s}`).toBe(true);
  // Every SIP message of the call is an arrow of the ladder, and its raw text is in the page.
  expect(d.messages.length).toBe(d.row.sipMessages);
  for (const m of d.messages) {
    const arrow = new RegExp(`<a class="arrow[^"]*" href="#c\\d+-m${m.index}" data-testid="ladder-arrow" data-index="${m.index}">`);
    expect(page, `arrow #${m.index} ${m.label}`).toMatch(arrow);
    expect(m.raw, `raw text of #${m.index}`).not.toBeNull();
    has(m.raw!.replace(/\r\n/g, '\n'), `raw message #${m.index}`);
  }
  // The capture window and the file's own hash.
  const w = d.capture;
  has(utc(w.firstUs), 'window start');
  has(utc(w.lastUs), 'window end');
  expect(page).toContain(`data-testid="source-hash">${sha256File(join(DIR, file))}<`);
  // Stream metrics under Wireshark's column names, one row per stream.
  for (const c of WIRESHARK_COLUMNS) expect(page).toContain(`<th>${escapeHtml(c)}</th>`);
  expect((page.match(/data-testid="stream-row"/g) ?? []).length).toBeGreaterThanOrEqual(d.streams.length);
}

describe.each(['normal_clearing.pcapng', 'one_way_audio.pcapng', 'sip_503.pcapng'])('report of %s', (file) => {
  let store: IndexStore;
  let page: string;
  let detail: CallDetail;

  beforeAll(async () => {
    store = openIndex(':memory:');
    const ids = await importForReport(store, [join(DIR, file)]);
    expect(ids).toHaveLength(1);
    detail = callDetailOf(store, ids[0])!;
    page = buildHtmlReport(store, ids, { generatedAt: FIXED_DATE });
  });
  afterAll(() => store?.close());

  it('is self-contained under a strict CSP', () => checkSelfContained(page));

  it('carries the verdict, cause, fix, evidence, every SIP message, the metrics, the window and the source hash', () => {
    const want = labels.captures.find((c) => c.file === file)!.calls[0];
    expect(detail.verdict?.cause).toBe(want.cause);
    checkCallContent(page, detail, file);
    expect(page).not.toContain('data-testid="summary"');
    expect(page).toContain('Not redacted.');
    expect(page).toContain(utc(FIXED_DATE.getTime() * 1000));
  });

  it('gives the same bytes for the same index and date', () => {
    expect(buildHtmlReport(store, [detail.row.id], { generatedAt: FIXED_DATE })).toBe(page);
  });
});

describe('report of rtp_timeout_oneway.pcapng: evidence links to its gap on the timeline', () => {
  it('the gap evidence points at a gap band of the measured duration', async () => {
    const store = openIndex(':memory:');
    try {
      const ids = await importForReport(store, [join(DIR, 'rtp_timeout_oneway.pcapng')]);
      const d = callDetailOf(store, ids[0])!;
      const page = buildHtmlReport(store, ids, { generatedAt: FIXED_DATE });
      checkSelfContained(page);
      checkCallContent(page, d, 'rtp_timeout_oneway.pcapng');
      const gapRef = d.verdict!.evidence.find((e) => e.ref?.kind === 'gap')!.ref as { durationMs: number };
      const link = /<a class="ev-link" href="#(c1-s\d+-g\d+)">the gap<\/a>/.exec(page);
      expect(link, 'a link to the gap').not.toBeNull();
      const band = new RegExp(`<g class="gap[^"]*" id="${link![1]}" data-testid="gap-band" data-duration-ms="([\\d.]+)">`).exec(page);
      expect(band, 'the gap band it names').not.toBeNull();
      expect(Math.abs(Number(band![1]) - gapRef.durationMs)).toBeLessThanOrEqual(1);
    } finally {
      store.close();
    }
  });
});

describe('report of one-way audio: the metrics agree with tshark -z rtp,streams', () => {
  it('Start time, SSRC, Pkts, Lost, Max Delta and jitter columns match', async () => {
    const file = join(DIR, 'one_way_audio.pcapng');
    const store = openIndex(':memory:');
    try {
      const page = buildHtmlReport(store, await importForReport(store, [file]), { generatedAt: FIXED_DATE });
      const out = execFileSync('tshark', ['-r', file, '-q', '-o', 'rtp.heuristic_rtp:TRUE', '-z', 'rtp,streams'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const line = out.split('\n').find((l) => /0x[0-9A-F]{8}/i.test(l))!;
      // Start End SrcIP Port DstIP Port SSRC Payload Pkts Lost (pct) MinΔ MeanΔ MaxΔ MinJ MeanJ MaxJ
      const f = line.trim().replace(/\(\s*/g, '(').split(/\s+/);
      const row = /<tr data-testid="stream-row"[^>]*>(.*?)<\/tr>/.exec(page)![1];
      const cells = [...row.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1]);
      expect(cells.slice(0, 7)).toEqual([f[0], f[1], f[2], f[3], f[4], f[5], f[6].toUpperCase().replace('0X', '0x')]);
      expect(cells[8]).toBe(f[8]);
      expect(cells[9]).toBe(`${f[9]} ${f[10]}`);
      for (let k = 0; k < 6; k++) expect(Math.abs(Number(cells[10 + k]) - Number(f[11 + k])), WIRESHARK_COLUMNS[10 + k]).toBeLessThanOrEqual(0.0015);
    } finally {
      store.close();
    }
  });
});

describe('report of a selection: mixed_outcomes.pcapng, 5 calls', () => {
  let store: IndexStore;
  let page: string;
  let details: CallDetail[];
  const want = labels.captures.find((c) => c.file === 'mixed_outcomes.pcapng')!.calls;

  beforeAll(async () => {
    store = openIndex(':memory:');
    const ids = await importForReport(store, [join(DIR, 'mixed_outcomes.pcapng')], want.map((c) => c.callId));
    details = ids.map((id) => callDetailOf(store, id)!);
    page = buildHtmlReport(store, ids, { generatedAt: FIXED_DATE });
  });
  afterAll(() => store?.close());

  it('is self-contained under a strict CSP', () => checkSelfContained(page));

  it('opens with a summary: buckets and causes of the selection, and its captures', () => {
    const summary = /<section class="summary"[\s\S]*?<\/section>/.exec(page)![0];
    expect(summary).toContain('Summary of 5 calls');
    const counts = new Map<string, number>();
    for (const c of want) counts.set(c.bucket === null ? 'none' : String(c.bucket), (counts.get(c.bucket === null ? 'none' : String(c.bucket)) ?? 0) + 1);
    const rows = [...summary.matchAll(/<tr data-testid="summary-bucket" data-bucket="(\w+)">.*?<td class="num">(\d+)<\/td><\/tr>/g)].map((m) => [m[1], Number(m[2])]);
    expect(new Map(rows as Array<[string, number]>)).toEqual(counts);
    for (const c of want) expect(summary).toContain(`<code>${c.cause}</code>`);
    expect((summary.match(/data-testid="summary-call"/g) ?? []).length).toBe(5);
    expect(summary).toContain(sha256File(join(DIR, 'mixed_outcomes.pcapng')));
  });

  it('then each call in the order asked, with everything a single report carries', () => {
    expect((page.match(/data-testid="call-section"/g) ?? []).length).toBe(5);
    let at = 0;
    details.forEach((d, i) => {
      expect(d.verdict?.cause).toBe(want[i].cause);
      const pos = page.indexOf(`id="call-${i + 1}"`);
      expect(pos).toBeGreaterThan(at);
      at = pos;
      checkCallContent(page, d, 'mixed_outcomes.pcapng');
    });
  });
});

describe('hostile SIP: markup from the capture comes out as text', () => {
  let dir: string;
  let store: IndexStore;
  let page: string;
  let detail: CallDetail;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'calltrace-report-'));
    const file = join(dir, `hostile${HOSTILE.img}.pcap`.replace(/[/"]/g, '_'));
    writeFileSync(file, buildHostileCallCapture());
    store = openIndex(':memory:');
    const ids = await importForReport(store, [file]);
    expect(ids).toHaveLength(1);
    detail = callDetailOf(store, ids[0])!;
    page = buildHtmlReport(store, ids, { generatedAt: FIXED_DATE });
  });
  afterAll(() => {
    store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the engine really read the markup into the index (else this test proves nothing)', () => {
    expect(detail.row.callId).toBe(HOSTILE.callId);
    expect(detail.row.from).toBe(HOSTILE.fromUser);
    expect(detail.messages.some((m) => m.label.includes('<b onclick'))).toBe(true);
    expect(detail.streams.some((s) => s.encoding.includes('<svg'))).toBe(true);
    const raw = detail.messages.map((m) => m.raw ?? '').join('\n');
    for (const s of [HOSTILE.script, HOSTILE.img, HOSTILE.sdpName]) expect(raw).toContain(s);
  });

  it('every hostile string appears only escaped, and the page has only its own tags and script', () => {
    checkSelfContained(page);
    for (const s of Object.values(HOSTILE)) {
      expect(page.includes(escapeHtml(s)), `escaped ${s}`).toBe(true);
      if (/[<>"']/.test(s)) expect(page.includes(s), `raw ${s}`).toBe(false);
    }
    // No alert( inside any tag: only in text.
    for (const m of page.matchAll(/<[a-zA-Z][^>]*>/g)) expect(m[0]).not.toContain('alert(');
  });
});

describe('calls known only from a CDR row', () => {
  it('report without a ladder or streams, naming the CDR file and its sha256', async () => {
    const store = openIndex(':memory:');
    try {
      await importFile(store, join(DIR, 'normal_clearing.pcapng'));
      const cdr = join(REPO_ROOT, 'test/fixtures/cdr/twilio_calls.csv');
      const o = await importFile(store, cdr);
      expect(o.sourceId).not.toBeNull();
      const calls = store.listCalls({ limit: 100 });
      const cdrOnly = calls.filter((c) => c.origin === 'cdr');
      expect(cdrOnly.length).toBeGreaterThan(0);
      const page = buildHtmlReport(store, calls.map((c) => c.id), { generatedAt: FIXED_DATE });
      checkSelfContained(page);
      expect((page.match(/data-testid="call-section"/g) ?? []).length).toBe(calls.length);
      expect(page).toContain('This call is known only from a CDR row of twilio_calls.csv');
      expect(page).toContain(sha256File(cdr));
      expect(page).toContain(sha256File(join(DIR, 'normal_clearing.pcapng')));
      for (const c of cdrOnly) checkVerdictText(page, callDetailOf(store, c.id)!);
    } finally {
      store.close();
    }
  });
});

describe('a very large call', () => {
  it('draws the first MAX_LADDER_MESSAGES messages, says so, and stays a page a browser opens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'calltrace-report-'));
    const store = openIndex(':memory:');
    try {
      const file = join(dir, 'storm.pcap');
      writeFileSync(file, reInviteStormCapture('storm@report', 1700)); // 5 105 SIP messages
      const ids = await importForReport(store, [file]);
      const page = buildHtmlReport(store, ids, { generatedAt: FIXED_DATE });
      checkSelfContained(page);
      expect((page.match(/data-testid="ladder-arrow"/g) ?? []).length).toBe(MAX_LADDER_MESSAGES);
      expect((page.match(/<details class="raw-msg"/g) ?? []).length).toBe(MAX_LADDER_MESSAGES);
      expect(page).toContain(`This call has 5105 SIP messages: the ladder and the raw messages show the first ${MAX_LADDER_MESSAGES}.`);
      // One marker per kind and pixel column, not one per re-INVITE.
      expect((page.match(/data-testid="timeline-event"/g) ?? []).length).toBeLessThan(3 * 1040);
      expect(page.length).toBeLessThan(20_000_000);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('redaction hook', () => {
  it('applies the redactor to every capture text, consistently, and says what was redacted', async () => {
    const store = openIndex(':memory:');
    try {
      const ids = await importForReport(store, [join(DIR, 'one_way_audio.pcapng')]);
      const redact = (s: string) => s.replace(/127\.0\.7\.(\d+)/g, '192.0.2.$1').replace(/\bcaller\b/g, 'USER-A').replace(/\bservice\b/g, 'USER-B');
      const page = buildHtmlReport(store, ids, { generatedAt: FIXED_DATE, redaction: { redact, applied: ['IP addresses → 192.0.2.0/24', 'user names → USER-x'] } });
      checkSelfContained(page);
      expect(page).not.toContain('127.0.7.');
      expect(page).toContain('192.0.2.1:5060');
      expect(page).toContain('Redacted.');
      expect(page).toContain('IP addresses → 192.0.2.0/24');
      expect(page).not.toContain('Not redacted.');
      // Vocabulary stays: the cause key and the source hash are not capture text.
      expect(page).toContain('<code>one_way_audio</code>');
      expect(page).toContain(sha256File(join(DIR, 'one_way_audio.pcapng')));
      // The ladder columns and the raw messages agree with each other.
      expect(page).toMatch(/class="col-lbl"[^>]*>192\.0\.2\.1:5060</);
      expect(page).toContain('From: &quot;Caller&quot; &lt;sip:USER-A@192.0.2.1:5060&gt;');
      expect(page).toMatch(/<h2>USER-A → USER-B<\/h2>/);
    } finally {
      store.close();
    }
  });

  it('mapStrings leaves vocabulary keys and numbers alone', () => {
    const x = mapStrings({ cause: 'agent_bye', label: 'INVITE', n: 3, list: ['a'], nested: { contentHash: 'ab', raw: 'ab' } }, (s) => s.toUpperCase());
    expect(x).toEqual({ cause: 'agent_bye', label: 'INVITE', n: 3, list: ['A'], nested: { contentHash: 'ab', raw: 'AB' } });
  });
});

describe('errors and escaping', () => {
  it('refuses an empty selection and a call not in the index', () => {
    const store = openIndex(':memory:');
    try {
      expect(() => buildHtmlReport(store, [])).toThrow(/no call/);
      expect(() => buildHtmlReport(store, [42])).toThrow(/no call #42/);
    } finally {
      store.close();
    }
  });

  it('escapes every interpolation, shows control characters, and keeps Html fragments', () => {
    expect(html`<p>${'<a href="x">&\'</a>'}</p>`.text).toBe('<p>&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;</p>');
    expect(escapeHtml('a\u0000b\u001bc\u007f\td\r\n')).toBe('a\u2400b\u241bc\u2421\td\r\n');
    expect(html`<ul>${['<i>', html`<li>ok</li>`]}</ul>`.text).toBe('<ul>&lt;i&gt;<li>ok</li></ul>');
  });
});
