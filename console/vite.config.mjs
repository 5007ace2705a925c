// Builds the operator console into dist/console, served by the platform under /console (api/console.ts).
// `npm run build:console`; `npm install` runs it (postinstall), and so does `npm test` before the browser tests.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/console/',
  logLevel: 'warn',
  // Preact's JSX runtime, compiled by Vite's own transformer (no Babel).
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    // The page must run under a CSP without inline scripts: no module preload polyfill snippet.
    modulePreload: { polyfill: false },
  },
});
