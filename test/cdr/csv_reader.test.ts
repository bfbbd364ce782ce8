// RFC 4180 reader: quoting, line endings, chunking, resync after an unterminated quote, caps.

import { describe, expect, it } from 'vitest';
import { CsvReader, readCsv, type CsvItem } from '../../shared/cdr/csv_reader.ts';

const rows = (items: CsvItem[]): string[][] => items.filter((i) => i.kind === 'row').map((i) => (i.kind === 'row' ? i.fields : []));
const problems = (items: CsvItem[]) => items.filter((i) => i.kind === 'problem');

function chunked(text: string, size: number): CsvItem[] {
  const r = new CsvReader();
  const out: CsvItem[] = [];
  for (let i = 0; i < text.length; i += size) out.push(...r.push(text.slice(i, i + size)));
  out.push(...r.end());
  return out;
}

describe('CsvReader', () => {
  it('reads quotes, escaped quotes, embedded delimiters and newlines', () => {
    const text = 'a,"b,c","say ""hi""","multi\nline"\r\nx,,"",z\n';
    expect(rows(readCsv(text))).toEqual([
      ['a', 'b,c', 'say "hi"', 'multi\nline'],
      ['x', '', '', 'z'],
    ]);
    const items = readCsv(text);
    expect(items.map((i) => i.line)).toEqual([1, 3]);
  });

  it('handles BOM, CRLF, lone CR, blank lines and a missing trailing newline', () => {
    expect(rows(readCsv('\uFEFFh1,h2\r\n\r\n1,2\r3,4'))).toEqual([
      ['h1', 'h2'],
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  it('gives the same rows whatever the chunk size (CRLF split across chunks)', () => {
    const text = '\uFEFF"a","b\r\nc"\r\n1,2\r\n"x""y",3\r\n';
    const whole = readCsv(text);
    for (const size of [1, 2, 3, 5, 7, 64]) expect(chunked(text, size)).toEqual(whole);
    expect(rows(whole)).toEqual([['a', 'b\r\nc'], ['1', '2'], ['x"y', '3']]);
  });

  it('is lenient with stray quotes', () => {
    expect(rows(readCsv('ab"c,"de"fg,h\n'))).toEqual([['ab"c', 'defg', 'h']]);
  });

  it('reports an unterminated quote with its line and keeps the following good rows', () => {
    const text = 'ok,1\nbad,"never closed\nnext,2\nlast,3\n';
    const items = readCsv(text);
    expect(problems(items)).toEqual([{ kind: 'problem', line: 2, message: expect.stringContaining('unterminated quoted field (opened on line 2') }]);
    expect(rows(items)).toEqual([['ok', '1'], ['next', '2'], ['last', '3']]);
    expect(items.filter((i) => i.kind === 'row').map((i) => i.line)).toEqual([1, 3, 4]);
  });

  it('resyncs when a quoted field spans too many lines, also when chunked', () => {
    const lines = ['h,"open'];
    for (let i = 0; i < 150; i++) lines.push(`r${i},${i}`);
    const text = `${lines.join('\n')}\n`;
    const whole = readCsv(text, { maxQuotedLines: 100 });
    expect(problems(whole)).toHaveLength(1);
    expect(problems(whole)[0].line).toBe(1);
    expect(rows(whole)).toHaveLength(150);
    const r = new CsvReader({ maxQuotedLines: 100 });
    const out: CsvItem[] = [];
    for (let i = 0; i < text.length; i += 10) out.push(...r.push(text.slice(i, i + 10)));
    out.push(...r.end());
    expect(out).toEqual(whole);
  });

  it('skips an over-long row and reads on', () => {
    const text = `a,b\n${'x'.repeat(5000)}\nc,d\n`;
    const items = readCsv(text, { maxRowChars: 1000 });
    expect(problems(items)).toEqual([{ kind: 'problem', line: 2, message: expect.stringContaining('row longer than 1000') }]);
    expect(rows(items)).toEqual([['a', 'b'], ['c', 'd']]);
  });

  it('uses another delimiter when asked', () => {
    expect(rows(readCsv('a|b|"c|d"\n', { delimiter: '|' }))).toEqual([['a', 'b', 'c|d']]);
  });
});
