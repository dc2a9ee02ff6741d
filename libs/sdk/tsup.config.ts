import { defineConfig } from 'tsup';

/** ESM and CommonJS builds with bundled declarations; socket.io-client stays a dependency. */
export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  tsconfig: 'tsconfig.json',
  target: 'es2020',
  platform: 'neutral',
  sourcemap: true,
  clean: true,
  external: ['socket.io-client'],
  outDir: 'dist',
});
