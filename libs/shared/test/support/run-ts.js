// Runs a TypeScript file in a child process, compiled on the fly with the same swc settings as jest
// (.swcrc). For tests that need a real process (SIGSTOP, SIGKILL); their subject imports only relative
// paths.
const fs = require('node:fs');
const path = require('node:path');
const { transformSync } = require('@swc/core');

const swcrc = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../../.swcrc'), 'utf8'));
delete swcrc.$schema;
require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    ...swcrc,
    filename,
    swcrc: false,
    sourceMaps: 'inline',
  });
  module._compile(code, filename);
};
require(path.resolve(process.argv[2]));
