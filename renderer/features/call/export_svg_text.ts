// Exporting the ladder as a file, the text side (no DOM, tested in Node). The SVG on screen is
// styled with the theme's CSS variables, which mean nothing outside the page, so the
// serialized text has every var(--x) replaced by its computed value first.

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Replaces var(--name) and var(--name, fallback) with lookup(name) (or the fallback). */
export function resolveCssVars(text: string, lookup: (name: string) => string): string {
  // Fallbacks may themselves hold var(); resolve innermost first until nothing changes.
  let prev = '';
  let out = text;
  for (let i = 0; i < 4 && out !== prev; i++) {
    prev = out;
    out = out.replace(/var\(\s*(--[\w-]+)\s*(?:,\s*([^()]*))?\)/g, (_m, name: string, fallback: string | undefined) => {
      const v = lookup(name).trim();
      return (v || (fallback ?? '').trim()).replace(/"/g, "'");
    });
  }
  return out;
}

/** A standalone SVG document: namespace, size, and an opaque background (viewers default to transparent). */
export function standaloneSvg(svgMarkup: string, width: number, height: number, background: string): string {
  let s = svgMarkup.trim();
  if (!/^<svg[\s>]/.test(s)) throw new Error('not an <svg> element');
  if (!/^<svg[^>]*\sxmlns=/.test(s)) s = s.replace(/^<svg/, `<svg xmlns="${SVG_NS}"`);
  s = s.replace(/^<svg([^>]*)>/, (_m, attrs: string) => {
    const clean = attrs.replace(/\s(width|height)="[^"]*"/g, '');
    return `<svg${clean} width="${width}" height="${height}"><rect x="0" y="0" width="100%" height="100%" fill="${background}"/>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n${s}`;
}

/** Device-pixel scale for the PNG: 2× when it fits Chromium's canvas limits, less for tall ladders. */
export function pngScale(width: number, height: number): number {
  const maxSide = 32_000;
  const maxArea = 200_000_000;
  return Math.max(0.1, Math.min(2, maxSide / Math.max(1, width), maxSide / Math.max(1, height), Math.sqrt(maxArea / Math.max(1, width * height))));
}

/** A file name from the Call-ID: safe on every desktop file system. */
export function exportFileName(callId: string, ext: string): string {
  const base = callId.replace(/[^\w.@-]+/g, '_').slice(0, 80) || 'call';
  return `ladder-${base}.${ext}`;
}
