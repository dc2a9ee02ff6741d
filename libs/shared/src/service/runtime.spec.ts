import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OLDEST_NODE, runtimeProblem } from './runtime';

const tooOld = (version: string) =>
  `Node.js 24.21.0 or later is needed, not ${version}: npm scripts run the one npm ci installs ` +
  '(node_modules/.bin/node); elsewhere, put it first on PATH';

describe('runtimeProblem', () => {
  it('takes the oldest supported Node.js and any later one', () => {
    for (const version of [
      OLDEST_NODE,
      '24.21.1',
      '24.22.0',
      'v24.22.0',
      '25.0.0',
      '26.3.1',
      '24.22.0-pre',
    ]) {
      expect(runtimeProblem(version)).toBeNull();
    }
  });

  it('names the version needed and the one running for an older Node.js', () => {
    for (const version of ['20.20.2', 'v20.20.2', '22.12.0', '24.20.9', '24.0.0', '24.21.0-rc.1']) {
      expect(runtimeProblem(version)).toBe(tooOld(version));
    }
  });

  it('does not refuse what it cannot read as a version', () => {
    for (const version of ['', 'nightly', '24']) expect(runtimeProblem(version)).toBeNull();
  });

  it("is the lower bound of package.json's engines, and .nvmrc", () => {
    const root = join(__dirname, '../../../..');
    const engines = (
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } }
    ).engines.node;
    expect(engines).toBe(`^${OLDEST_NODE}`);
    expect(readFileSync(join(root, '.nvmrc'), 'utf8').trim()).toBe(OLDEST_NODE);
  });
});
