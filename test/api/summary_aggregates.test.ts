// Issue 13: the unfiltered dashboard summary is read from counts kept in the index
// (kept_counts.ts); it must equal summarize() over every call — after the import of the fixture
// captures, after re-classification with other settings (own addresses move the peers), and
// after a source is removed. The reference is the same handler asked with a filter that keeps
// every call (so it is added up call by call).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend, waitForEvent, type TestBackend } from './support.ts';

let t: TestBackend;
beforeAll(async () => {
  t = await startBackend({ importFixtures: true });
}, 120_000);
afterAll(async () => {
  await t.cleanup();
});

const everyCall = { filter: { fromUs: -Number.MAX_VALUE } };

describe('summary from kept counts', () => {
  it('equals the summary added up call by call: after import, re-classification and removal', async () => {
    const h = t.backend.handlers;
    const kept = await h.getSummary({});
    expect(kept.attempts).toBeGreaterThan(20);
    expect(kept.byPeer.length).toBeGreaterThan(1);
    expect(kept.pddMs.count).toBeGreaterThan(0);
    expect(kept).toEqual(await h.getSummary(everyCall));

    const before = await h.getSettings();
    const n = t.events.length;
    await h.setSettings({ ...before, successDurationS: 100_000, alertThresholdPct: 0.1, ownAddresses: ['10.0.0.0/8', '127.0.0.0/8', '192.168.0.0/16'] });
    await waitForEvent(t.events.slice(n), (e) => e.name === 'libraryChanged' && e.payload.reason === 'settings');
    const reclassified = await h.getSummary({});
    expect(reclassified).not.toEqual(kept);
    expect(reclassified).toEqual(await h.getSummary(everyCall));

    const sources = await h.listSources();
    const biggest = [...sources].sort((a, b) => b.calls - a.calls)[0];
    expect(biggest.calls).toBeGreaterThan(0);
    const m = t.events.length;
    expect(await h.removeSource({ id: biggest.id })).toEqual({ removed: true });
    await waitForEvent(t.events.slice(m), (e) => e.name === 'libraryChanged');
    const removed = await h.getSummary({});
    expect(removed.attempts).toBeLessThan(reclassified.attempts);
    expect(removed).toEqual(await h.getSummary(everyCall));
  }, 120_000);
});
