// @ts-check
import { builtinModules } from 'node:module';
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'libs/sdk/dist/**', 'node_modules/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-console': 'error',
    },
  },
  {
    // Rules are pure: a domain/ folder imports no framework, ORM, driver or the shared barrel.
    files: ['**/domain/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@pupitre/shared',
              message: 'domain/ imports @pupitre/shared/contracts or @pupitre/shared/domain, never the barrel (it loads Nest and kafkajs).',
            },
          ],
          patterns: [
            { group: ['@nestjs/*', 'typeorm', 'typeorm/*', 'kafkajs', 'pg', 'socket.io', 'rxjs', 'express'], message: 'domain/ is pure: no framework, ORM or driver.' },
          ],
        },
      ],
    },
  },
  {
    // @pupitre/sdk runs in browsers, Node and React Native: no Node built-in, no Node-only global, and
    // nothing from the monorepo at run time (the contracts are checked as types in libs/sdk/checks).
    files: ['libs/sdk/src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: builtinModules.map((name) => ({ name, message: '@pupitre/sdk: no Node built-in module.' })),
          patterns: [
            { group: ['node:*'], message: '@pupitre/sdk: no Node built-in module.' },
            { group: ['@pupitre/*', '**/shared/**', 'zod'], message: '@pupitre/sdk stands alone: no monorepo code, no zod.' },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...['process', 'Buffer', 'global', '__dirname', '__filename', 'require', 'module', 'exports', 'setImmediate'].map(
          (name) => ({ name, message: `${name} is Node-only; @pupitre/sdk also runs in browsers and React Native.` }),
        ),
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'jest/**/*.ts', '**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'scripts/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
