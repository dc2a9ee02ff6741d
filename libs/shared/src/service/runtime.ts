/**
 * The oldest Node.js the services run on: the lower bound of package.json's `engines` (a test keeps
 * the two the same). Older ones start and then fail far from the cause: Node 20 ignores the gateway's
 * `reusePort`, so its second listening socket fails with EADDRINUSE, as if another process held the
 * port. Later majors are not refused: `engines` names the line the project is tested on, and a newer
 * Node is not what breaks at a distance.
 */
export const OLDEST_NODE = '24.21.0';

/**
 * Why this Node.js cannot run the services, or null when it can. A pre-release of a version is older
 * than that version; a string that is no version at all is not refused (nothing to compare).
 */
export function runtimeProblem(version: string = process.versions.node): string | null {
  const have = /^v?(\d+)\.(\d+)\.(\d+)(-)?/.exec(version);
  if (!have) return null;
  const need = OLDEST_NODE.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const part = Number(have[i + 1]);
    if (part > need[i]) return null;
    if (part < need[i]) return tooOld(version);
  }
  return have[4] ? tooOld(version) : null;
}

function tooOld(version: string): string {
  return (
    `Node.js ${OLDEST_NODE} or later is needed, not ${version}: npm scripts run the one npm ci ` +
    `installs (node_modules/.bin/node); elsewhere, put it first on PATH`
  );
}
