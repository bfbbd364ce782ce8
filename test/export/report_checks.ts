// Structural checks on an incident report's bytes, shared by the unit tests: the CSP, the one
// script and style block and their hashes, no external reference of any kind, and only the
// tags the report itself writes (anything else would be markup injected from a capture).

import { createHash } from 'node:crypto';
import { expect } from 'vitest';

/** Every element the report writes. A tag outside this list came from somewhere else. */
export const REPORT_TAGS = new Set([
  'html', 'head', 'meta', 'title', 'style', 'body', 'header', 'main', 'nav', 'section', 'div', 'aside', 'p', 'h1', 'h2', 'h3', 'h4',
  'strong', 'code', 'span', 'time', 'a', 'ol', 'ul', 'li', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'details', 'summary', 'pre',
  'script', 'svg', 'g', 'line', 'path', 'rect', 'text', 'tspan',
]);

function sha256b64(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('base64');
}

export function checkSelfContained(page: string): void {
  // The CSP meta comes before anything it governs.
  const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(page);
  expect(meta, 'CSP meta tag').not.toBeNull();
  expect(meta!.index).toBeLessThan(page.indexOf('<style>'));
  // The attribute is escaped like every other value; the browser reads it decoded.
  const policy = meta![1].replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  const csp = new Map(policy.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v] as const));
  expect(csp.get('default-src')).toEqual(["'none'"]);
  expect(csp.get('base-uri')).toEqual(["'none'"]);
  expect(csp.get('form-action')).toEqual(["'none'"]);
  expect(policy).not.toMatch(/unsafe|data:|\*|blob:|http/);

  // Exactly one style block and one script, each admitted by its hash and nothing else.
  const styles = [...page.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]);
  const scripts = [...page.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
  expect(styles).toHaveLength(1);
  expect(scripts).toHaveLength(1);
  expect((page.match(/<script/g) ?? []).length).toBe(1);
  expect((page.match(/<style/g) ?? []).length).toBe(1);
  expect(csp.get('style-src')).toEqual([`'sha256-${sha256b64(styles[0])}'`]);
  expect(csp.get('script-src')).toEqual([`'sha256-${sha256b64(scripts[0])}'`]);

  // Nothing the page could fetch or navigate to outside itself.
  for (const bad of ['http:', 'https:', '//', 'url(', '@import', 'xmlns', 'file:', 'javascript:']) expect(page.includes(bad), `contains ${bad}`).toBe(false);
  const tags = [...page.matchAll(/<([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>/g)];
  expect(tags.length).toBeGreaterThan(50);
  for (const [whole, name, attrs] of tags) {
    expect(REPORT_TAGS.has(name.toLowerCase()), `unexpected tag <${name}> in ${whole.slice(0, 120)}`).toBe(true);
    expect(attrs, whole.slice(0, 120)).not.toMatch(/\son[a-z]+\s*=/i);
    expect(attrs, whole.slice(0, 120)).not.toMatch(/\sstyle\s*=/i);
    for (const m of attrs.matchAll(/\s(src|href|xlink:href|action|formaction|srcset|poster|background)\s*=\s*"([^"]*)"/gi)) {
      if (m[1].toLowerCase() === 'href') expect(m[2], whole).toMatch(/^#[\w-]+$/);
      else expect(m[2], whole).toMatch(/^data:/);
    }
  }
  // Fragment links point at ids of this page.
  const ids = new Set([...page.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]));
  for (const m of page.matchAll(/\shref="#([^"]+)"/g)) expect(ids.has(m[1]), `link to #${m[1]}`).toBe(true);
}
