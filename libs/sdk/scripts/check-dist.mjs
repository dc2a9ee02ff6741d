// The published build runs in browsers, Node and React Native, and needs nothing but socket.io-client:
// fail the build when it imports anything else, uses a Node-only global, or its declarations leak the
// monorepo (path aliases, zod).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist');
const problems = [];
const read = (name) => readFileSync(join(dist, name), 'utf8');

const imports = (code) => [
  ...[...code.matchAll(/\bfrom\s*["']([^"']+)["']/g)].map((m) => m[1]),
  ...[...code.matchAll(/\bimport\s*\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]),
  ...[...code.matchAll(/\brequire\s*\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]),
];

for (const name of ['index.js', 'index.cjs']) {
  const code = read(name);
  for (const spec of imports(code)) if (spec !== 'socket.io-client') problems.push(`${name} imports ${spec}`);
  for (const global of ['process', 'Buffer', '__dirname', '__filename', 'setImmediate'])
    if (new RegExp(`\\b${global}\\b`).test(code)) problems.push(`${name} mentions ${global}`);
}
for (const name of ['index.d.ts', 'index.d.cts']) {
  const types = read(name);
  for (const spec of imports(types))
    if (spec !== 'socket.io-client') problems.push(`${name} imports ${spec}`);
  if (/@pupitre\/shared|['"]zod['"]/.test(types)) problems.push(`${name} refers to the monorepo or zod`);
}

if (problems.length > 0) {
  console.error(`libs/sdk/dist is not publishable:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('libs/sdk/dist: ESM + CJS + .d.ts, only socket.io-client imported');
