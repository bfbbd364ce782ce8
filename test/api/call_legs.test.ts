// The end-to-end call API over a real back end (SQLite file, ingest worker): the B2BUA
// fixtures imported as the app imports them, getCallLegs / getLegGroups, undoing a heuristic
// link through the worker, and the dashboard summary counting an end-to-end call once.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invokeHandler } from '../../electron/node/api/api_error.ts';
import type { CallRow } from '../../shared/api/contract.ts';
import { REPO_ROOT } from '../support/oracle.ts';
import Database from 'better-sqlite3';
import { LATEST_VERSION, LEG_LINKS_MIGRATION, SOURCE_COUNTS_MIGRATION } from '../../electron/node/store/migrations.ts';
import { importCapture } from '../../electron/node/ingest/import_capture.ts';
import { openIndex } from '../../electron/node/store/index_store.ts';
import { startBackend, tempDir, type TestBackend } from './support.ts';

const LEGS = join(REPO_ROOT, 'test/fixtures/legs');

let t: TestBackend;
let rows: CallRow[];
const rowOf = (callId: string): CallRow => rows.find((r) => r.callId === callId)!;

beforeAll(async () => {
  t = await startBackend();
  await t.backend.handlers.importPaths({ paths: [LEGS] });
  await t.backend.imports.idle();
  rows = (await t.backend.handlers.queryCalls({ offset: 0, limit: 1000 })).rows;
});
afterAll(async () => {
  await t.cleanup();
});

describe('getCallLegs', () => {
  it('gives every leg of a B2BUA call the same end-to-end call: legs in order, links with method and confidence, the end-to-end verdict', async () => {
    const a = await t.backend.handlers.getCallLegs({ id: rowOf('f503-in@10.0.0.10').id });
    const b = await t.backend.handlers.getCallLegs({ id: rowOf('f503-out@10.0.0.1').id });
    expect(a.legs.map((l) => l.callId)).toEqual(['f503-in@10.0.0.10', 'f503-out@10.0.0.1']);
    expect(b.legs.map((l) => l.callId)).toEqual(a.legs.map((l) => l.callId));
    expect(a.links).toMatchObject([{ fromCallId: 'f503-in@10.0.0.10', toCallId: 'f503-out@10.0.0.1', method: 'heuristic', confidence: 0.6, undoneAt: null }]);
    expect(a.endToEnd).toMatchObject({ cause: 'sip_503', fromLeg: 'f503-out@10.0.0.1' });
    const sid = await t.backend.handlers.getCallLegs({ id: rowOf('sid-out@10.0.0.1').id });
    expect(sid.links).toMatchObject([{ method: 'session_id', confidence: 1 }]);
    // A call of one leg.
    const lone = await t.backend.handlers.getCallLegs({ id: rowOf('heur-other@10.0.0.11').id });
    expect(lone.legs.map((l) => l.callId)).toEqual(['heur-other@10.0.0.11']);
    expect(lone.links).toEqual([]);
    expect(lone.endToEnd).toBeNull();
  });

  it('answers an unknown call and bad arguments with error values', async () => {
    expect(await invokeHandler(t.backend.handlers, 'getCallLegs', { id: 999_999 })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await invokeHandler(t.backend.handlers, 'getLegGroups', { ids: 'x' })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await invokeHandler(t.backend.handlers, 'setLegLinkUndone', { linkId: 1 })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
  });

  it('getLegGroups answers only the rows that have legs', async () => {
    const groups = await t.backend.handlers.getLegGroups({ ids: rows.map((r) => r.id) });
    expect(groups.length).toBe(10); // five end-to-end calls of two legs
    expect(groups.find((g) => g.id === rowOf('heur-other@10.0.0.11').id)).toBeUndefined();
  });
});

describe('the call list with legs grouped', () => {
  it('lists an end-to-end call once (its first leg), and both legs again once a heuristic link is undone', async () => {
    const grouped = await t.backend.handlers.queryCalls({ offset: 0, limit: 1000, filter: { groupLegs: true } });
    expect(grouped.total).toBe(6);
    expect(grouped.rows.map((r) => r.callId).sort()).toEqual([
      'f503-in@10.0.0.10', 'heur-in@10.0.0.10', 'heur-other@10.0.0.11', 'sid-in@10.0.0.10', 'xcid-in@10.0.0.10', 'xfer-a@10.0.0.10',
    ]);
    // Other filters still apply: the 503 is on the hidden outbound leg, the row shown is the inbound one.
    expect((await t.backend.handlers.queryCalls({ offset: 0, limit: 10, filter: { groupLegs: true, causes: ['sip_480'] } })).rows.map((r) => r.callId)).toEqual(['f503-in@10.0.0.10']);
    expect(await invokeHandler(t.backend.handlers, 'queryCalls', { offset: 0, limit: 10, filter: { groupLegs: 'yes' } })).toMatchObject({ ok: false, error: { code: 'bad_request' } });
  });

  it('pages the grouped list by cursor (issue 13\'s keyset paging) as by offset, each page with the grouped total', async () => {
    for (const sort of [{ key: 'startUs' as const, descending: false }, { key: 'pddMs' as const, descending: true }, { key: 'bucket' as const, descending: false }]) {
      const filter = { groupLegs: true };
      const whole = await t.backend.handlers.queryCalls({ offset: 0, limit: 1000, filter, sort });
      expect(whole.total).toBe(6);
      const walked: number[] = [];
      let page = await t.backend.handlers.queryCalls({ offset: 0, limit: 2, filter, sort });
      while (page.rows.length > 0) {
        expect(page.total).toBe(6);
        walked.push(...page.rows.map((r) => r.id));
        const last = page.rows[page.rows.length - 1];
        const value = sort.key === 'startUs' ? last.startUs : sort.key === 'pddMs' ? last.pddMs : last.bucket;
        page = await t.backend.handlers.queryCalls({ offset: 0, limit: 2, filter, sort, after: { value, id: last.id } });
      }
      expect(walked, sort.key).toEqual(whole.rows.map((r) => r.id));
    }
  });
});

describe('the dashboard summary', () => {
  it('counts an end-to-end call once, like report does, with the verdict of the leg that failed first', async () => {
    const s = await t.backend.handlers.getSummary({});
    // 11 dialogs: five end-to-end calls of two legs and the unrelated 486.
    expect(rows.length).toBe(11);
    expect(s.attempts).toBe(6);
    expect(Object.fromEntries(s.byCause.map((c) => [c.cause, c.count]))).toMatchObject({ sip_503: 1, sip_486: 1 });
    expect(s.byCause.find((c) => c.cause === 'sip_480')).toBeUndefined();
  });
});

describe('re-classification', () => {
  it('keeps the links (facts do not change) and gives the end-to-end verdict from the legs\' new verdicts', async () => {
    const id = rowOf('sid-in@10.0.0.10').id;
    const before = await t.backend.handlers.getCallLegs({ id });
    expect(before.endToEnd?.cause).toBe('normal_clearing');
    const settings = await t.backend.handlers.getSettings();
    // A 40 s call is no longer a success when success needs 60 s: the caller hung up early.
    await t.backend.handlers.setSettings({ ...settings, successDurationS: 60 });
    try {
      const after = await t.backend.handlers.getCallLegs({ id });
      expect(after.links.map((l) => l.id)).toEqual(before.links.map((l) => l.id));
      expect(after.legs[0].cause).not.toBe('normal_clearing');
      expect(after.endToEnd?.cause).toBe(after.endToEnd?.fromLeg === after.legs[0].callId ? after.legs[0].cause : after.legs[1].cause);
      expect(after.endToEnd?.cause).not.toBe('normal_clearing');
    } finally {
      await t.backend.handlers.setSettings(settings);
    }
    expect((await t.backend.handlers.getCallLegs({ id })).endToEnd?.cause).toBe('normal_clearing');
  });
});

describe('undoing a heuristic link', () => {
  it('splits the call through the worker, announces it, counts both legs in the summary, and is kept across a re-import; redo joins them again', async () => {
    const inRow = rowOf('heur-in@10.0.0.10');
    const [link] = (await t.backend.handlers.getCallLegs({ id: inRow.id })).links;
    expect(link.method).toBe('heuristic');
    const undone = await t.backend.handlers.setLegLinkUndone({ linkId: link.id, undone: true });
    expect(undone.undoneAt).toBeGreaterThan(0);
    expect(t.events.some((e) => e.name === 'libraryChanged' && e.payload.reason === 'links')).toBe(true);
    const split = await t.backend.handlers.getCallLegs({ id: inRow.id });
    expect(split.legs.length).toBe(1);
    expect(split.undone.map((l) => l.id)).toEqual([link.id]);
    expect((await t.backend.handlers.getSummary({})).attempts).toBe(7);
    expect((await t.backend.handlers.queryCalls({ offset: 0, limit: 1000, filter: { groupLegs: true } })).total).toBe(7);

    // Remove the capture and import it again: new rows, the undo still holds.
    const src = (await t.backend.handlers.listSources()).find((s) => s.name === 'legs_heuristic.pcap')!;
    expect(await t.backend.handlers.removeSource({ id: src.id })).toEqual({ removed: true });
    await t.backend.handlers.importPaths({ paths: [join(LEGS, 'legs_heuristic.pcap')] });
    await t.backend.imports.idle();
    rows = (await t.backend.handlers.queryCalls({ offset: 0, limit: 1000 })).rows;
    const again = await t.backend.handlers.getCallLegs({ id: rowOf('heur-in@10.0.0.10').id });
    expect(rowOf('heur-in@10.0.0.10').id).not.toBe(inRow.id);
    expect(again.legs.length).toBe(1);
    expect(again.undone).toMatchObject([{ method: 'heuristic', fromCallId: 'heur-in@10.0.0.10', toCallId: 'heur-out@10.0.0.1' }]);
    expect((await t.backend.handlers.getSummary({})).attempts).toBe(7);

    await t.backend.handlers.setLegLinkUndone({ linkId: again.undone[0].id, undone: false });
    expect((await t.backend.handlers.getCallLegs({ id: rowOf('heur-in@10.0.0.10').id })).legs.length).toBe(2);
    expect((await t.backend.handlers.getSummary({})).attempts).toBe(6);
  });

  it('refuses to undo a link that is not heuristic', async () => {
    const [link] = (await t.backend.handlers.getCallLegs({ id: rowOf('sid-in@10.0.0.10').id })).links;
    expect(await invokeHandler(t.backend.handlers, 'setLegLinkUndone', { linkId: link.id, undone: true })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect((await t.backend.handlers.getCallLegs({ id: rowOf('sid-in@10.0.0.10').id })).legs.length).toBe(2);
  });
});

describe('a library indexed before leg links were stored (migration 10)', () => {
  it('gets its links from the worker in the background when the app opens it, and says so', async () => {
    const tmp = tempDir();
    try {
      const path = join(tmp.dir, 'library.db');
      const before = openIndex(path);
      await importCapture(before, join(LEGS, 'legs_x_call_id.pcap'));
      before.close();
      const old = new Database(path);
      // Back to before the leg links' migration: its tables go, and those of the one after it.
      old.exec('DROP TABLE leg_links; DROP TABLE leg_link_undo; DROP TABLE summary_sources;');
    expect(LATEST_VERSION).toBe(SOURCE_COUNTS_MIGRATION);
    expect(SOURCE_COUNTS_MIGRATION).toBe(LEG_LINKS_MIGRATION + 1);
    old.pragma(`user_version = ${LEG_LINKS_MIGRATION - 1}`);
      old.close();
      const b = await startBackend({ dir: tmp.dir });
      try {
        await b.backend.imports.idle();
        expect(b.events.some((e) => e.name === 'libraryChanged' && e.payload.reason === 'links')).toBe(true);
        const all = (await b.backend.handlers.queryCalls({ offset: 0, limit: 10 })).rows;
        const legs = await b.backend.handlers.getCallLegs({ id: all.find((r) => r.callId === 'xcid-in@10.0.0.10')!.id });
        expect(legs.links).toMatchObject([{ method: 'call_id_header', fromCallId: 'xcid-in@10.0.0.10', toCallId: 'xcid-out@10.0.0.1' }]);
      } finally {
        await b.cleanup();
      }
    } finally {
      tmp.cleanup();
    }
  });
});
