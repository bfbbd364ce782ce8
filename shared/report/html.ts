// HTML/SVG text built as strings, escaped by default. Everything the incident report shows
// from a capture — SIP text, display names, User-Agents, SDP, file names — is hostile input:
// a `<script>` in a From header must come out as text. So the `html` template escapes every
// interpolated value unless it is already an Html (built by this module), and there is no
// other way to put text into the report.

/** A fragment of markup that is safe to insert as is (made only by `html`, `join` or `trusted`). */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

// C0 controls (but tab, LF, CR) and DEL would be dropped or turned into U+FFFD by the HTML
// parser; show them as the Unicode control pictures instead, so a NUL in a SIP header is seen.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;
const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for an HTML/SVG text node or a quoted attribute value. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITY[c]).replace(CONTROL, (c) => (c === '\u007F' ? '\u2421' : String.fromCharCode(0x2400 + c.charCodeAt(0))));
}

export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(v: HtmlValue): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Html) return v.text;
  if (Array.isArray(v)) {
    let out = '';
    for (const x of v as readonly HtmlValue[]) out += render(x);
    return out;
  }
  return escapeHtml(String(v));
}

/** Tagged template: literal parts are markup, every `${value}` is escaped (arrays are concatenated). */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new Html(out);
}

/** Markup the program wrote itself (the style sheet, the script): never capture text. */
export function trusted(markup: string): Html {
  return new Html(markup);
}

export function join(parts: readonly HtmlValue[], sep: HtmlValue = ''): Html {
  const s = render(sep);
  return new Html(parts.map(render).join(s));
}

/** A number for an SVG attribute: finite, at most 2 decimals (NaN would void the element). */
export function n(x: number): string {
  return Number.isFinite(x) ? String(Math.round(x * 100) / 100) : '0';
}
