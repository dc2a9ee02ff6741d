/**
 * The oldest Node.js the services run on: package.json's `engines` (a test keeps the two the same).
 * Older ones start and then fail far from the cause: Node 20 ignores the gateway's `reusePort`, so
 * its second listening socket fails with EADDRINUSE, as if another process held the port.
 */
export const OLDEST_NODE = '24.21.0';

/** Why this Node.js cannot run the services, or null when it can. */
export function runtimeProblem(version: string = process.versions.node): string | null {
  const [have, need] = [version, OLDEST_NODE].map((v) => v.split('.').map(Number));
  for (let i = 0; i < 3; i++) {
    if (have[i] > need[i]) return null;
    if (have[i] < need[i]) {
      return (
        `Node.js ${OLDEST_NODE} or later is needed (package.json "engines"), not ${version}: ` +
        `npm scripts run the one npm ci installs (node_modules/.bin/node); elsewhere, put it first on PATH`
      );
    }
  }
  return null;
}
