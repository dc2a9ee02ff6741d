import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A worker thread running `filename`, one of this folder's modules: the compiled file in a build; under
 * jest, where it is TypeScript, a script that compiles it (and what it imports) with SWC, as jest does.
 */
export function newThreadWorker(filename: string, options: WorkerOptions): Worker {
  if (filename.endsWith('.js')) return new Worker(filename, options);
  const script = `
    const { readFileSync } = require('node:fs');
    const { transformSync } = require('@swc/core');
    require.extensions['.ts'] = (module, file) => {
      const { code } = transformSync(readFileSync(file, 'utf8'), {
        filename: file,
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
      });
      module._compile(code, file);
    };
    require(${JSON.stringify(filename)});
  `;
  return new Worker(script, { ...options, eval: true });
}
