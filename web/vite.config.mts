import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The desk (`/desk`) and the demo page (`/demo`), built into `dist/web/` (the one place the gateway
 * serves them from; README, "The desk and the demo page"). Assets are served under `/desk/assets/`.
 */
const here = dirname(fileURLToPath(import.meta.url));
// A production build whatever NODE_ENV the caller has (jest runs with `test`, which would keep
// development code paths in the bundle).
process.env.NODE_ENV = 'production';

export default defineConfig({
  root: here,
  base: '/desk/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: resolve(here, '../dist/web'),
    emptyOutDir: true,
    target: 'es2022',
    // No inline script or style anywhere: the gateway serves the pages with a strict CSP.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    rollupOptions: {
      input: { desk: resolve(here, 'desk.html'), demo: resolve(here, 'demo.html') },
    },
  },
});
