// The decision tree of diagnosis.md §3 as this call walked it: rules in verdict.path were
// tried in order and the last one matched; the other branch was never entered. Drawn from
// getDecisionTree() (the same data the classifier walks), not from Mermaid text.

import type { DecisionRuleInfo } from '../../../shared/api/contract.ts';

export type RuleStatus = 'matched' | 'tried' | 'not_reached' | 'other_branch';

export interface RuleView extends DecisionRuleInfo {
  status: RuleStatus;
  /** 1-based position in the path, null when not tried. */
  step: number | null;
}

export interface DecisionTreeView {
  /** The branch the path went down, null when there is no path (no verdict). */
  branch: DecisionRuleInfo['branch'] | null;
  branches: Array<{ branch: DecisionRuleInfo['branch']; title: string; rules: RuleView[] }>;
  /** Path ids the tree does not know (a newer classifier than this UI): shown, not hidden. */
  unknown: string[];
}

const TITLES: Record<DecisionRuleInfo['branch'], string> = {
  not_answered: 'Not answered',
  answered: 'Answered',
};

export function decisionTreeView(rules: readonly DecisionRuleInfo[], path: readonly string[]): DecisionTreeView {
  const step = new Map<string, number>();
  path.forEach((id, i) => step.set(id, i + 1));
  const last = path.length > 0 ? path[path.length - 1] : null;
  const known = new Set(rules.map((r) => r.id));
  const taken = rules.find((r) => r.id === last)?.branch ?? rules.find((r) => step.has(r.id))?.branch ?? null;
  const branches = (['not_answered', 'answered'] as const).map((b) => ({
    branch: b,
    title: TITLES[b],
    rules: rules
      .filter((r) => r.branch === b)
      .map((r): RuleView => {
        const s = step.get(r.id) ?? null;
        const status: RuleStatus = r.id === last ? 'matched' : s !== null ? 'tried' : taken !== null && b !== taken ? 'other_branch' : 'not_reached';
        return { ...r, status, step: s };
      }),
  }));
  return { branch: taken, branches, unknown: path.filter((id) => !known.has(id)) };
}

/** 'bucket 4 · rtp_timeout_oneway', or the cause alone for the not-classifiable outcomes. */
export function outcomeLabel(r: Pick<DecisionRuleInfo, 'bucket' | 'cause'>): string {
  return r.bucket === null ? r.cause : `bucket ${r.bucket} · ${r.cause}`;
}
