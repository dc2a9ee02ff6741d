// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
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
    files: ['test/**/*.ts', 'bench/**/*.ts', 'jest/**/*.ts', '**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', 'scripts/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);
