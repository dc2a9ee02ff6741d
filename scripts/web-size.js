// The desk's and the demo page's weight as a browser loads it: every script and style sheet each page
// references in dist/web/, minified (as built) and gzipped (level 9). `npm run web:size` builds first.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { gzipSync } = require('node:zlib');

const dir = join(__dirname, '../dist/web');
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
for (const page of ['desk', 'demo']) {
  const html = readFileSync(join(dir, `${page}.html`), 'utf8');
  const files = [...html.matchAll(/(?:src|href)="\/desk\/(assets\/[^"]+)"/g)].map((m) => m[1]);
  let min = 0;
  let gz = 0;
  for (const f of files) {
    const body = readFileSync(join(dir, f));
    min += body.length;
    gz += gzipSync(body, { level: 9 }).length;
  }
  console.log(`${page}: ${files.length} files, ${kb(min)} minified, ${kb(gz)} gzipped (${files.join(', ')})`);
}
