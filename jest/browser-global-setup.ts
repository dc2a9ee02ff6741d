import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import globalSetup from './global-setup';

/**
 * The browser project runs the built pages, as the gateway serves them: jest runs the server from
 * source, so the desk and demo page are built here first (`npm run build:web`, into dist/web/).
 */
export default async function browserGlobalSetup(): Promise<void> {
  const root = join(__dirname, '..');
  execFileSync(
    join(root, 'node_modules/.bin/vite'),
    ['build', '--config', 'web/vite.config.mts', '--logLevel', 'warn'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  await globalSetup();
}
