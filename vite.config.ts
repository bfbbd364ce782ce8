// The renderer's build: root renderer/, output dist/renderer. base './' makes every asset URL
// relative, so the same build loads from file:// in Electron and from the loopback bridge
// (`calltrace serve`) at whatever port it picked. Nothing is fetched from the network at run
// time: no CDN, no remote fonts; the CSP (script-src 'self') forbids inline scripts, and
// Vite emits none for a plain React entry.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  root: here('./renderer'),
  base: './',
  plugins: [react()],
  build: {
    outDir: here('./dist/renderer'),
    emptyOutDir: true,
    // Electron 45 is Chromium 142: no need to down-level modern syntax.
    target: 'es2023',
    // Source maps stay local (no remote content) and make field bug reports readable.
    sourcemap: true,
    // The module-preload polyfill is an inline-free script, but it is dead weight for Chromium.
    modulePreload: { polyfill: false },
  },
  server: {
    // Dev server on loopback only; the bridge is the way in for real use.
    host: '127.0.0.1',
    fs: { allow: [here('.')] },
  },
});
