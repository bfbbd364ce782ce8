// Exporting the ladder as a file, the browser side (needs a DOM; the text work is in
// export_svg_text.ts). PNG goes through an <img> of the SVG drawn on a canvas.
//
// The image is loaded from a data: URL, not a blob: URL: the app's CSP allows img-src 'self'
// data: only (renderer/index.html), and a blob: image would be refused.

import { pngScale } from './export_svg_text.ts';

export function downloadBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  // Revoke after the click has been handled; revoking at once can cancel the download.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function cssVarLookup(el: Element): (name: string) => string {
  const cs = getComputedStyle(el);
  return (name) => cs.getPropertyValue(name);
}

export async function svgToPngBlob(svgText: string, width: number, height: number): Promise<Blob> {
  const img = new Image();
  img.decoding = 'async';
  const loaded = new Promise<void>((resolve, reject) => {
    img.onload = () => resolve();
    img.onerror = () => reject(new Error('the browser could not render the SVG as an image'));
  });
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svgText)}`;
  await loaded;
  const scale = pngScale(width, height);
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas');
  ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
  return new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('canvas.toBlob returned nothing'))), 'image/png'));
}
