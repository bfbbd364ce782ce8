// RFC 4180 CSV reader for CDR exports: text chunks in, rows (or row problems) out.
//
// RFC 4180 §2: fields are separated by commas, records by CRLF; a field may be enclosed in
// double quotes, and then may contain commas, line breaks and quotes (a quote written as
// two quotes). Real exports bend the rules, so the reader is lenient where that loses
// nothing and reports where it would:
//   - LF, CRLF and lone CR all end a record (Excel on a Mac, old Asterisk builds).
//   - A UTF-8 byte order mark at the start of the stream is dropped (Excel "CSV UTF-8").
//   - The last record needs no line break.
//   - Blank lines are skipped: they are neither rows nor problems.
//   - A quote inside an unquoted field is kept as a literal character; text after a closing
//     quote (`"ab"cd`) is appended to the field, as Python's csv module does.
//   - A quoted field that is never closed is a RowProblem for the row it starts, reported
//     with the line number, and reading resumes on the line after the one where the quote
//     opened (asterisk/testsuite cdrlib/buggy.csv is such a row). The text between that
//     line and the point where the reader noticed is re-read in "strict" mode, where a line
//     break inside quotes ends the row as another unterminated-quote problem, so every
//     character is scanned a bounded number of times: no quadratic blow-up on a file full
//     of stray quotes.
//   - A quoted field is "never closed" when the input ends inside it, or when it spans more
//     than maxQuotedLines lines or the row grows past maxRowChars. Those caps keep memory
//     bounded whatever the input: the reader holds at most one row of text.
//   - An unquoted row longer than maxRowChars (a 10 MB line of junk) is reported once and
//     skipped up to the next line break without being kept.
//
// Pure and synchronous: the caller does the I/O (decoding bytes to text included).

export interface CsvReaderOptions {
  /** Field separator, one character; ',' by default (RFC 4180). */
  delimiter?: string;
  /** Longest field kept, in UTF-16 units; a longer field makes its row a problem. */
  maxFieldChars?: number;
  /** Longest row kept, in UTF-16 units, line breaks inside quotes included. */
  maxRowChars?: number;
  /** Line breaks allowed inside one quoted field before it counts as never closed. */
  maxQuotedLines?: number;
  /** Most fields in one row; more makes the row a problem. */
  maxFields?: number;
}

export type CsvItem =
  | { kind: 'row'; line: number; fields: string[] }
  | { kind: 'problem'; line: number; message: string };

export const CSV_DEFAULTS = {
  maxFieldChars: 64 * 1024,
  maxRowChars: 1024 * 1024,
  maxQuotedLines: 100,
  maxFields: 4096,
} as const;

const QUOTE = 34; // "
const CR = 13;
const LF = 10;

const enum St {
  FieldStart,
  Unquoted,
  Quoted,
  /** Saw a quote inside a quoted field: `""` (escaped) or the closing quote. */
  QuoteInQuoted,
  /** Text after a closing quote, before the delimiter (lenient). */
  AfterClose,
}

export class CsvReader {
  private readonly delim: number;
  private readonly maxFieldChars: number;
  private readonly maxRowChars: number;
  private readonly maxQuotedLines: number;
  private readonly maxFields: number;

  /** Text not yet consumed; index 0 is at or before the start of the current row. */
  private buf = '';
  private pos = 0;
  /** Held back: a chunk ending in CR may be the first half of a CRLF. */
  private carry = '';
  private started = false;

  private state: St = St.FieldStart;
  private fields: string[] = [];
  private field = '';
  private segStart = 0;
  private rowStart = 0;
  private rowLine = 1;
  private line = 1;
  private quoteOpenPos = 0;
  private quoteOpenLine = 1;
  private quotedLines = 0;
  /** Until this index of buf, a line break inside quotes ends the row (after a resync). */
  private strictUntil = -1;
  /** Discarding an over-long row up to the next line break. */
  private skipping = false;

  constructor(opts: CsvReaderOptions = {}) {
    const d = opts.delimiter ?? ',';
    this.delim = d.length === 1 ? d.charCodeAt(0) : 44;
    this.maxFieldChars = opts.maxFieldChars ?? CSV_DEFAULTS.maxFieldChars;
    this.maxRowChars = opts.maxRowChars ?? CSV_DEFAULTS.maxRowChars;
    this.maxQuotedLines = opts.maxQuotedLines ?? CSV_DEFAULTS.maxQuotedLines;
    this.maxFields = opts.maxFields ?? CSV_DEFAULTS.maxFields;
  }

  /** Feed the next piece of text; returns the rows and problems it completed. */
  push(chunk: string): CsvItem[] {
    let text = this.carry + chunk;
    this.carry = '';
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (text.length > 0 && text.charCodeAt(text.length - 1) === CR) {
      this.carry = '\r';
      text = text.slice(0, -1);
    }
    const out: CsvItem[] = [];
    this.buf += text;
    this.run(false, out);
    this.compact();
    return out;
  }

  /** End of input: flushes the last row (no trailing newline needed). */
  end(): CsvItem[] {
    const out: CsvItem[] = [];
    if (this.carry) {
      this.buf += this.carry;
      this.carry = '';
    }
    this.run(true, out);
    // The input ended inside a row: close it.
    if (!this.skipping) {
      switch (this.state) {
        case St.FieldStart:
          if (this.fields.length > 0) {
            this.fields.push('');
            this.emitRow(out);
          }
          break;
        case St.Unquoted:
        case St.AfterClose:
          this.finishField(this.buf.length, out);
          this.emitRow(out);
          break;
        case St.QuoteInQuoted:
          this.fields.push(this.field);
          this.emitRow(out);
          break;
        case St.Quoted:
          // Unreachable: run(true) resolves an open quote at the end of input.
          break;
      }
    }
    this.buf = '';
    this.pos = 0;
    this.resetRow(0);
    this.skipping = false;
    return out;
  }

  private resetRow(at: number): void {
    this.state = St.FieldStart;
    this.fields = [];
    this.field = '';
    this.rowStart = at;
    this.segStart = at;
    this.rowLine = this.line;
  }

  private emitRow(out: CsvItem[]): void {
    if (this.state === St.FieldStart && this.fields.length === 0) return;
    if (this.fields.length > this.maxFields) {
      out.push({ kind: 'problem', line: this.rowLine, message: `row has more than ${this.maxFields} fields` });
    } else {
      let long = -1;
      for (let i = 0; i < this.fields.length; i++) {
        if (this.fields[i].length > this.maxFieldChars) {
          long = i;
          break;
        }
      }
      if (long >= 0) {
        out.push({ kind: 'problem', line: this.rowLine, message: `field ${long + 1} is longer than ${this.maxFieldChars} characters` });
      } else {
        out.push({ kind: 'row', line: this.rowLine, fields: this.fields });
      }
    }
    this.fields = [];
  }

  /** Ends an unquoted (or after-close) field at index end. */
  private finishField(end: number, out: CsvItem[]): void {
    const value = this.state === St.AfterClose ? this.field + this.buf.slice(this.segStart, end) : this.buf.slice(this.segStart, end);
    this.fields.push(value);
    this.field = '';
    this.checkFieldCount(out);
  }

  /** Keeps memory bounded on a line of delimiters: report now and skip the rest of the line. */
  private checkFieldCount(out: CsvItem[]): void {
    if (this.fields.length > this.maxFields && !this.skipping) {
      out.push({ kind: 'problem', line: this.rowLine, message: `row has more than ${this.maxFields} fields, skipped` });
      this.fields = [];
      this.field = '';
      this.state = St.FieldStart;
      this.skipping = true;
    }
  }

  /** Length of the line break at i (1 or 2 for CRLF), 0 when none. */
  private breakLen(i: number): number {
    const c = this.buf.charCodeAt(i);
    if (c === LF) return 1;
    if (c === CR) return this.buf.charCodeAt(i + 1) === LF ? 2 : 1;
    return 0;
  }

  /** A quoted field was never closed: report its row, resume after the line the quote opened on. */
  private failQuote(reason: string, final: boolean, out: CsvItem[]): void {
    out.push({
      kind: 'problem',
      line: this.rowLine,
      message: `unterminated quoted field (opened on line ${this.quoteOpenLine}${reason})`,
    });
    const scannedTo = this.pos;
    let i = this.quoteOpenPos;
    let found = -1;
    while (i < scannedTo) {
      const c = this.buf.charCodeAt(i);
      if (c === LF || c === CR) {
        found = i;
        break;
      }
      i++;
    }
    if (found >= 0) {
      this.pos = found + this.breakLen(found);
      this.line = this.quoteOpenLine + 1;
      this.strictUntil = Math.max(this.strictUntil, scannedTo);
      this.resetRow(this.pos);
    } else {
      // No line break since the quote opened: drop everything up to the next one.
      this.line = this.quoteOpenLine;
      this.resetRow(this.pos);
      this.skipping = !final;
      if (final) this.pos = this.buf.length;
    }
  }

  private run(final: boolean, out: CsvItem[]): void {
    const delim = this.delim;
    while (this.pos < this.buf.length) {
      const n = this.buf.length;
      if (this.skipping) {
        let i = this.pos;
        while (i < n) {
          const c = this.buf.charCodeAt(i);
          if (c === LF || c === CR) break;
          i++;
        }
        if (i >= n) {
          this.pos = n;
          this.rowStart = n;
          this.segStart = n;
          break;
        }
        this.pos = i + this.breakLen(i);
        this.line++;
        this.skipping = false;
        this.resetRow(this.pos);
        continue;
      }
      const p = this.pos;
      if (p - this.rowStart > this.maxRowChars) {
        if (this.state === St.Quoted || this.state === St.QuoteInQuoted) {
          this.failQuote(`; row longer than ${this.maxRowChars} characters`, final, out);
        } else {
          out.push({ kind: 'problem', line: this.rowLine, message: `row longer than ${this.maxRowChars} characters, skipped` });
          this.skipping = true;
          this.fields = [];
          this.field = '';
        }
        continue;
      }
      const c = this.buf.charCodeAt(p);
      switch (this.state) {
        case St.FieldStart:
          if (c === QUOTE) {
            this.state = St.Quoted;
            this.quoteOpenPos = p;
            this.quoteOpenLine = this.line;
            this.quotedLines = 0;
            this.field = '';
            this.segStart = p + 1;
            this.pos = p + 1;
          } else if (c === delim) {
            this.fields.push('');
            this.pos = p + 1;
            this.checkFieldCount(out);
          } else if (c === LF || c === CR) {
            if (this.fields.length > 0) {
              this.fields.push('');
              this.emitRow(out);
            }
            this.pos = p + this.breakLen(p);
            this.line++;
            this.resetRow(this.pos);
          } else {
            this.state = St.Unquoted;
            this.segStart = p;
            this.pos = p + 1;
          }
          break;
        case St.Unquoted:
        case St.AfterClose: {
          // Fast scan to the end of the field.
          let i = p;
          const limit = Math.min(n, this.rowStart + this.maxRowChars + 1);
          while (i < limit) {
            const d = this.buf.charCodeAt(i);
            if (d === delim || d === LF || d === CR) break;
            i++;
          }
          if (i >= limit) {
            this.pos = i;
            break;
          }
          this.finishField(i, out);
          if (this.skipping) {
            this.pos = i;
            break;
          }
          if (this.buf.charCodeAt(i) === delim) {
            this.state = St.FieldStart;
            this.pos = i + 1;
          } else {
            this.state = St.FieldStart;
            this.emitRow(out);
            this.pos = i + this.breakLen(i);
            this.line++;
            this.resetRow(this.pos);
          }
          break;
        }
        case St.Quoted: {
          let i = p;
          const limit = Math.min(n, this.rowStart + this.maxRowChars + 1);
          while (i < limit) {
            const d = this.buf.charCodeAt(i);
            if (d === QUOTE || d === LF || d === CR) break;
            i++;
          }
          if (i >= limit) {
            this.pos = i;
            break;
          }
          const d = this.buf.charCodeAt(i);
          if (d === QUOTE) {
            this.field += this.buf.slice(this.segStart, i);
            this.state = St.QuoteInQuoted;
            this.pos = i + 1;
            break;
          }
          // A line break inside quotes.
          if (i < this.strictUntil) {
            this.pos = i;
            this.failQuote('', final, out);
            break;
          }
          if (d === CR && i + 1 >= n && !final) {
            this.pos = i; // wait: CR may be followed by LF in the next chunk
            return;
          }
          this.quotedLines++;
          this.line++;
          this.pos = i + this.breakLen(i);
          if (this.quotedLines > this.maxQuotedLines) {
            this.failQuote(`; spans more than ${this.maxQuotedLines} lines`, final, out);
          }
          break;
        }
        case St.QuoteInQuoted:
          if (c === QUOTE) {
            this.field += '"';
            this.state = St.Quoted;
            this.segStart = p + 1;
            this.pos = p + 1;
          } else if (c === delim) {
            this.fields.push(this.field);
            this.field = '';
            this.state = St.FieldStart;
            this.pos = p + 1;
            this.checkFieldCount(out);
          } else if (c === LF || c === CR) {
            this.fields.push(this.field);
            this.field = '';
            this.state = St.FieldStart;
            this.emitRow(out);
            this.pos = p + this.breakLen(p);
            this.line++;
            this.resetRow(this.pos);
          } else {
            this.state = St.AfterClose;
            this.segStart = p;
            this.pos = p;
          }
          break;
      }
    }
    if (final && this.state === St.Quoted && !this.skipping) {
      this.pos = this.buf.length;
      this.failQuote('; input ended inside it', true, out);
      // The resync re-reads text after the opening line: finish it.
      if (this.pos < this.buf.length) this.run(true, out);
    }
  }

  /** Drops consumed text so the buffer holds at most the current row. */
  private compact(): void {
    const keep = this.skipping ? this.pos : Math.min(this.rowStart, this.segStart, this.pos);
    if (keep <= 0) return;
    this.buf = this.buf.slice(keep);
    this.pos -= keep;
    this.rowStart = Math.max(0, this.rowStart - keep);
    this.segStart = Math.max(0, this.segStart - keep);
    this.quoteOpenPos -= keep;
    this.strictUntil -= keep;
  }
}

/** Reads a whole text at once. */
export function readCsv(text: string, opts?: CsvReaderOptions): CsvItem[] {
  const r = new CsvReader(opts);
  const out = r.push(text);
  for (const item of r.end()) out.push(item);
  return out;
}
