// Found by `npm run fuzz -- --seconds 600 --seed 20261205` (input 17061): a bit-flipped pcapng
// whose Interface Statistics Block counted more dropped packets than a double holds exactly.
// The count reached sources.capture_drops as a float and SQLite's STRICT INTEGER column
// refused it, so importFile threw and the whole capture was lost. A counter past 2^53 is not
// a real count: it is read as unknown, with a warning, and the call in the file is kept.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importFile } from '../../electron/node/ingest/import_file.ts';
import { openIndex } from '../../electron/node/store/index_store.ts';
import { hugeDropCountCapture } from '../support/hostile_inputs.ts';

const tmp = mkdtempSync(join(tmpdir(), 'calltrace-hugecount-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('an ISB drop counter past 2^53', () => {
  it('is read as unknown with a warning; the import succeeds and keeps the call', async () => {
    const file = join(tmp, 'huge_drops.pcapng');
    writeFileSync(file, hugeDropCountCapture());
    const store = openIndex(':memory:');
    try {
      const o = await importFile(store, file);
      expect(o.error).toBeNull();
      expect(o.status).toBe('ok');
      expect(o.warnings.map((w) => w.key)).toContain('capture.bad_counter');
      const src = store.getSource(o.sourceId!)!;
      expect(src.captureDrops).toBeNull();
      expect(store.listCalls({ sourceId: o.sourceId!, limit: 10 }).map((c) => c.callId)).toEqual(['huge-drops@test']);
    } finally {
      store.close();
    }
  });
});
