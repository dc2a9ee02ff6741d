// The published build runs in browsers, Node and React Native, and needs nothing but socket.io-client:
// fail the build when it imports anything else, uses a Node-only global, or its declarations leak the
// monorepo (path aliases, zod).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import ts from 'typescript';
import { createRequire } from 'node:module';
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

// Both builds load, and export the same API.
const esm = await import(join(dist, 'index.js'));
const cjs = createRequire(import.meta.url)(join(dist, 'index.cjs'));
for (const [name, build] of [
  ['index.js', esm],
  ['index.cjs', cjs],
])
  for (const api of ['createClient', 'memoryStorage', 'webStorage', 'asyncStorage', 'PupitreError'])
    if (typeof build[api] !== 'function') problems.push(`${name} does not export ${api}`);

// The declarations alone type an app's code, with a browser's globals and no Node types.
const app = mkdtempSync(join(tmpdir(), 'pupitre-sdk-types-'));
try {
  const file = join(app, 'app.ts');
  writeFileSync(
    file,
    `import { createClient, type Message, type OutboxEntry } from ${JSON.stringify(join(dist, 'index.js'))};
const chat = createClient({ baseUrl: 'https://chat.example.com', channel: 'web_chat', storage: localStorage });
chat.on('message', (m: Message) => m.author.type === 'agent');
chat.on('queue', (q) => q.position + (q.estimatedWaitSeconds ?? 0));
chat.send('hi').then((e: OutboxEntry) => e.state === 'pending');
// @ts-expect-error: not a channel
createClient({ baseUrl: '', channel: 'sms' });
`,
  );
  const program = ts.createProgram([file], {
    noEmit: true,
    strict: true,
    target: ts.ScriptTarget.ES2020,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: [],
  });
  for (const d of ts.getPreEmitDiagnostics(program))
    problems.push(`index.d.ts does not type an app: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
} finally {
  rmSync(app, { recursive: true, force: true });
}

if (problems.length > 0) {
  console.error(`libs/sdk/dist is not publishable:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log('libs/sdk/dist: ESM + CJS load; .d.ts types an app alone; only socket.io-client imported');
