// The decision tree with this call's path: drawn from getDecisionTree() as two vertical flows
// (not answered / answered), each rule marked matched, tried, not reached, or in the branch
// the call never entered. No Mermaid runtime: the app stays offline and library-free.

import { useMemo } from 'react';
import type { DecisionRuleInfo } from '../../../shared/api/contract.ts';
import { decisionTreeView, outcomeLabel, type RuleStatus } from './decision_path.ts';

const STATUS_TEXT: Record<RuleStatus, string> = {
  matched: 'matched',
  tried: 'tried: no',
  not_reached: 'not reached',
  other_branch: '',
};

export function DecisionTreeView({ rules, path }: { rules: readonly DecisionRuleInfo[]; path: readonly string[] }) {
  const view = useMemo(() => decisionTreeView(rules, path), [rules, path]);
  return (
    <div className="cv-tree" data-testid="decision-tree">
      <div className="cv-tree-root">
        Call ends → <strong>answered?</strong>
        {view.branch && <span className="cv-muted"> {view.branch === 'answered' ? 'yes' : 'no'}</span>}
      </div>
      <div className="cv-tree-branches">
        {view.branches.map((b) => (
          <div key={b.branch} className={`cv-tree-branch${view.branch === b.branch ? ' cv-taken' : view.branch ? ' cv-not-taken' : ''}`}>
            <div className="cv-tree-branch-title">{b.title}</div>
            <ol>
              {b.rules.map((r) => (
                <li key={r.id} className={`cv-rule cv-rule-${r.status}`} data-rule={r.id} data-status={r.status}>
                  <span className="cv-rule-id">{r.id}</span>
                  <span className="cv-rule-q">{r.question}</span>
                  <span className="cv-rule-out">
                    → {outcomeLabel(r)}
                    {STATUS_TEXT[r.status] && <em> · {r.step !== null ? `step ${r.step}, ` : ''}{STATUS_TEXT[r.status]}</em>}
                  </span>
                </li>
              ))}
            </ol>
          </div>
        ))}
      </div>
      {view.unknown.length > 0 && <p className="cv-muted cv-small">Path steps this view does not know: {view.unknown.join(', ')}.</p>}
    </div>
  );
}
