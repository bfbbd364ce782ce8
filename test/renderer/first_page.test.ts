import { describe, expect, it } from 'vitest';
import type { CallQuery, CalltraceClient } from '../../shared/api/contract.ts';
import { prefetchFirstPage, takeFirstPage } from '../../renderer/lib/first_page.ts';

/** A client whose queryCalls answers are counted (the rest is never called here). */
function countingClient(): { client: CalltraceClient; asked: CallQuery[] } {
  const asked: CallQuery[] = [];
  const client = { queryCalls: (q: CallQuery) => (asked.push(q), Promise.resolve({ ok: true as const, value: { total: 7, rows: [] } })) } as unknown as CalltraceClient;
  return { client, asked };
}

const first: CallQuery = { filter: {}, sort: { key: 'startUs', descending: true }, offset: 0, limit: 200 };

describe('the first page asked for at start-up', () => {
  it('is handed once to the list when it asks for that same page, with no second request', async () => {
    const { client, asked } = countingClient();
    prefetchFirstPage(client, first);
    const answer = takeFirstPage({ ...first, filter: {}, sort: { key: 'startUs', descending: true } });
    expect(answer).not.toBeNull();
    expect(await answer).toEqual({ ok: true, value: { total: 7, rows: [] } });
    expect(asked).toHaveLength(1);
    // Taken: a later ask of the same page goes to the back end (the data may have changed).
    expect(takeFirstPage(first)).toBeNull();
  });

  it('is dropped when the list asks for anything else first (another sort, filter or page)', () => {
    const { client } = countingClient();
    for (const other of [{ ...first, sort: { key: 'durationMs' as const, descending: true } }, { ...first, filter: { buckets: [3] } }, { ...first, offset: 200 }]) {
      prefetchFirstPage(client, first);
      expect(takeFirstPage(other)).toBeNull();
      expect(takeFirstPage(first)).toBeNull();
    }
  });
});
