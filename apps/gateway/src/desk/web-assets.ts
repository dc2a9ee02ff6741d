import { existsSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';

/**
 * The built desk and demo page (`web/`, built by `npm run build` into `dist/web/`): the one place the
 * gateway serves them from. Found from this file whether it runs from the sources or from `dist/`.
 */
export const WEB_DIR_CANDIDATES = [
  join(__dirname, '../../../../dist/web'), // from the sources: apps/gateway/src/desk → dist/web
  join(__dirname, '../../../../web'), // from the build: dist/apps/gateway/src/desk → dist/web
];

/** A built directory has its pages and `assets/` (the sources' `web/` has no `assets/`). */
const builtDir = (): string | undefined =>
  WEB_DIR_CANDIDATES.find((dir) => existsSync(join(dir, 'desk.html')) && existsSync(join(dir, 'assets')));

/**
 * No inline script or style, nothing from elsewhere: scripts, styles and sockets from this origin only.
 * (Inline SVG markup is not script; `data:` is for the page's empty favicon.)
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

export interface WebFile {
  body: Buffer;
  contentType: string;
}

/** A built file by its name in `dist/web/` or `dist/web/assets/`; null when absent or not a plain name. */
export function readWebFile(name: string, sub: '' | 'assets' = ''): WebFile | null {
  if (!/^[\w.-]+$/.test(name) || name.startsWith('.')) return null;
  const contentType = TYPES[extname(name)];
  if (!contentType) return null;
  const dir = builtDir();
  const path = dir && join(dir, sub, name);
  return path && existsSync(path) ? { body: readFileSync(path), contentType } : null;
}
