// Corpus agreement: for every capture whose oracle lists RTP streams, our analyzer must
// reproduce tshark 4.0.17's `-z rtp,streams` row: packets and lost exactly; min/mean/max
// delta and jitter within 0.01 ms (plus tshark's 3-decimal rounding); the Problems flag.
// The RTP packets come from tshark itself (-T fields), so this checks the analyzer alone,
// independent of our capture readers and trackers.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareCapture, differences } from './corpus_compare.ts';
import { CORPUS_DIR, corpusAvailable, parseOracleStreams, readOracle, tsharkVersion } from './tshark_rtp.ts';

/**
 * Streams where a difference is irreducible, keyed "file stream-key", with the reason.
 * Empty: all 68 corpus streams agree. An entry that stops differing fails the test, so
 * the list cannot go stale.
 */
const EXCEPTIONS: Record<string, string> = {};

const TOLERANCE_MS = 0.01;

const version = tsharkVersion();
const haveCorpus = corpusAvailable();

if (!haveCorpus || version === null) {
  const why = !haveCorpus ? `corpus not found at ${CORPUS_DIR}` : 'tshark not found on PATH';
  console.warn(`\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n` +
    `!!! RTP CORPUS AGREEMENT NOT RUN: ${why}.\n` +
    `!!! Our RTP numbers are NOT being checked against tshark in this run.\n` +
    `!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n`);
  describe('RTP corpus agreement with tshark', () => {
    it.skip(`SKIPPED — RTP agreement with tshark NOT VERIFIED (${why})`, () => {});
  });
} else {
  if (!version.includes(' 4.0.')) {
    console.warn(`RTP corpus agreement: oracle files come from tshark 4.0.17, local is "${version}"; ` +
      'only the packet extraction uses the local tshark.');
  }
  const files = readdirSync(join(CORPUS_DIR, 'pcap'))
    .filter((f) => parseOracleStreams(readOracle(f)).length > 0)
    .sort();

  describe('RTP corpus agreement with tshark -z rtp,streams', () => {
    const seen = new Set<string>();
    let compared = 0;

    it('finds the captures with RTP streams in the oracle', () => {
      expect(files.length).toBeGreaterThanOrEqual(30);
    });

    for (const file of files) {
      it(file, () => {
        const pairs = compareCapture(file);
        expect(pairs.length).toBe(parseOracleStreams(readOracle(file)).length);
        const failures: string[] = [];
        for (const p of pairs) {
          const id = `${file} ${p.key}`;
          compared++;
          const d = differences(p, TOLERANCE_MS);
          if (id in EXCEPTIONS) {
            seen.add(id);
            if (d.length === 0) failures.push(`${id}: listed as exception (${EXCEPTIONS[id]}) but now agrees — remove it`);
            continue;
          }
          if (d.length > 0) failures.push(`${id}: ${d.join('; ')}`);
        }
        expect(failures).toEqual([]);
      });
    }

    it('compared every stream and every listed exception exists', () => {
      expect(compared).toBeGreaterThanOrEqual(68);
      expect(Object.keys(EXCEPTIONS).filter((k) => !seen.has(k))).toEqual([]);
    });
  });
}
