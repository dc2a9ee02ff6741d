// The SDK's weight in an app: dist/index.js minified by esbuild and gzipped, alone (socket.io-client
// left out, as an app that already has it) and with socket.io-client bundled in (what an app ships).
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const entry = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'index.js');
const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
for (const [label, external] of [
  ['@pupitre/sdk alone', ['socket.io-client']],
  ['@pupitre/sdk + socket.io-client', []],
]) {
  const out = await build({ entryPoints: [entry], bundle: true, minify: true, format: 'esm', platform: 'browser', external, write: false });
  const code = out.outputFiles[0].contents;
  console.log(`${label}: ${kb(code.length)} minified, ${kb(gzipSync(code, { level: 9 }).length)} gzipped`);
}
