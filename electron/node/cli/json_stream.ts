// `JSON.stringify(value, null, 2)` of a document whose first member is a long array, written
// piece by piece: the array's items are stringified one at a time as they are produced, so a
// document of 100 000 calls is never one string (V8 caps a string near 512 MB; such a document
// comes close) nor one array of calls in memory. The bytes are those of JSON.stringify: a
// value nested n levels down is its own JSON.stringify(v, null, 2) with every line break
// followed by 2n more spaces (JSON strings hold no raw line break: they escape it).

/** Text is handed to `write` in pieces of about this many characters. */
const PIECE_CHARS = 1 << 20;

/**
 * Writes JSON.stringify({ [key]: [...items], ...rest }, null, 2). `rest` keeps its key order;
 * its members whose JSON is undefined (undefined, functions) are left out, as JSON.stringify
 * leaves them out.
 */
export function writeJsonWithArray(write: (text: string) => void, key: string, items: Iterable<unknown>, rest: Readonly<Record<string, unknown>>): void {
  let pending = '';
  const put = (text: string): void => {
    pending += text;
    if (pending.length >= PIECE_CHARS) {
      write(pending);
      pending = '';
    }
  };
  put(`{\n  ${JSON.stringify(key)}: [`);
  let first = true;
  for (const item of items) {
    // In an array, what has no JSON is written null.
    const json = JSON.stringify(item, null, 2) ?? 'null';
    put(`${first ? '' : ','}\n    ${json.replace(/\n/g, '\n    ')}`);
    first = false;
  }
  put(first ? ']' : '\n  ]');
  for (const [k, v] of Object.entries(rest)) {
    const json = JSON.stringify(v, null, 2);
    if (json !== undefined) put(`,\n  ${JSON.stringify(k)}: ${json.replace(/\n/g, '\n  ')}`);
  }
  put('\n}');
  if (pending) write(pending);
}
