/**
 * Writes the documents generated from the zod schemas of libs/shared/src/contracts into docs/
 * (`npm run docs:generate`), or checks that docs/ holds what they generate today
 * (`npm run docs:check`, part of `npm run lint`): a schema changed without its documents fails CI.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { renderDocuments } from '../libs/shared/src/contracts/documents';

const docsDir = resolve(__dirname, '..', '..', '..', 'docs');

function write(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files = renderDocuments();
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return Object.keys(files);
}

function check(): number {
  const tmp = mkdtempSync(join(tmpdir(), 'pupitre-docs-'));
  const stale = write(tmp).filter((name) => {
    const committed = join(docsDir, name);
    return (
      !existsSync(committed) || readFileSync(committed, 'utf8') !== readFileSync(join(tmp, name), 'utf8')
    );
  });
  if (stale.length === 0) {
    rmSync(tmp, { recursive: true, force: true });
    process.stdout.write('docs: docs/ is up to date with the schemas\n');
    return 0;
  }
  // The fresh copies stay in tmp, to compare.
  process.stderr.write(
    `docs: out of date with the schemas in libs/shared/src/contracts: ${stale.map((n) => `docs/${n}`).join(', ')}\n` +
      `      run \`npm run docs:generate\` and commit the result (to compare: diff -r docs ${tmp})\n`,
  );
  return 1;
}

if (process.argv.includes('--check')) {
  process.exitCode = check();
} else {
  for (const name of write(docsDir)) process.stdout.write(`docs: wrote docs/${name}\n`);
}
