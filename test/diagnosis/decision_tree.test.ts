// The decision tree as data (diagnosis.md §3): well-formed, covering every cause key, drawn
// as Mermaid from the same array, and the README's copy of the drawing up to date.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CAUSE_BUCKETS, FIXED_CAUSE_KEYS } from '../../shared/diagnosis/buckets.ts';
import { classify } from '../../shared/diagnosis/classifier.ts';
import { DECISION_TREE } from '../../shared/diagnosis/decision_tree.ts';
import { decisionTreeMermaid, decisionTreeReadmeBlock, README_END_MARKER, README_START_MARKER } from '../../shared/diagnosis/decision_tree_mermaid.ts';
import { REPO_ROOT } from '../support/oracle.ts';
import { answeredCall } from './facts_builder.ts';

describe('decision tree data', () => {
  it('has unique ids, the §3 order, and a catch-all at the end of each branch', () => {
    const ids = DECISION_TREE.map((r) => r.id);
    expect(ids).toEqual(['R1', 'R2', 'R3', 'R4', 'R4b', 'R5', 'R6', 'R6b', 'R7', 'R8', 'R9', 'R10', 'R11', 'R12', 'R13', 'R14', 'R14b', 'R15', 'R15c', 'R15b']);
    expect(DECISION_TREE.filter((r) => r.branch === 'not_answered').map((r) => r.id)).toEqual(['R1', 'R2', 'R3', 'R4', 'R4b']);
  });

  it('each outcome agrees with the bucket of its cause, and every cause key of §2 is an outcome', () => {
    for (const r of DECISION_TREE) {
      if (r.outcome.cause === 'sip_<code>') expect(r.outcome.bucket).toBe(5);
      else expect(r.outcome.bucket, r.id).toBe(CAUSE_BUCKETS[r.outcome.cause as keyof typeof CAUSE_BUCKETS]);
    }
    const outcomes = new Set(DECISION_TREE.map((r) => r.outcome.cause));
    for (const key of FIXED_CAUSE_KEYS) expect(outcomes.has(key), key).toBe(true);
    expect(outcomes.has('sip_<code>')).toBe(true);
  });
});

describe('Mermaid drawing', () => {
  it('draws every rule with its question and outcome', () => {
    const m = decisionTreeMermaid();
    expect(m.startsWith('flowchart TD\n')).toBe(true);
    for (const r of DECISION_TREE) expect(m).toContain(`  ${r.id}`);
    expect(m).toContain('R1_out["bucket 2 · cancel_487"]:::fine');
    expect(m).toContain('R3_out["bucket 5 · sip_CODE"]:::problem');
    expect(m).toContain('R6b_out["not classifiable · capture_ended"]:::open');
    expect(m).toContain('R9 -->|no| R10');
    expect(m).not.toMatch(/linkStyle|class .* taken/);
  });

  it('highlights the path a call took', () => {
    const v = classify(answeredCall({ talkMs: 7500, callee: { silenceMs: 6000 } }));
    const m = decisionTreeMermaid(v.path);
    expect(m).toContain('  class callEnd,answered,R5,R6,R6b,R7,R8,R9,R10,R10_out taken');
    const links = /linkStyle ([\d,]+) /.exec(m)![1].split(',').map(Number);
    // callEnd→answered, answered→R5, R5→R6 … R9→R10 (6 edges), R10→outcome.
    expect(links).toHaveLength(9);
  });

  it('the README block between the decision-tree markers is the generated one (regenerate: npx tsx test/diagnosis/print_decision_tree.ts)', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf(README_START_MARKER);
    const end = readme.indexOf(README_END_MARKER);
    expect(start, `README.md has no ${README_START_MARKER} … ${README_END_MARKER} block yet: paste the output of print_decision_tree.ts`).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    const block = readme.slice(start + README_START_MARKER.length, end).trim();
    expect(block, 'README decision tree is stale: paste the output of npx tsx test/diagnosis/print_decision_tree.ts').toBe(decisionTreeReadmeBlock());
  });
});
