// Draws the decision tree of decision_tree.ts (diagnosis.md §3) as a Mermaid flowchart: for
// the README now and the UI later, with the path one call took highlighted. Generated from
// the same array the classifier walks, so the picture is the code.

import type { DecisionRule, RuleOutcome } from './decision_tree.ts';
import { DECISION_TREE } from './decision_tree.ts';

export const README_START_MARKER = '<!-- decision-tree:start -->';
export const README_END_MARKER = '<!-- decision-tree:end -->';

/** Catch-all rules end a branch: drawn as a plain step, not a yes/no question. */
function isCatchAll(rule: DecisionRule, i: number, rules: readonly DecisionRule[]): boolean {
  return rules[i + 1]?.branch !== rule.branch;
}

function label(text: string): string {
  // Mermaid quoted labels: a double quote ends the label, '<'/'>' read as HTML.
  return `"${text.replace(/"/g, '#quot;').replace(/</g, '#lt;').replace(/>/g, '#gt;')}"`;
}

function outcomeText(o: RuleOutcome): string {
  const cause = o.cause === 'sip_<code>' ? 'sip_CODE' : o.cause;
  return o.bucket === null ? `not classifiable · ${cause}` : `bucket ${o.bucket} · ${cause}`;
}

function outcomeClass(o: RuleOutcome): string {
  if (o.bucket === null) return 'open';
  return o.bucket >= 4 ? 'problem' : 'fine';
}

/**
 * The flowchart. `highlightPath` is a verdict's `path` (rule ids tried in order): those rules,
 * the edges between them and the outcome of the last one are drawn bold.
 */
export function decisionTreeMermaid(highlightPath: readonly string[] = []): string {
  const rules = DECISION_TREE;
  const lines: string[] = ['flowchart TD'];
  const edges: Array<[from: string, to: string]> = [];
  const edge = (from: string, to: string, text?: string): void => {
    lines.push(`  ${from} -->${text ? `|${text}|` : ''} ${to}`);
    edges.push([from, to]);
  };

  lines.push(`  callEnd([${label('Call ends (or the capture does)')}])`);
  lines.push(`  answered{${label('Answered? (2xx to the initial INVITE)')}}`);
  edge('callEnd', 'answered');
  for (const branch of ['not_answered', 'answered'] as const) {
    const first = rules.find((r) => r.branch === branch);
    if (first) edge('answered', first.id, branch === 'answered' ? 'yes' : 'no');
  }
  rules.forEach((r, i) => {
    const out = `${r.id}_out`;
    const catchAll = isCatchAll(r, i, rules);
    lines.push(catchAll ? `  ${r.id}[${label(r.question)}]` : `  ${r.id}{${label(r.question)}}`);
    lines.push(`  ${out}[${label(outcomeText(r.outcome))}]:::${outcomeClass(r.outcome)}`);
    edge(r.id, out, catchAll ? undefined : 'yes');
    if (!catchAll) edge(r.id, rules[i + 1].id, 'no');
  });
  lines.push('  classDef problem fill:#fde2e1,stroke:#c0392b,color:#000');
  lines.push('  classDef fine fill:#e3f4e1,stroke:#2e7d32,color:#000');
  lines.push('  classDef open fill:#eeeeee,stroke:#777777,color:#000');

  if (highlightPath.length > 0) {
    const last = highlightPath[highlightPath.length - 1];
    const nodes = ['callEnd', 'answered', ...highlightPath, `${last}_out`];
    const seq = new Set<string>();
    for (let i = 0; i + 1 < nodes.length; i++) seq.add(`${nodes[i]}>${nodes[i + 1]}`);
    const taken = edges.map(([a, b], i) => (seq.has(`${a}>${b}`) ? i : -1)).filter((i) => i >= 0);
    lines.push('  classDef taken stroke:#1565c0,stroke-width:3px');
    lines.push(`  class ${nodes.join(',')} taken`);
    if (taken.length > 0) lines.push(`  linkStyle ${taken.join(',')} stroke:#1565c0,stroke-width:3px`);
  }
  return lines.join('\n');
}

/** The README block between the decision-tree markers: a fenced Mermaid chart without highlight. */
export function decisionTreeReadmeBlock(): string {
  return ['```mermaid', decisionTreeMermaid(), '```'].join('\n');
}
