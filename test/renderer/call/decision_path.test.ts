import { describe, expect, it } from 'vitest';
import type { DecisionRuleInfo } from '../../../shared/api/contract.ts';
import { DECISION_TREE } from '../../../shared/diagnosis/decision_tree.ts';
import { decisionTreeView, outcomeLabel } from '../../../renderer/features/call/decision_path.ts';

// The same list getDecisionTree() returns: built from the classifier's own data.
const rules: DecisionRuleInfo[] = DECISION_TREE.map((r) => ({ id: r.id, branch: r.branch, question: r.question, bucket: r.outcome.bucket, cause: r.outcome.cause }));

describe('decisionTreeView', () => {
  it('marks the path tried, the last rule matched and the other branch untaken', () => {
    const v = decisionTreeView(rules, ['R5', 'R6', 'R6b', 'R7', 'R8', 'R9', 'R10']);
    expect(v.branch).toBe('answered');
    const answered = v.branches.find((b) => b.branch === 'answered')!;
    const status = Object.fromEntries(answered.rules.map((r) => [r.id, r.status]));
    expect(status.R5).toBe('tried');
    expect(status.R10).toBe('matched');
    expect(status.R11).toBe('not_reached');
    expect(answered.rules.find((r) => r.id === 'R10')!.step).toBe(7);
    const notAnswered = v.branches.find((b) => b.branch === 'not_answered')!;
    expect(notAnswered.rules.every((r) => r.status === 'other_branch')).toBe(true);
    expect(v.unknown).toEqual([]);
  });
  it('shows a path with nothing tried as not reached, and reports unknown ids', () => {
    const v = decisionTreeView(rules, []);
    expect(v.branch).toBeNull();
    expect(v.branches.flatMap((b) => b.rules).every((r) => r.status === 'not_reached')).toBe(true);
    expect(decisionTreeView(rules, ['R1', 'R99']).unknown).toEqual(['R99']);
  });
  it('labels outcomes', () => {
    expect(outcomeLabel({ bucket: 4, cause: 'rtp_timeout_oneway' })).toBe('bucket 4 · rtp_timeout_oneway');
    expect(outcomeLabel({ bucket: null, cause: 'capture_ended' })).toBe('capture_ended');
  });
});
