// Prints the README block of the decision tree (diagnosis.md §3), markers included, to paste
// into README.md:  npx tsx test/diagnosis/print_decision_tree.ts
// decision_tree.test.ts checks the README still matches it.

import { decisionTreeReadmeBlock, README_END_MARKER, README_START_MARKER } from '../../shared/diagnosis/decision_tree_mermaid.ts';

console.log([README_START_MARKER, decisionTreeReadmeBlock(), README_END_MARKER].join('\n'));
